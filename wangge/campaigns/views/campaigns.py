"""The organisers' pages (desktop): the list of campaigns, a new campaign and its selection,
the questionnaire, opening and closing, live progress per town, community and grid, the list of
houses still to visit, bulk assignment (分人分组分类), the results as xlsx and the printable QR
doorplates (一户一码)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.campaigns import queries, services
from wangge.campaigns.doorplates import doorplate_path, qr_svg
from wangge.campaigns.exceptions import CampaignError, NotAllowed
from wangge.campaigns.exports import export_results
from wangge.campaigns.forms import SELECTABLE_UNIT_KINDS, AssignForm, CampaignForm, QuestionForm
from wangge.campaigns.models import Campaign, CampaignState, Question, TargetKind
from wangge.campaigns.permissions import may_run, may_run_somewhere
from wangge.campaigns.views.lookups import actor, campaign_or_404, run_campaign_or_404
from wangge.core.models import User
from wangge.core.scope import Scope
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people.models import Building, Compound, HouseUse

PAGE_SIZE = 100
DOORPLATES_MAX = 500


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    campaigns = list(queries.campaign_list(user)[:200])
    context = {
        "campaigns": campaigns,
        "mine": queries.my_campaigns(user),
        "may_create": may_run_somewhere(user),
    }
    return render(request, "campaigns/list.html", context)


def _scoped_places(user: User, within: OrgUnit | None) -> tuple[Any, Any, Any]:
    scope: Scope = scope_for(user, Capability.RUN_CAMPAIGNS)
    units = scope.filter(
        OrgUnit.objects.filter(kind__in=SELECTABLE_UNIT_KINDS, is_active=True).order_by("path")
    )
    compounds = scope.filter(Compound.objects.all(), "grid__path").order_by("name")
    buildings = scope.filter(Building.objects.all(), "grid__path").order_by(
        "grid__path", "compound__name", "name"
    )
    if within is not None:
        units = units.filter(path__descendant_of=within.path)
        compounds = compounds.filter(grid__path__descendant_of=within.path)
        buildings = buildings.filter(grid__path__descendant_of=within.path)
    return units, compounds, buildings


def _campaign_form(user: User, data: Any = None, campaign: Campaign | None = None) -> CampaignForm:
    units, compounds, buildings = _scoped_places(user, campaign.unit if campaign else None)
    initial: dict[str, Any] = {"target_kind": TargetKind.HOUSES}
    if campaign is not None:
        initial = {
            "title": campaign.title,
            "description": campaign.description,
            "unit": campaign.unit,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "target_kind": campaign.target_kind,
            "units": list(campaign.select_units.all()),
            "compounds": list(campaign.select_compounds.all()),
            "buildings": list(campaign.select_buildings.all()),
            "uses": campaign.select_uses,
            "tags": list(campaign.select_tags.all()),
        }
    return CampaignForm(
        data,
        initial=initial,
        units=queries.campaign_units_for(user),
        selectable_units=units,
        compounds=compounds,
        buildings=buildings,
        open_campaign=campaign is not None and campaign.state != CampaignState.DRAFT,
    )


def _input(form: CampaignForm) -> services.CampaignInput:
    data = form.cleaned_data
    return services.CampaignInput(
        title=data["title"],
        description=data["description"],
        unit=data["unit"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        target_kind=data["target_kind"],
        units=list(data["units"]),
        compounds=list(data["compounds"].select_related("grid")),
        buildings=list(data["buildings"].select_related("grid", "compound")),
        uses=list(data["uses"]),
        tags=[kind.code for kind in data["tags"]],
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not may_run_somewhere(user):
        return render(request, "403.html", status=403)
    form = _campaign_form(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(user, _input(form))
        except CampaignError as refused:
            form.add_refusal(refused.field, refused.message)
        else:
            messages.success(request, _("The campaign is saved as a draft: add its questions."))
            return redirect("campaigns:questions", campaign_id=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    if campaign.state == CampaignState.CLOSED:
        return redirect("campaigns:campaign", campaign_id=campaign.pk)
    form = _campaign_form(user, request.POST or None, campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(user, campaign, _input(form))
        except CampaignError as refused:
            form.add_refusal(refused.field, refused.message)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect("campaigns:campaign", campaign_id=campaign.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "campaign": campaign}
    return render(request, "campaigns/form.html", context, status=status)


@login_required
@require_GET
def campaign_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = campaign_or_404(request, campaign_id)
    is_draft = campaign.state == CampaignState.DRAFT
    context = {
        "campaign": campaign,
        "may_run": may_run(user, campaign),
        "questions": list(campaign.questions.order_by("order", "pk")),
        "progress": None if is_draft else queries.progress(user, campaign),
        "matching": services.selected(campaign).count() if is_draft else None,
        "selectors": {
            "units": list(campaign.select_units.all()),
            "compounds": list(campaign.select_compounds.all()),
            "buildings": list(campaign.select_buildings.select_related("compound")),
            "tags": list(campaign.select_tags.all()),
            "uses": [str(HouseUse(use).label) for use in campaign.select_uses],
        },
        "mine": queries.my_targets(user, campaign).filter(is_done=False).count(),
    }
    return render(request, "campaigns/campaign.html", context)


@login_required
@require_POST
def campaign_open(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    try:
        count = services.open_campaign(user, campaign)
    except CampaignError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The campaign is open: %(count)s targets.") % {"count": count})
    return redirect("campaigns:campaign", campaign_id=campaign.pk)


@login_required
@require_POST
def campaign_close(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    try:
        services.close_campaign(user, campaign)
    except CampaignError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect("campaigns:campaign", campaign_id=campaign.pk)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_questions(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    form = QuestionForm(request.POST or None, initial={"kind": "single"})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_question(
                    user,
                    campaign,
                    services.QuestionInput(
                        label=data["label"],
                        kind=data["kind"],
                        choices=form.choice_list(),
                        is_required=data["is_required"],
                        help_text=data["help_text"],
                    ),
                )
            except CampaignError as refused:
                form.add_refusal(refused.field, refused.message)
            else:
                messages.success(request, _("The question is added."))
                return redirect("campaigns:questions", campaign_id=campaign.pk)
    context = {
        "campaign": campaign,
        "questions": list(campaign.questions.order_by("order", "pk")),
        "form": form if campaign.state == CampaignState.DRAFT else None,
    }
    return render(request, "campaigns/questions.html", context, status=status)


def _question_or_404(campaign: Campaign, question_id: int) -> Question:
    question = campaign.questions.filter(pk=question_id).first()
    if question is None:
        from django.http import Http404

        raise Http404(question_id)
    return question


@login_required
@require_POST
def question_change(request: HttpRequest, campaign_id: int, question_id: int) -> HttpResponse:
    """Move a question up or down, or remove it (`change` is up, down or remove)."""
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    question = _question_or_404(campaign, question_id)
    change = request.POST.get("change", "")
    try:
        if change == "remove":
            services.remove_question(user, question)
        elif change in ("up", "down"):
            services.move_question(user, question, up=change == "up")
    except CampaignError as refused:
        messages.error(request, refused.message)
    return redirect("campaigns:questions", campaign_id=campaign.pk)


def _question_form(question: Question, data: Any = None) -> QuestionForm:
    initial = {
        "label": question.label,
        "kind": question.kind,
        "choices": "\n".join(question.choices),
        "is_required": question.is_required,
        "help_text": question.help_text,
    }
    return QuestionForm(data, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, campaign_id: int, question_id: int) -> HttpResponse:
    """Change a question in place (label, kind, choices, required, help) while the campaign is a
    draft; once it is open the questionnaire is fixed and a change is refused with the reason."""
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    question = _question_or_404(campaign, question_id)
    is_draft = campaign.state == CampaignState.DRAFT
    form = _question_form(question, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not is_draft:
            status = 409
            form.add_error(None, _("The questionnaire is fixed once the campaign is open."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.update_question(
                    user,
                    question,
                    services.QuestionInput(
                        label=data["label"],
                        kind=data["kind"],
                        choices=form.choice_list(),
                        is_required=data["is_required"],
                        help_text=data["help_text"],
                    ),
                )
            except CampaignError as refused:
                form.add_refusal(refused.field, refused.message)
                if campaign.state != CampaignState.DRAFT:
                    status = 409
            else:
                messages.success(request, _("The question is saved."))
                return redirect("campaigns:questions", campaign_id=campaign.pk)
    context = {"campaign": campaign, "question": question, "form": form, "is_draft": is_draft}
    return render(request, "campaigns/question_edit.html", context, status=status)


def _building_choices(campaign: Campaign) -> list[tuple[str, str]]:
    rows = (
        campaign.targets.exclude(building__isnull=True)
        .values_list("building", "compound_name", "building_name")
        .distinct()
        .order_by("compound_name", "building_name")
    )
    return [(str(pk), f"{compound} {name}".strip()) for pk, compound, name in rows]


@login_required
@require_http_methods(["GET", "POST"])
def campaign_assign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    helpers = services.helpers_for(campaign)
    grids = OrgUnit.objects.filter(pk__in=campaign.targets.values("grid")).order_by("path")
    form = AssignForm(
        request.POST or None, helpers=helpers, grids=grids, buildings=_building_choices(campaign)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if campaign.state == CampaignState.DRAFT:
            form.add_error(None, _("Open the campaign first: its targets are made when it opens."))
        elif form.is_valid():
            data = form.cleaned_data
            by_id = {h.user.pk: h.user for h in helpers}
            assignee = by_id.get(int(data["assignee"])) if data["assignee"] else None
            selection = services.Selection(
                grid=data["grid"],
                building_id=int(data["building"]) if data["building"] else None,
                floor_from=data["floor_from"],
                floor_to=data["floor_to"],
                category=data["category"],
                only_not_done=data["only_not_done"],
            )
            try:
                count = services.assign_targets(user, campaign, selection, assignee)
            except NotAllowed as refused:
                form.add_error(None, refused.message)
            except CampaignError as refused:
                form.add_refusal(refused.field, refused.message)
            else:
                name = assignee.display_name if assignee else _("nobody")
                messages.success(
                    request,
                    _("%(count)s targets are now given to %(name)s.")
                    % {"count": count, "name": name},
                )
                return redirect("campaigns:assign", campaign_id=campaign.pk)
    context = {
        "campaign": campaign,
        "form": form,
        "counts": queries.assignment_counts(campaign),
    }
    return render(request, "campaigns/assign.html", context, status=status)


@login_required
@require_GET
def campaign_remaining(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = campaign_or_404(request, campaign_id)
    targets = queries.remaining_targets(user, campaign)
    page = Paginator(targets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"campaign": campaign, "page": page, "targets": list(page.object_list)}
    return render(request, "campaigns/remaining.html", context)


@login_required
@require_GET
def campaign_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = actor(request)
    campaign = run_campaign_or_404(request, campaign_id)
    export = export_results(user, campaign)
    return FileResponse(
        export.file,
        as_attachment=True,
        filename=export.filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_GET
def campaign_doorplates(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A printable page of QR doorplates, one per house the campaign visits."""
    campaign = run_campaign_or_404(request, campaign_id)
    targets = (
        campaign.targets.filter(house__isnull=False, person__isnull=True)
        .select_related("house", "grid")
        .order_by("grid__code", "compound_name", "building_name", "floor", "number")
    )
    plates = []
    for target in targets[:DOORPLATES_MAX]:
        url = request.build_absolute_uri(doorplate_path(target.house))
        plates.append({"target": target, "svg": qr_svg(url)})
    context = {"campaign": campaign, "plates": plates, "capped": targets.count() > DOORPLATES_MAX}
    response = render(request, "campaigns/doorplates.html", context)
    response["Cache-Control"] = "no-store"
    return response
