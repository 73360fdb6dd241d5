"""Org tree, grids and locate endpoints (mounted under /api/v1/ by wangge.api).

Thin adapters: lists go through `queries` (scoped by `scope_for`), single units through
`get_unit_for_user` (a unit outside the user's scope is a 404), writes through `services`.
Refusals are typed exceptions that `wangge.api` maps to HTTP answers once for every app.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from wangge.core.api_schemas import BodyFloat, BodyIn, Detail, FieldError, FieldErrors  # noqa: F401 (re-exported)
from wangge.org.exceptions import FeatureError, GeoJSONInvalid
from wangge.org.locate import Located, locate, locate_points
from wangge.org.models import OrgUnit
from wangge.org.permissions import get_unit_for_user
from wangge.org.queries import ancestors_of, coverage_gaps, visible_grid_map, visible_units
from wangge.org.roles import UnitKind
from wangge.org.services import import_grids

router = Router(tags=["org"])

MAX_BULK_POINTS = 100_000
MAX_IMPORT_BYTES = 64 * 2**20  # 10,000 grids of 40 vertices take about 18 MB
_MAX_POINT_ERRORS = 20  # enough to fix a file with, short enough to read


# --- Schemas ----------------------------------------------------------------------------------


class UnitRef(Schema):
    code: str
    name: str
    kind: str = Field(description="district, town, subdistrict, community, village, …")


class GridRef(Schema):
    code: str
    name: str
    kind: str = Field(description="The grid kind's code, e.g. full_time")


class LocateOut(Schema):
    found: bool
    grid: GridRef | None
    ancestors: list[UnitRef] = Field(description="From the top of the tree down to the community")


class BulkLocateIn(BodyIn):
    points: list[tuple[BodyFloat, BodyFloat]] = Field(
        max_length=MAX_BULK_POINTS, description="[longitude, latitude] pairs (WGS84)"
    )


class LocatedGrid(GridRef):
    ancestors: list[UnitRef]


class BulkLocateOut(Schema):
    results: list[str | None] = Field(
        description="For each point in order, the code of the grid containing it, or null"
    )
    grids: dict[str, LocatedGrid] = Field(description="Each grid named in results, by code")


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None
    grid_kind: str | None = Field(description="For grids, the grid kind's code")
    depth: int

    @staticmethod
    def resolve_parent_code(unit: OrgUnit) -> str | None:
        return unit.parent.code if unit.parent else None

    @staticmethod
    def resolve_grid_kind(unit: OrgUnit) -> str | None:
        return unit.grid_kind.code if unit.grid_kind else None


class UnitDetailOut(UnitOut):
    parent_name: str | None
    ancestors: list[UnitRef]
    boundary: dict[str, Any] | None = Field(description="GeoJSON geometry, WGS84")
    properties: dict[str, Any]

    @staticmethod
    def resolve_parent_name(unit: OrgUnit) -> str | None:
        return unit.parent.name if unit.parent else None

    @staticmethod
    def resolve_ancestors(unit: OrgUnit) -> list[dict[str, str]]:
        return [_unit_ref(ancestor) for ancestor in ancestors_of(unit)]


class GridProperties(Schema):
    code: str
    name: str
    parent_code: str | None
    parent_name: str | None
    kind: str | None
    grid_workers: list[str] | None = Field(
        description="Display names of the grid's workers; null when you may not see staff"
    )


class GridFeature(Schema):
    type: Literal["Feature"]
    properties: GridProperties
    geometry: dict[str, Any]


class GridFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[GridFeature]


class PieceOut(Schema):
    geometry: dict[str, Any]
    area_m2: float


class SpillOut(Schema):
    code: str
    name: str
    area_m2: float
    pieces: list[PieceOut]


class CommunityCoverageOut(Schema):
    code: str
    name: str
    kind: str
    has_boundary: bool
    area_m2: float | None
    covered_m2: float | None
    gap_m2: float
    gaps: list[PieceOut]
    spills: list[SpillOut]
    grids_without_boundary: list[str]


class CoverageOut(Schema):
    unit: UnitRef
    communities: list[CommunityCoverageOut]


class ImportOut(Schema):
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class FeatureErrorOut(Schema):
    feature: int | None = Field(description="1-based feature number; null for the whole file")
    code: str
    msg: str
    text: str = Field(description="The message with the feature named, for showing as is")


class ImportErrors(Schema):
    detail: list[FeatureErrorOut]


def _unit_ref(unit: OrgUnit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind}


def _located_out(located: Located | None) -> dict[str, Any]:
    if located is None:
        return {"found": False, "grid": None, "ancestors": []}
    return {
        "found": True,
        "grid": {"code": located.code, "name": located.name, "kind": located.kind},
        "ancestors": located.ancestors,
    }


# --- Locating points --------------------------------------------------------------------------


@router.get("/locate", response=LocateOut, summary="The grid containing a point")
def locate_point(
    request: HttpRequest,
    lon: float = Query(..., ge=-180, le=180, description="Longitude, WGS84"),
    lat: float = Query(..., ge=-90, le=90, description="Latitude, WGS84"),
) -> dict[str, Any]:
    return _located_out(locate(lon, lat))


@router.post(
    "/locate/bulk",
    response={200: BulkLocateOut, 422: FieldErrors},
    summary="The grids containing many points",
)
def locate_many_points(request: HttpRequest, payload: BulkLocateIn) -> dict[str, Any]:
    _check_points(payload.points)
    results: list[str | None] = []
    grids: dict[str, dict[str, Any]] = {}
    for located in locate_points(payload.points):
        if located is None:
            results.append(None)
            continue
        results.append(located.code)
        grids.setdefault(
            located.code,
            {
                "code": located.code,
                "name": located.name,
                "kind": located.kind,
                "ancestors": located.ancestors,
            },
        )
    return {"results": results, "grids": grids}


def _check_points(points: list[tuple[float, float]]) -> None:
    """Refuse points off the globe, naming each (the schema already checked the shape)."""
    if not points:
        return
    coordinates = np.asarray(points, dtype=np.float64)
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    # Written as "not inside" so that NaN counts as outside.
    bad = ~((lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90))
    errors = [
        {
            "loc": ["body", "payload", "points", int(i)],
            "msg": _(
                "Point %(number)s (%(lon)s, %(lat)s) is off the globe: a longitude is within "
                "-180..180 and a latitude within -90..90."
            )
            % {"number": int(i) + 1, "lon": lon[i], "lat": lat[i]},
        }
        for i in np.flatnonzero(bad)[:_MAX_POINT_ERRORS]
    ]
    if errors:
        raise ValidationError(errors)


# --- The org tree -----------------------------------------------------------------------------


@router.get("/org/units", response=list[UnitOut], summary="Org units you may see")
def list_units(
    request: HttpRequest, parent: str | None = None, kind: UnitKind | None = None
) -> list[OrgUnit]:
    return list(visible_units(request.user, parent_code=parent, kind=kind))


@router.get("/org/units/{code}", response={200: UnitDetailOut, 404: Detail}, summary="One org unit")
def get_unit(request: HttpRequest, code: str) -> OrgUnit:
    return get_unit_for_user(request.user, code)


@router.get(
    "/org/grids.geojson",
    response={200: GridFeatureCollection, 404: Detail},
    summary="The grids you may see, as GeoJSON",
)
def grid_map(request: HttpRequest, within: str | None = None) -> dict[str, Any]:
    unit = get_unit_for_user(request.user, within) if within else None
    return visible_grid_map(request.user, unit)


@router.get(
    "/org/units/{code}/coverage-gaps",
    response={200: CoverageOut, 404: Detail, 422: FieldErrors},
    summary="Land of a community that no grid covers, and grids spilling outside it",
)
def unit_coverage_gaps(request: HttpRequest, code: str) -> dict[str, Any]:
    unit = get_unit_for_user(request.user, code)
    communities = [
        {
            **vars(coverage),
            "gap_m2": coverage.gap_m2,
            "spills": [{**vars(spill), "area_m2": spill.area_m2} for spill in coverage.spills],
        }
        for coverage in coverage_gaps(unit)
    ]
    return {"unit": _unit_ref(unit), "communities": communities}


@router.post(
    "/org/grids/import",
    response={200: ImportOut, 403: Detail, 422: ImportErrors},
    summary="Create or update grids from a GeoJSON FeatureCollection",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": (
                "A FeatureCollection of Polygon/MultiPolygon features with the properties "
                "code, name, parent_code and optionally kind; UTF-8."
            ),
            "content": {
                "application/geo+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
def import_grid_file(request: HttpRequest) -> dict[str, Any]:
    # Read from the stream: request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by
    # default), and a city's grid map is several times that.
    source = request.read(MAX_IMPORT_BYTES + 1)
    if len(source) > MAX_IMPORT_BYTES:
        message = _("The file is larger than %(limit)s MB.") % {"limit": MAX_IMPORT_BYTES // 2**20}
        raise GeoJSONInvalid([FeatureError(index=None, code="", message=message)])
    summary = import_grids(request.user, source)
    return {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged}
