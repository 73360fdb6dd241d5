"""The figures on a map: the units a map of a scope shows (its grids, or the units one level
down when the scope holds too many grids to draw), each with a simplified outline and the sums
of the measures of its subtree (read from the rollups through `queries.Reader`); and the cases
of a scope and period counted into small cells of latitude and longitude, in SQL, for the heat
map (read by the cases' report time, with `roomy_reads`' settings on PostgreSQL, so that a
month of a city's cases is counted from their index range in memory rather than by reading
the whole table). Figures come out of `definitions`; nothing here computes a rate."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Floor

from wangge.analytics.queries import Period, Reader, Scope, Totals
from wangge.cases.models import Case, Category
from wangge.org.geo import shape_or_none, to_geojson
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind

# Past this many grids a map shows the units one level down instead (a district of the
# reference practice has 410 grids: they are drawn; a city of several districts is not).
GRIDS_MAX = 800
# Outlines lose the detail a map at scope zoom cannot show: about 5 m, and 1 m of precision.
SIMPLIFY_DEGREES = 0.00005
PRECISION_DEGREES = 0.00001
# A heat cell is this many degrees of latitude and longitude (about 170 m north–south, 155 m
# east–west in Guangdong); cells are merged two by two until at most HEAT_CELLS_MAX remain.
HEAT_CELL_DEGREES = 0.0015
HEAT_CELLS_MAX = 4_000
_COORDINATE_DECIMALS = 6
# What the big reads of the analytics (hot spots, the heat map) may hash in memory per step on
# PostgreSQL, instead of the server's default (often 4 MB, which spills them to disk).
READ_WORK_MEM = "64MB"


@contextmanager
def roomy_reads() -> Iterator[None]:
    """On PostgreSQL, run the block's queries in a transaction that may hash READ_WORK_MEM
    per step and does not JIT-compile (compiling costs these reads of a few hundred
    milliseconds more than it saves, and a plan costed with the default memory reads the
    whole cases table for a month's heat map). The settings end with the block: with its
    transaction, or, inside a caller's transaction, put back (one query more either way,
    two inside a transaction)."""
    if connection.vendor != "postgresql":
        yield
        return
    setting = "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)"
    if not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(setting, [READ_WORK_MEM, "off"])
            yield
        return
    with connection.cursor() as cursor:
        # The settings as they were (read first: the subquery is not flattened), then ours.
        cursor.execute(
            "SELECT was.work_mem, was.jit, set_config('work_mem', %s, true), "
            "set_config('jit', 'off', true) FROM (SELECT current_setting('work_mem') AS "
            "work_mem, current_setting('jit') AS jit OFFSET 0) was",
            [READ_WORK_MEM],
        )
        saved = cursor.fetchone()[:2]
        yield
        # (After an error the caller's transaction, or its savepoint, ends them.)
        cursor.execute(setting, saved)


@dataclass(frozen=True)
class MapUnit:
    """A unit as a map of figures draws it: its outline (GeoJSON, simplified; None when it has
    none) and the measures summed over its subtree."""

    unit: OrgUnit
    outline: dict[str, Any] | None
    totals: Totals
    has_grids_below: bool


@dataclass(frozen=True)
class FigureMap:
    level: str  # "grid" or "unit"
    units: list[MapUnit]


def simplified_outline(boundary: Any) -> dict[str, Any] | None:
    shape = shape_or_none(boundary)
    if shape is None:
        return None
    return _outline_of(shape)


def _outline_of(shape: Any) -> dict[str, Any] | None:
    simpler = shapely.set_precision(
        shape.simplify(SIMPLIFY_DEGREES, preserve_topology=True), PRECISION_DEGREES
    )
    if simpler.is_empty:
        simpler = shape
    return to_geojson(simpler)


def _grids_below(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(
        path__descendant_of=unit.path, kind=UnitKind.GRID, is_active=True
    ).order_by("code")


def figure_map(scope: Scope, period: Period, *, outlines: bool = True) -> FigureMap:
    """The units a map of `scope` draws, each with its measures for `period`.

    A scope of at most GRIDS_MAX grids draws them; a larger one draws the area units one level
    down (their own outline, or the union of their grids' when they have none): choosing one
    of them draws its grids."""
    reader = Reader(scope)
    by_area = reader.grouped(period, "area_id")
    unit = scope.unit
    grid_count = _grids_below(unit).count() if unit.kind != UnitKind.GRID else 1
    if grid_count <= GRIDS_MAX:
        fields = ["code", "name", "path", "kind", "parent_id", "depth"]
        grids = _grids_below(unit).only(*fields, *(["boundary"] if outlines else []))
        units = [
            MapUnit(
                grid,
                simplified_outline(grid.boundary) if outlines else None,
                by_area.get(grid.pk, Counter()),
                False,
            )
            for grid in grids
        ]
        return FigureMap("grid", units)
    children = [
        u
        for u in reader.units
        if u.parent_id == unit.pk and u.is_active and u.kind != UnitKind.GRID
    ]
    summed = _sums_by_child(children, by_area, reader.units)
    shapes = _child_outlines(children) if outlines else {}
    return FigureMap(
        "unit",
        [
            MapUnit(child, shapes.get(child.pk), summed.get(child.pk, Counter()), True)
            for child in sorted(children, key=lambda u: u.code)
        ],
    )


def _sums_by_child(
    children: list[OrgUnit], by_area: dict[Hashable, Totals], units: list[OrgUnit]
) -> dict[int, Totals]:
    child_ids = {child.pk for child in children}
    path_of = {u.pk: u.path for u in units}
    summed: dict[int, Totals] = {}
    for area, totals in by_area.items():
        path = path_of.get(area)  # type: ignore[call-overload]
        if path is None:
            continue
        for part in path.strip("/").split("/"):
            if int(part) in child_ids:
                summed.setdefault(int(part), Counter()).update(totals)
                break
    return summed


def _child_outlines(children: list[OrgUnit]) -> dict[int, dict[str, Any] | None]:
    """Each child's own outline, or the union of its grids' outlines when it has none."""
    own = dict(
        OrgUnit.objects.filter(pk__in=[c.pk for c in children]).values_list("pk", "boundary")
    )
    outlines: dict[int, dict[str, Any] | None] = {}
    for child in children:
        outline = simplified_outline(own.get(child.pk))
        if outline is None:
            shapes = [
                shape
                for boundary in _grids_below(child).values_list("boundary", flat=True)
                if (shape := shape_or_none(boundary)) is not None
            ]
            outline = _outline_of(shapely.union_all(shapes)) if shapes else None
        outlines[child.pk] = outline
    return outlines


# --- The heat map ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCells:
    cell_degrees: float
    cells: list[tuple[float, float, int]]  # (lat, lon) of the cell's centre, cases in it
    total: int


def heat_cells(
    unit: OrgUnit, period: Period, category: Category | None = None, limit: int = HEAT_CELLS_MAX
) -> HeatCells:
    """The located cases of `unit`'s subtree reported in `period` (merged duplicates left out,
    as in every figure), counted by cell in one grouped query."""
    cases = Case.objects.filter(
        reported_at__gte=period.starts_at,
        reported_at__lt=period.ends_before,
        lat__isnull=False,
        lon__isnull=False,
    ).exclude(state="merged")
    if unit.parent_id is not None:
        cases = cases.filter(
            area_id__in=OrgUnit.objects.filter(path__descendant_of=unit.path).values("pk")
        )
    if category is not None:
        cases = cases.filter(
            category_id__in=[category.pk, *category.children.values_list("pk", flat=True)]
        )
    rows = (
        cases.annotate(
            cell_y=Floor(F("lat") / HEAT_CELL_DEGREES), cell_x=Floor(F("lon") / HEAT_CELL_DEGREES)
        )
        .values("cell_y", "cell_x")
        .annotate(count=Count("pk"))
        .order_by()
    )
    with roomy_reads():
        counts: Counter[tuple[int, int]] = Counter(
            {(int(row["cell_y"]), int(row["cell_x"])): row["count"] for row in rows}
        )
    factor = 1
    while len(counts) > limit:
        factor *= 2
        merged: Counter[tuple[int, int]] = Counter()
        for (y, x), count in counts.items():
            merged[(math.floor(y / 2), math.floor(x / 2))] += count
        counts = merged
    size = HEAT_CELL_DEGREES * factor
    cells = [
        (
            round((y + 0.5) * size, _COORDINATE_DECIMALS),
            round((x + 0.5) * size, _COORDINATE_DECIMALS),
            count,
        )
        for (y, x), count in sorted(counts.items())
    ]
    return HeatCells(size, cells, sum(counts.values()))
