"""Reads of the org tree and the grid map: the export file, coverage gaps, and the scoped
lists the API and pages show. Nothing here writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.core.models import User
from wangge.core.scope import Scope
from wangge.org.exceptions import InvalidUnit
from wangge.org.geo import Piece, area_m2, difference_pieces, shape_or_none
from wangge.org.models import Membership, OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import AREA_KINDS, GRID_WORKER_ROLES, Capability, UnitKind

# The properties an exported grid feature carries before the ones kept from its import.
GRID_EXPORT_PROPERTIES = ("code", "name", "parent_code", "kind")


# --- The grid file ----------------------------------------------------------------------------


def export_grids(within: OrgUnit | None = None) -> dict[str, Any]:
    """The active grids (under `within`, or all) as the FeatureCollection `import_grids` reads:
    features sorted by code, each boundary exactly as stored, kept properties given back."""
    grids = OrgUnit.objects.filter(
        kind=UnitKind.GRID, is_active=True, boundary__isnull=False
    ).select_related("parent", "grid_kind")
    if within is not None:
        grids = grids.filter(path__descendant_of=within.path)
    ordered = sorted(grids, key=lambda grid: grid.code)
    return {"type": "FeatureCollection", "features": [_grid_feature(grid) for grid in ordered]}


def _grid_feature(grid: OrgUnit) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "code": grid.code,
        "name": grid.name,
        "parent_code": grid.parent.code if grid.parent else None,
        "kind": grid.grid_kind.code if grid.grid_kind else None,
    }
    properties.update(
        (key, value)
        for key, value in (grid.properties or {}).items()
        if key not in GRID_EXPORT_PROPERTIES
    )
    return {"type": "Feature", "properties": properties, "geometry": grid.boundary}


# --- Coverage gaps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GridSpill:
    """The parts of a grid that lie outside its community."""

    code: str
    name: str
    pieces: list[Piece]

    @property
    def area_m2(self) -> float:
        return sum(piece.area_m2 for piece in self.pieces)


@dataclass(frozen=True)
class CommunityCoverage:
    """How well a community's (or village's) grids cover its boundary.

    Without a boundary nothing can be measured: `has_boundary` is false and the lists are empty.
    """

    code: str
    name: str
    kind: str
    has_boundary: bool
    area_m2: float | None
    covered_m2: float | None
    gaps: list[Piece]
    spills: list[GridSpill]
    grids_without_boundary: list[str]

    @property
    def gap_m2(self) -> float:
        return sum(piece.area_m2 for piece in self.gaps)

    @property
    def is_covered(self) -> bool:
        return self.has_boundary and not self.gaps and not self.spills


def coverage_gaps(unit: OrgUnit) -> list[CommunityCoverage]:
    """For a community or village, or each one under a town or district: the land inside its
    boundary that none of its grids covers, and the grids that spill outside it. Pieces
    smaller than the overlap tolerance are drawing slivers and left out."""
    if unit.kind in AREA_KINDS:
        communities = [unit]
    elif unit.kind in (UnitKind.GRID, UnitKind.DEPARTMENT):
        raise InvalidUnit(
            "unit",
            _("Coverage is measured for communities, villages and the units above them."),
        )
    else:
        communities = list(
            OrgUnit.objects.filter(
                path__descendant_of=unit.path, kind__in=AREA_KINDS, is_active=True
            ).order_by("code")
        )
    grids_by_community: dict[int, list[tuple[str, str, Any]]] = defaultdict(list)
    for parent_id, code, name, boundary in (
        OrgUnit.objects.filter(path__descendant_of=unit.path, kind=UnitKind.GRID, is_active=True)
        .order_by("code")
        .values_list("parent_id", "code", "name", "boundary")
    ):
        grids_by_community[parent_id].append((code, name, boundary))
    return [
        _community_coverage(community, grids_by_community[community.pk])
        for community in communities
    ]


def _community_coverage(community: OrgUnit, grids: list[tuple[str, str, Any]]) -> CommunityCoverage:
    tolerance = settings.GRID_OVERLAP_TOLERANCE_M2
    outline = shape_or_none(community.boundary)
    drawn = [(code, name, shape_or_none(boundary)) for code, name, boundary in grids]
    without = [code for code, _name, shape in drawn if shape is None]
    drawn = [(code, name, shape) for code, name, shape in drawn if shape is not None]
    if outline is None:
        return CommunityCoverage(
            code=community.code,
            name=community.name,
            kind=community.kind,
            has_boundary=False,
            area_m2=None,
            covered_m2=None,
            gaps=[],
            spills=[],
            grids_without_boundary=without,
        )
    covered = shapely.union_all([shape for _c, _n, shape in drawn]) if drawn else None
    spills = [
        GridSpill(code=code, name=name, pieces=pieces)
        for code, name, shape in drawn
        if (pieces := difference_pieces(shape, outline, tolerance))
    ]
    return CommunityCoverage(
        code=community.code,
        name=community.name,
        kind=community.kind,
        has_boundary=True,
        area_m2=float(area_m2(outline)),
        covered_m2=float(area_m2(outline.intersection(covered))) if covered else 0.0,
        gaps=difference_pieces(outline, covered, tolerance),
        spills=spills,
        grids_without_boundary=without,
    )


# --- Scoped reads for the API and pages -------------------------------------------------------


def visible_units(
    user: User | AnonymousUser, *, parent_code: str | None = None, kind: str | None = None
) -> QuerySet[OrgUnit]:
    """Active units the user may see, optionally only the children of one unit or one kind."""
    units = OrgUnit.objects.filter(is_active=True).select_related("parent", "grid_kind")
    if parent_code:
        units = units.filter(parent__code=parent_code)
    if kind:
        units = units.filter(kind=kind)
    return scope_for(user, Capability.VIEW_ORG).filter(units).order_by("path")


def ancestors_of(unit: OrgUnit) -> list[OrgUnit]:
    """The units above `unit`, from the top of the tree down (one query)."""
    return list(OrgUnit.objects.filter(pk__in=unit.ancestor_pks).order_by("depth"))


def visible_grid_map(user: User | AnonymousUser, within: OrgUnit | None = None) -> dict[str, Any]:
    """The grids the user may see as a FeatureCollection for the map, each with its parent and,
    where the user may see who works there, its grid workers' names."""
    grids = OrgUnit.objects.filter(
        kind=UnitKind.GRID, is_active=True, boundary__isnull=False
    ).select_related("parent", "grid_kind")
    if within is not None:
        grids = grids.filter(path__descendant_of=within.path)
    grids = list(scope_for(user, Capability.VIEW_ORG).filter(grids).order_by("code"))
    staff_scope = scope_for(user, Capability.VIEW_STAFF)
    workers = grid_workers_by_grid(staff_scope, within)
    features = []
    for grid in grids:
        properties: dict[str, Any] = {
            "code": grid.code,
            "name": grid.name,
            "parent_code": grid.parent.code if grid.parent else None,
            "parent_name": grid.parent.name if grid.parent else None,
            "kind": grid.grid_kind.code if grid.grid_kind else None,
            "grid_workers": workers.get(grid.pk, []) if staff_scope.contains(grid.path) else None,
        }
        features.append({"type": "Feature", "properties": properties, "geometry": grid.boundary})
    return {"type": "FeatureCollection", "features": features}


