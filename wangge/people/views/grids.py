"""A grid's page: its compounds, buildings and houses (by building, floor, number) with their
use and how many live there now, filtered by use or crowded rentals; and, for those who keep
the registry there, forms to add a compound, a building and a house. A refusal of the services
comes back beside the field it names, with a 400."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.org.models import OrgUnit
from wangge.org.roles import Capability
from wangge.people import queries, services
from wangge.people.exceptions import Invalid, NotAllowed
from wangge.people.forms import BuildingForm, CompoundForm, GridFilterForm, HouseForm
from wangge.people.models import HouseUse
from wangge.people.permissions import may
from wangge.people.views.lookups import actor, grid_or_404

ACTIONS = ("compound", "building", "house")


def _forms(request: HttpRequest, grid: OrgUnit, data: Any = None) -> dict[str, Any]:
    user = actor(request)
    return {
        "compound": CompoundForm(data, prefix="compound"),
        "building": BuildingForm(
            data, prefix="building", compounds=queries.grid_compounds(grid, user)
        ),
        "house": HouseForm(data, prefix="house", buildings=queries.grid_buildings(grid, user)),
    }


def _page(
    request: HttpRequest,
    grid: OrgUnit,
    forms: dict[str, Any] | None = None,
    *,
    failed: str = "",
    status: int = 200,
) -> HttpResponse:
    filters = GridFilterForm(request.GET)
    use, crowded = "", False
    if filters.is_valid():
        use, crowded = filters.cleaned_data["use"], filters.cleaned_data["crowded"]
    elif request.method == "GET":
        status = 400
    may_keep = may(actor(request), Capability.MANAGE_PEOPLE, grid)
    places = queries.grid_places(grid, actor(request), use=use, crowded=crowded)
    context = {
        "grid": grid,
        "places": places,
        "filters": filters,
        "is_filtered": bool(use or crowded),
        "may_keep": may_keep,
        "forms": (forms or _forms(request, grid)) if may_keep else {},
        "failed": failed,
        "rented": HouseUse.RENTED,
    }
    return render(request, "people/grid.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def grid_page(request: HttpRequest, code: str) -> HttpResponse:
    grid = grid_or_404(request, code)
    if request.method == "GET":
        return _page(request, grid)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    if not may(actor(request), Capability.MANAGE_PEOPLE, grid):
        raise PermissionDenied
    forms = _forms(request, grid, request.POST)
    form = forms[action]
    if not form.is_valid():
        return _page(request, grid, forms, failed=action, status=400)
    data = form.cleaned_data
    try:
        if action == "compound":
            saved: Any = services.save_compound(
                actor(request),
                grid,
                name=data["name"],
                address=data["address"],
                property_manager=data["property_manager"],
            )
        elif action == "building":
            saved = services.save_building(
                actor(request),
                grid,
                name=data["name"],
                compound=data["compound"],
                address=data["address"],
                floors=data["floors"],
            )
        else:
            saved = services.save_house(
                actor(request),
                data["building"],
                services.HouseInput(
                    number=data["number"],
                    address=data["address"],
                    floor=data["floor"],
                    area_m2=data["area_m2"],
                    use=data["use"],
                    rooms=data["rooms"],
                ),
            )
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, grid, forms, failed=action, status=400)
    messages.success(request, _("%(place)s is saved.") % {"place": saved})
    if action == "house":
        return redirect("people:house", house_id=saved.pk)
    return redirect("people:grid", code=grid.code)
