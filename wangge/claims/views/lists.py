"""The three lists: resources (资源清单), needs (需求清单) and services/projects (服务清单). A
need's page shows the suggested resources with the reasons of their scores, and the form to
claim it — for a contact, for its own unit; for staff, on behalf of a unit serving the
community. A project's page also records the micro-project fund spent on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.cases.exceptions import NotFound as CaseNotFound
from wangge.cases.permissions import get_case_for_user
from wangge.claims import queries, services
from wangge.claims.exceptions import ClaimsError, Invalid, NotAllowed
from wangge.claims.forms import (
    ClaimForm,
    NeedEditForm,
    NeedFilterForm,
    NeedForm,
    ProjectForm,
    ReasonForm,
    SpendForm,
)
from wangge.claims.models import MemberUnit, Need, NeedState, Project, ProjectState, ResourceKind
from wangge.claims.permissions import (
    contact_of,
    get_need_for_user,
    get_project_for_user,
    may_manage,
)
from wangge.claims.views.lookups import (
    actor,
    form_page,
    found,
    kept_communities,
    refused,
    require_keeper,
    require_viewer,
)
from wangge.core.masking import mask_name, mask_phone
from wangge.org.models import OrgUnit


@login_required
@require_GET
def resource_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ResourceKind.values else ""
    context = {
        "resources": queries.resource_list(request.user, kind=kind),
        "kinds": ResourceKind.choices,
        "kind": kind,
    }
    return render(request, "claims/resources.html", context)


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    filters = NeedFilterForm(request.GET)
    state = kind = ""
    status = 200
    if filters.is_valid():
        state, kind = filters.cleaned_data["state"], filters.cleaned_data["kind"]
    else:
        status = 400
    context = {
        "needs": queries.need_list(request.user, state=state, kind=kind),
        "filters": filters,
        "may_keep": kept_communities(request).exists(),
    }
    return render(request, "claims/needs.html", context, status=status)


def _claimable_units(request: HttpRequest, community: OrgUnit) -> QuerySet[MemberUnit]:
    """The member units the user may claim for in `community`: a contact's own unit, or for
    staff every active unit serving the community."""
    contact = contact_of(request.user)
    units = MemberUnit.objects.filter(is_active=True, communities=community)
    if contact is not None:
        return units.filter(pk=contact.member_unit_id)
    if may_manage(request.user, community):
        return units.order_by("name")
    return units.none()


def _need_page(
    request: HttpRequest,
    need: Need,
    claim_form: ClaimForm | None = None,
    close_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    units = _claimable_units(request, need.community)
    may_claim = need.state == NeedState.OPEN and units.exists()
    keeps = may_manage(request.user, need.community)
    context = {
        "need": need,
        "phone": mask_phone(need.contact_phone),
        "contact_name": mask_name(need.contact_name) if not keeps else need.contact_name,
        "suggestions": services.suggest_resources(need) if keeps or may_claim else [],
        "agreements": list(need.agreements.select_related("member_unit").order_by("-claimed_at")),
        "claim_form": claim_form
        or (ClaimForm(member_units=units, initial={"title": need.title}) if may_claim else None),
        "close_form": close_form
        or (ReasonForm(prefix="close") if keeps and need.state == NeedState.OPEN else None),
        "may_keep": keeps,
        "may_edit": keeps and need.state in services.EDITABLE_NEED_STATES,
    }
    response = render(request, "claims/need.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def need_page(request: HttpRequest, need_id: int) -> HttpResponse:
    return _need_page(request, found(get_need_for_user, request, need_id))


def _claim(request: HttpRequest, form: ClaimForm, claim: Any, redisplay: Any) -> HttpResponse:
    if not form.is_valid():
        return redisplay(form, 400)
    deliverables = form.deliverables()
    if form.errors:
        return redisplay(form, 400)
    data = form.cleaned_data
    try:
        made = claim(
            data["member_unit"],
            services.ClaimInput(
                title=data["title"],
                terms=data["terms"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                deliverables=deliverables,
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return redisplay(form, 409 if error.field in ("need", "project") else 400)
    messages.success(request, _("Claimed: the agreement is made."))
    return redirect("claims:agreement", agreement_id=made.pk)


@login_required
@require_POST
def need_claim(request: HttpRequest, need_id: int) -> HttpResponse:
    need = found(get_need_for_user, request, need_id)
    units = _claimable_units(request, need.community)
    if not units.exists():
        raise PermissionDenied
    form = ClaimForm(request.POST, member_units=units)
    return _claim(
        request,
        form,
        lambda unit, given: services.claim_need(actor(request), need, unit, given),
        lambda bad, status: _need_page(request, need, claim_form=bad, status=status),
    )


@login_required
@require_POST
def need_close(request: HttpRequest, need_id: int) -> HttpResponse:
    need = found(get_need_for_user, request, need_id)
    if not may_manage(request.user, need.community):
        raise PermissionDenied
    form = ReasonForm(request.POST, prefix="close")
    if not form.is_valid():
        return _need_page(request, need, close_form=form, status=400)
    try:
        services.close_need_unmet(actor(request), need, form.cleaned_data["reason"])
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _need_page(request, need, close_form=form, status=400)
    messages.success(request, _("The need is closed."))
    return redirect("claims:need", need_id=need.pk)


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    communities = require_keeper(request)
    title = _("Raise a need")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:needs"), _("Needs")),
    ]
    cancel = reverse("claims:needs")
    initial: dict[str, Any] = {}
    if request.method != "POST" and request.GET.get("case_number"):
        initial["case_number"] = request.GET["case_number"][:32].replace("\x00", "")
    form = NeedForm(
        request.POST if request.method == "POST" else None, initial=initial, communities=communities
    )
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    given = _need_input(data)
    try:
        if data["case_number"]:
            try:
                case = get_case_for_user(request.user, data["case_number"].strip())
            except CaseNotFound:
                raise Invalid(_("No case you can see has this number."), "case") from None
            need = services.raise_need_from_case(actor(request), case, given)
        elif data["community"] is None:
            raise Invalid(_("Choose a community or village."), "community")
        else:
            need = services.raise_need(actor(request), data["community"], given)
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("The need is raised."))
    return redirect("claims:need", need_id=need.pk)


def _need_input(data: dict[str, Any]) -> services.NeedInput:
    return services.NeedInput(
        kind=data["kind"],
        title=data["title"],
        description=data["description"],
        quantity=data["quantity"],
        unit=data["unit"],
        place=data["place"],
        urgency=data["urgency"],
        wanted_by=data["wanted_by"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
    )


_NEED_FIELDS = (
    "kind",
    "title",
    "description",
    "quantity",
    "unit",
    "place",
    "urgency",
    "wanted_by",
    "contact_name",
)


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, need_id: int) -> HttpResponse:
    """Staff of the need's community change what it asks for, while it is open or claimed;
    another community's staff get a 404, a viewer a 403."""
    need = found(get_need_for_user, request, need_id)
    if not may_manage(request.user, need.community):
        raise PermissionDenied
    title = _("Change the need")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:needs"), _("Needs")),
        (reverse("claims:need", args=[need.pk]), need.title),
    ]
    cancel = reverse("claims:need", args=[need.pk])

    def page(form: NeedEditForm | None, status: int, intro: str = "") -> HttpResponse:
        response = form_page(
            request,
            title=title,
            form=form,
            crumbs=crumbs,
            cancel=cancel,
            status=status,
            intro=intro,
        )
        response["Cache-Control"] = "no-store"
        return response

    if request.method != "POST" and need.state not in services.EDITABLE_NEED_STATES:
        return page(None, 200, _("Only an open or claimed need can be changed."))
    if request.method != "POST":
        return page(NeedEditForm(initial={name: getattr(need, name) for name in _NEED_FIELDS}), 200)
    form = NeedEditForm(request.POST)
    if not form.is_valid():
        return page(form, 400)
    try:
        services.update_need(actor(request), need, _need_input(form.cleaned_data))
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return page(form, 409 if error.field == "state" else 400)
    messages.success(request, _("The need is changed."))
    return redirect("claims:need", need_id=need.pk)


