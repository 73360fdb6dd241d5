"""The org tree: the user's scope roots, and a unit's page (its facts, map, the units below and
who works there, with the ways in to manage it for those who may)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wangge.org.forms import child_kinds
from wangge.org.models import OrgUnit
from wangge.org.permissions import can, scope_for
from wangge.org.queries import counts_below, scope_roots, staff_of
from wangge.org.roles import Capability, UnitKind
from wangge.org.views.navigation import breadcrumbs, feature, map_urls, unit_or_404, unit_url


def rows_with_counts(units: list[OrgUnit]) -> list[dict[str, Any]]:
    counts = counts_below(units)
    return [{"unit": unit, **counts[unit.pk]} for unit in units]


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    """The user's scope roots: one root is shown as its unit page, several as a list."""
    roots = scope_roots(scope_for(request.user, Capability.VIEW_ORG))
    if len(roots) == 1:
        return _unit_page(request, roots[0])
    staff_scope = scope_for(request.user, Capability.VIEW_STAFF)
    return render(
        request,
        "org/tree.html",
        {
            "rows": rows_with_counts(roots),
            "show_staff": all(staff_scope.contains(root.path) for root in roots),
        },
    )


@login_required
@require_GET
def unit(request: HttpRequest, code: str) -> HttpResponse:
    return _unit_page(request, unit_or_404(request, code))


def _unit_page(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    scope = scope_for(request.user, Capability.VIEW_ORG)
    children = list(
        scope.filter(unit.children.all())
        .select_related("grid_kind")
        .defer("properties")
        .order_by("code")
    )
    counts = counts_below([unit, *children])
    child_rows = [{"unit": child, **counts[child.pk]} for child in children]
    may_view_staff = can(request.user, Capability.VIEW_STAFF, unit)
    parent = unit.parent
    map_data = {
        "unit": feature(unit),
        "children": [
            feature(child, url=unit_url(child.code)) for child in children if child.boundary
        ],
        **map_urls(within=unit),
    }
    context = {
        "unit": unit,
        "breadcrumbs": breadcrumbs(request, unit),
        "parent_url": unit_url(parent.code)
        if parent is not None and scope.contains(parent.path)
        else None,
        "child_rows": child_rows,
        "counts": counts[unit.pk],
        "show_staff": may_view_staff,
        "staff": staff_of(unit) if may_view_staff else None,
        "map_data": map_data,
        "has_coverage": unit.kind not in (UnitKind.GRID, UnitKind.DEPARTMENT),
        "may_manage": can(request.user, Capability.MANAGE_ORG, unit),
        "may_add_below": bool(child_kinds(unit)),
        "may_manage_members": can(request.user, Capability.MANAGE_MEMBERS, unit),
    }
    return render(request, "org/unit.html", context)
