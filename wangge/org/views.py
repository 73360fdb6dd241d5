"""Pages of the org tree, the grid map, the grid import and the coverage-gap report.

Views only adapt: they find the unit through `get_unit_for_user` (outside the user's scope it
does not exist: 404), read through the scope filter and the org queries, write through the org
services, and map refusals to a message by the field.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.scope import Scope
from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit, NotAllowed, NotFound
from wangge.org.forms import GridImportForm
from wangge.org.models import GridKind, OrgUnit
from wangge.org.permissions import can, get_unit_for_user, scope_for
from wangge.org.queries import (
    ancestors_of,
    counts_below,
    coverage_gaps,
    export_grids,
    scope_roots,
    staff_of,
)
from wangge.org.roles import AREA_KINDS, Capability, UnitKind
from wangge.org.services import import_grids

# --- Shared page pieces -----------------------------------------------------------------------


def _unit_or_404(request: HttpRequest, code: str, capability: str = Capability.VIEW_ORG) -> OrgUnit:
    try:
        return get_unit_for_user(request.user, code, capability)
    except NotFound:
        raise Http404(code) from None


def _require_capability(request: HttpRequest, capability: str) -> Scope:
    scope = scope_for(request.user, capability)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def _rows_with_counts(units: list[OrgUnit]) -> list[dict[str, Any]]:
    counts = counts_below(units)
    return [{"unit": unit, **counts[unit.pk]} for unit in units]


def _breadcrumbs(request: HttpRequest, unit: OrgUnit) -> list[dict[str, Any]]:
    """The unit's ancestors, root first; only those inside the user's scope are links."""
    scope = scope_for(request.user, Capability.VIEW_ORG)
    return [
        {
            "name": ancestor.name,
            "url": _unit_url(ancestor.code) if scope.contains(ancestor.path) else None,
        }
        for ancestor in ancestors_of(unit)
    ]


def _unit_url(code: str) -> str:
    return reverse("org:unit", args=[code])


def _map_urls(within: OrgUnit | None = None) -> dict[str, str]:
    """Where map scripts fetch grids, and the unit page URL with `__code__` to replace."""
    grids_url = reverse("api:grid_map")
    if within is not None:
        grids_url = f"{grids_url}?{urlencode({'within': within.code})}"
    return {"gridsUrl": grids_url, "unitUrl": _unit_url("__code__")}


def _feature(unit: OrgUnit, **extra: Any) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "boundary": unit.boundary,
        **extra,
    }


# --- The org tree -----------------------------------------------------------------------------


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
            "rows": _rows_with_counts(roots),
            "show_staff": all(staff_scope.contains(root.path) for root in roots),
        },
    )


@login_required
@require_GET
def unit(request: HttpRequest, code: str) -> HttpResponse:
    return _unit_page(request, _unit_or_404(request, code))


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
        "unit": _feature(unit),
        "children": [
            _feature(child, url=_unit_url(child.code)) for child in children if child.boundary
        ],
        **_map_urls(within=unit),
    }
    context = {
        "unit": unit,
        "breadcrumbs": _breadcrumbs(request, unit),
        "parent_url": _unit_url(parent.code)
        if parent is not None and scope.contains(parent.path)
        else None,
        "child_rows": child_rows,
        "counts": counts[unit.pk],
        "show_staff": may_view_staff,
        "staff": staff_of(unit) if may_view_staff else None,
        "map_data": map_data,
        "has_coverage": unit.kind not in (UnitKind.GRID, UnitKind.DEPARTMENT),
        "may_manage": can(request.user, Capability.MANAGE_ORG, unit),
    }
    return render(request, "org/unit.html", context)


# --- The grid map -----------------------------------------------------------------------------


@login_required
@require_GET
def grid_map(request: HttpRequest) -> HttpResponse:
    config = {
        **_map_urls(),
        "locateUrl": reverse("api:locate_point"),
        "focus": request.GET.get("grid", "")[:32],
        "gridKinds": dict(GridKind.objects.values_list("code", "name")),
    }
    return render(request, "org/map.html", {"grid_map_config": config})


# --- Import and export ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grid_import(request: HttpRequest) -> HttpResponse:
    _require_capability(request, Capability.MANAGE_ORG)
    summary = None
    import_refused = False
    if request.method == "POST":
        form = GridImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                summary = import_grids(request.user, form.read_file())
            except GeoJSONInvalid as refused:
                form.add_feature_errors(refused.errors)
                import_refused = True
            except NotAllowed as refused:
                form.add_error("file", str(refused))
            else:
                form = GridImportForm()
    else:
        form = GridImportForm()
    return render(
        request,
        "org/grid_import.html",
        {
            "form": form,
            "summary": summary,
            "import_refused": import_refused,
            # The map opens on the first grid the import created or changed.
            "focus_code": next(iter([*summary.created, *summary.updated]), "") if summary else "",
        },
    )


@login_required
@require_GET
def grid_export(request: HttpRequest) -> HttpResponse:
    """The grids of the user's subtree (or of ?within=CODE inside it) as one GeoJSON file."""
    scope = _require_capability(request, Capability.MANAGE_ORG)
    within_code = request.GET.get("within", "").strip()
    within: list[OrgUnit | None]
    if within_code:
        within = [_unit_or_404(request, within_code, Capability.MANAGE_ORG)]
    elif scope.everything:
        within = [None]
    else:
        within = list(scope_roots(scope))
    features = [feature for unit in within for feature in export_grids(within=unit)["features"]]
    collection = {"type": "FeatureCollection", "features": features}
    name = within[0].code if len(within) == 1 and within[0] is not None else "grids"
    response = JsonResponse(
        collection,
        content_type="application/geo+json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.geojson"'
    return response


# --- Coverage gaps ----------------------------------------------------------------------------


@login_required
@require_GET
def unit_gaps(request: HttpRequest, code: str) -> HttpResponse:
    """Land of a community that no grid covers; above a community, one row per community."""
    unit = _unit_or_404(request, code)
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
            **_map_urls(within=unit),
        }
    return render(
        request,
        "org/unit_gaps.html",
        {
            "unit": unit,
            "breadcrumbs": _breadcrumbs(request, unit),
            "current_url": _unit_url(unit.code),
            "communities": communities,
            "single": single,
            "map_data": map_data,
        },
    )