def grid_workers_by_grid(staff_scope: Scope, within: OrgUnit | None = None) -> dict[int, list[str]]:
    """Display names of the active grid workers of each grid in a scope (one query)."""
    memberships = Membership.objects.filter(
        unit__kind=UnitKind.GRID, role__in=GRID_WORKER_ROLES, is_active=True, user__is_active=True
    )
    if within is not None:
        memberships = memberships.filter(unit__path__descendant_of=within.path)
    memberships = staff_scope.filter(memberships, path_field="unit__path")
    names: dict[int, list[str]] = defaultdict(list)
    for membership in (
        memberships.select_related("user")
        .only("unit_id", "user__full_name", "user__username")
        .order_by("unit_id", "role", "user__username")
    ):
        names[membership.unit_id].append(membership.user.display_name)
    return dict(names)


def counts_below(units: Iterable[OrgUnit]) -> dict[int, dict[str, int]]:
    """Active grids and people with an active role in each unit's subtree.

    Two queries whatever the number of units: every grid path and every (unit path, user) pair
    under the units is read once and attributed to the unit whose primary key is on its path.
    """
    units = list(units)
    counts: dict[int, dict[str, int]] = {u.pk: {"grids": 0, "staff": 0} for u in units}
    if not units:
        return counts
    below = Scope.of(u.path for u in units)
    for path in below.filter(
        OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True)
    ).values_list("path", flat=True):
        for pk in _pks_on_path(path, counts):
            counts[pk]["grids"] += 1
    people: dict[int, set[int]] = defaultdict(set)
    memberships = Membership.objects.filter(is_active=True, unit__is_active=True)
    for path, user_id in (
        below.filter(memberships, path_field="unit__path")
        .values_list("unit__path", "user_id")
        .distinct()
    ):
        for pk in _pks_on_path(path, counts):
            people[pk].add(user_id)
    for pk, users in people.items():
        counts[pk]["staff"] = len(users)
    return counts


def _pks_on_path(path: str, wanted: dict[int, Any]) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if int(part) in wanted]


def staff_of(unit: OrgUnit) -> list[dict[str, Any]]:
    """People with an active role in the unit itself, each with all their roles there."""
    staff: dict[int, dict[str, Any]] = {}
    for membership in (
        Membership.objects.filter(unit=unit, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__username", "role")
    ):
        person = staff.setdefault(
            membership.user_id, {"name": membership.user.display_name, "roles": []}
        )
        person["roles"].append(membership.get_role_display())
    return list(staff.values())


def scope_roots(scope: Scope) -> list[OrgUnit]:
    """The topmost units of a scope (for everything: the roots of the tree), in tree order."""
    if scope.everything:
        roots = OrgUnit.objects.filter(parent__isnull=True)
    else:
        roots = OrgUnit.objects.filter(path__in=scope.paths)
    return list(roots.select_related("parent", "grid_kind").order_by("path"))


def people_of(unit: OrgUnit) -> list[dict[str, Any]]:
    """Accounts with an active role in the unit itself, each with those roles (one query)."""
    people: dict[int, dict[str, Any]] = {}
    for membership in (
        Membership.objects.filter(unit=unit, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__username", "role")
    ):
        person = people.setdefault(membership.user_id, {"user": membership.user, "memberships": []})
        person["memberships"].append(membership)
    return list(people.values())
