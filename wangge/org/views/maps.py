"""The grid map, and the coverage gaps of a community or of every community below a unit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from wangge.org.exceptions import InvalidUnit
from wangge.org.models import GridKind
from wangge.org.queries import coverage_gaps
from wangge.org.roles import AREA_KINDS
from wangge.org.views.navigation import breadcrumbs, map_urls, unit_or_404, unit_url


@login_required
@require_GET
def grid_map(request: HttpRequest) -> HttpResponse:
    config = {
        **map_urls(),
        "locateUrl": reverse("api:locate_point"),
        "focus": request.GET.get("grid", "")[:32],
        "gridKinds": dict(GridKind.objects.values_list("code", "name")),
    }
    return render(request, "org/map.html", {"grid_map_config": config})


@login_required
@require_GET
def unit_gaps(request: HttpRequest, code: str) -> HttpResponse:
    """Land of a community that no grid covers; above a community, one row per community."""
    unit = unit_or_404(request, code)
    try:
        communities = coverage_gaps(unit)
    except InvalidUnit:
        raise Http404(code) from None
    single = communities[0] if unit.kind in AREA_KINDS and communities else None
    map_data = None
    if single is not None:
        map_data = {
            "outline": unit.boundary,
            "gaps": [piece.geometry for piece in single.gaps],
            "spills": [piece.geometry for spill in single.spills for piece in spill.pieces],
            **map_urls(within=unit),
        }
    return render(
        request,
        "org/unit_gaps.html",
        {
            "unit": unit,
            "breadcrumbs": breadcrumbs(request, unit),
            "current_url": unit_url(unit.code),
            "communities": communities,
            "single": single,
            "map_data": map_data,
        },
    )
