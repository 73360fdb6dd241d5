"""Organisations and places of a grid (实有单位/场所): the list, filtered by kind or key places;
an organisation's page, its contact phone masked; and the forms to register or change one, for
those who keep the registry there (`services.save_organisation`, whose refusals, a wrong credit
code among them, come back beside their field with a 400)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.masking import mask_phone
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability
from wangge.people import queries, services
from wangge.people.exceptions import Invalid, NotAllowed, NotFound
from wangge.people.forms import OrganisationFilterForm, OrganisationForm
from wangge.people.models import Organisation
from wangge.people.permissions import get_organisation_for_user, may
from wangge.people.views.lookups import actor, grid_or_404


def organisation_or_404(request: HttpRequest, organisation_id: int) -> Organisation:
    try:
        return get_organisation_for_user(request.user, organisation_id)
    except NotFound:
        raise Http404(organisation_id) from None


@login_required
@require_GET
def organisation_list(request: HttpRequest, code: str) -> HttpResponse:
    grid = grid_or_404(request, code)
    user = actor(request)
    filters = OrganisationFilterForm(request.GET)
    kind, key_places, status = "", False, 200
    if filters.is_valid():
        kind, key_places = filters.cleaned_data["kind"], filters.cleaned_data["key_places"]
    else:
        status = 400
    context = {
        "grid": grid,
        "filters": filters,
        "organisations": queries.grid_organisations(grid, user, kind=kind, key_places=key_places),
        "is_filtered": bool(kind or key_places),
        "may_keep": may(user, Capability.MANAGE_PEOPLE, grid),
    }
    return render(request, "people/organisations.html", context, status=status)


@login_required
@require_GET
def organisation_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    context = {
        "organisation": organisation,
        "grid": organisation.grid,
        "phone": mask_phone(organisation.contact_phone),
        "may_keep": may(actor(request), Capability.MANAGE_PEOPLE, organisation.grid),
    }
    response = render(request, "people/organisation.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _form(
    request: HttpRequest, grid: OrgUnit, organisation: Organisation | None, data: Any = None
) -> OrganisationForm:
    initial: dict[str, Any] = {}
    if organisation is not None:
        initial = {
            "name": organisation.name,
            "kind": organisation.kind,
            "credit_code": organisation.credit_code,
            "house": organisation.house_id,
            "address": organisation.address,
            "representative": organisation.representative,
            "employees": organisation.employees,
            "is_key_place": organisation.is_key_place,
            "note": organisation.note,
        }
    return OrganisationForm(
        data,
        prefix="org",
        initial=initial,
        houses=queries.grid_houses(grid, actor(request)),
        keeps_phone=bool(organisation and organisation.contact_phone),
    )


def _form_page(
    request: HttpRequest,
    grid: OrgUnit,
    organisation: Organisation | None,
    form: OrganisationForm,
    status: int = 200,
) -> HttpResponse:
    context = {"grid": grid, "organisation": organisation, "form": form}
    return render(request, "people/organisation_form.html", context, status=status)


def _save(request: HttpRequest, grid: OrgUnit, organisation: Organisation | None) -> HttpResponse:
    if not may(actor(request), Capability.MANAGE_PEOPLE, grid):
        raise PermissionDenied
    if request.method != "POST":
        return _form_page(request, grid, organisation, _form(request, grid, organisation))
    form = _form(request, grid, organisation, request.POST)
    if not form.is_valid():
        return _form_page(request, grid, organisation, form, status=400)
    data = form.cleaned_data
    phone = data["contact_phone"] or (organisation.contact_phone if organisation else "")
    try:
        saved = services.save_organisation(
            actor(request),
            grid,
            services.OrganisationInput(
                name=data["name"],
                kind=data["kind"],
                credit_code=data["credit_code"],
                address=data["address"],
                representative=data["representative"],
                contact_phone=phone,
                employees=data["employees"],
                is_key_place=data["is_key_place"],
                house=data["house"],
                note=data["note"],
            ),
            organisation,
        )
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _form_page(request, grid, organisation, form, status=400)
    messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
    return redirect("people:organisation", organisation_id=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest, code: str) -> HttpResponse:
    return _save(request, grid_or_404(request, code), None)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    return _save(request, organisation.grid, organisation)