# --- projects ---------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    state = request.GET.get("state", "")
    state = state if state in ProjectState.values else ""
    context = {
        "projects": queries.project_list(request.user, state=state),
        "states": ProjectState.choices,
        "state": state,
        "may_keep": kept_communities(request).exists(),
    }
    return render(request, "claims/projects.html", context)


def _project_page(
    request: HttpRequest,
    project: Project,
    claim_form: ClaimForm | None = None,
    spend_form: SpendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    units = _claimable_units(request, project.community)
    may_claim = project.state == ProjectState.PLANNED and units.exists()
    keeps = may_manage(request.user, project.community)
    spendings = list(project.spendings.select_related("allocation").order_by("-spent_on"))
    context = {
        "project": project,
        "agreements": list(
            project.agreements.select_related("member_unit").order_by("-claimed_at")
        ),
        "spendings": spendings,
        "spent": sum((s.amount for s in spendings), start=0),
        "claim_form": claim_form
        or (ClaimForm(member_units=units, initial={"title": project.title}) if may_claim else None),
        "spend_form": spend_form or (SpendForm(prefix="spend") if keeps else None),
        "may_keep": keeps,
    }
    return render(request, "claims/project.html", context, status=status)


@login_required
@require_GET
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    return _project_page(request, found(get_project_for_user, request, project_id))


@login_required
@require_POST
def project_claim(request: HttpRequest, project_id: int) -> HttpResponse:
    project = found(get_project_for_user, request, project_id)
    units = _claimable_units(request, project.community)
    if not units.exists():
        raise PermissionDenied
    form = ClaimForm(request.POST, member_units=units)
    return _claim(
        request,
        form,
        lambda unit, given: services.claim_project(actor(request), project, unit, given),
        lambda bad, status: _project_page(request, project, claim_form=bad, status=status),
    )


@login_required
@require_POST
def project_spend(request: HttpRequest, project_id: int) -> HttpResponse:
    project = found(get_project_for_user, request, project_id)
    if not may_manage(request.user, project.community):
        raise PermissionDenied
    form = SpendForm(request.POST, prefix="spend")
    if not form.is_valid():
        return _project_page(request, project, spend_form=form, status=400)
    data = form.cleaned_data
    try:
        services.spend_fund(actor(request), project, data["amount"], data["spent_on"], data["note"])
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _project_page(request, project, spend_form=form, status=400)
    messages.success(request, _("The spending is recorded."))
    return redirect("claims:project", project_id=project.pk)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    communities = require_keeper(request)
    title = _("Plan a service or project")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:projects"), _("Services and projects")),
    ]
    cancel = reverse("claims:projects")
    form = ProjectForm(request.POST if request.method == "POST" else None, communities=communities)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    try:
        project = services.save_project(
            actor(request),
            data["community"],
            services.ProjectInput(
                title=data["title"],
                description=data["description"],
                budget=data["budget"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("The project is planned."))
    return redirect("claims:project", project_id=project.pk)
