"""Coverage gaps: land of a community that none of its grids covers, grids spilling outside
their community, and the boundary import that gives communities their outline.

Grids A and B together cover the rectangle LON0..LON0+2·SIDE × LAT0..LAT0+SIDE.
"""

from __future__ import annotations

import math

import pytest
from django.utils import translation

from conftest import LAT0, LON0, SIDE, square
from tests.org.geojson_samples import collection
from wangge.core.models import AuditEntry
from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit, NotAllowed
from wangge.org.geo import area_m2
from wangge.org.models import MapVersion, OrgUnit
from wangge.org.queries import coverage_gaps
from wangge.org.roles import Role
from wangge.org.services import grant_role, import_boundaries


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def boundary_feature(code: str, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def give_boundary(unit, geometry: dict) -> None:
    import_boundaries(None, collection(boundary_feature(unit.code, geometry)))
    unit.refresh_from_db()


def degrees_to_m2(d_lon: float, d_lat: float, lat: float) -> float:
    """An independent estimate: a small rectangle on the WGS84 ellipsoid (M·N·cos φ·Δλ·Δφ)."""
    a, e2, phi = 6_378_137.0, 6.694_379_990_14e-3, math.radians(lat)
    w = math.sqrt(1 - e2 * math.sin(phi) ** 2)
    n, m = a / w, a * (1 - e2) / w**3
    return m * n * math.cos(phi) * math.radians(d_lon) * math.radians(d_lat)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Areas ------------------------------------------------------------------------------------


def test_the_area_of_a_grid_is_measured_in_square_metres(db):
    from shapely.geometry import shape

    expected = degrees_to_m2(SIDE, SIDE, LAT0 + SIDE / 2)
    assert area_m2(shape(square(LON0, LAT0))) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(1_138_800, rel=0.001)  # about 1.03 km × 1.11 km


def test_a_large_area_matches_the_equal_area_sphere(db):
    from shapely.geometry import shape

    # A whole degree square: compare with the authalic sphere's exact R²·Δλ·(sin φ2 − sin φ1).
    radius = 6_371_007.2
    exact = radius**2 * math.radians(1) * (math.sin(math.radians(23)) - math.sin(math.radians(22)))
    assert area_m2(shape(rectangle(113, 22, 114, 23))) == pytest.approx(exact, rel=0.005)


# --- Gaps -------------------------------------------------------------------------------------


def test_a_community_fully_covered_by_its_grids_has_no_gaps(tree):
    give_boundary(tree.community, rectangle(LON0, LAT0, LON0 + 2 * SIDE, LAT0 + SIDE))
    [coverage] = coverage_gaps(tree.community)
    assert coverage.is_covered
    assert coverage.covered_m2 == pytest.approx(coverage.area_m2)


def test_land_no_grid_covers_is_a_gap_with_its_area(tree):
    give_boundary(tree.community, rectangle(LON0, LAT0, LON0 + 2 * SIDE + 0.002, LAT0 + SIDE))
    [coverage] = coverage_gaps(tree.community)
    [gap] = coverage.gaps
    assert gap.area_m2 == pytest.approx(degrees_to_m2(0.002, SIDE, LAT0 + SIDE / 2), rel=1e-4)
    assert gap.geometry["type"] == "Polygon"
    west, east = min(p[0] for p in gap.geometry["coordinates"][0]), LON0 + 2 * SIDE + 0.002
    assert west == pytest.approx(LON0 + 2 * SIDE)
    assert max(p[0] for p in gap.geometry["coordinates"][0]) == pytest.approx(east)
    assert not coverage.is_covered


def test_slivers_under_the_tolerance_are_not_gaps(tree):
    # 1e-9° is about 0.1 mm: a drawing difference, not land.
    give_boundary(tree.community, rectangle(LON0, LAT0, LON0 + 2 * SIDE + 1e-9, LAT0 + SIDE))
    [coverage] = coverage_gaps(tree.community)
    assert coverage.gaps == []


def test_a_grid_reaching_outside_its_community_is_reported_as_a_spill(tree):
    give_boundary(tree.community, rectangle(LON0, LAT0, LON0 + 1.5 * SIDE, LAT0 + SIDE))
    [coverage] = coverage_gaps(tree.community)
    [spill] = coverage.spills
    assert spill.code == tree.grid_b.code
    assert spill.area_m2 == pytest.approx(degrees_to_m2(SIDE / 2, SIDE, LAT0 + SIDE / 2), rel=1e-4)
    assert coverage.gaps == []


def test_a_community_without_a_boundary_is_reported_as_such(tree):
    [coverage] = coverage_gaps(tree.community)
    assert not coverage.has_boundary
    assert (coverage.area_m2, coverage.gaps, coverage.spills) == (None, [], [])


def test_a_district_reports_each_community_under_it(tree):
    give_boundary(tree.other_community, square(LON0, LAT0 + 0.05))
    report = coverage_gaps(tree.district)
    assert [(c.code, c.has_boundary, c.is_covered) for c in report] == sorted(
        [(tree.community.code, False, False), (tree.other_community.code, True, True)]
    )


def test_a_community_whose_grids_are_all_missing_is_one_big_gap(tree):
    from wangge.org.services import set_unit_active

    give_boundary(tree.community, rectangle(LON0, LAT0, LON0 + 2 * SIDE, LAT0 + SIDE))
    set_unit_active(None, tree.grid_a, is_active=False)
    set_unit_active(None, tree.grid_b, is_active=False)
    [coverage] = coverage_gaps(tree.community)
    assert coverage.covered_m2 == 0
    assert coverage.gap_m2 == pytest.approx(coverage.area_m2)


@pytest.mark.parametrize("unit", ["grid_a", "department"])
def test_coverage_is_not_measured_for_a_grid_or_a_department(tree, unit):
    with pytest.raises(InvalidUnit):
        coverage_gaps(getattr(tree, unit))


# --- Importing boundaries ---------------------------------------------------------------------


def test_boundaries_are_set_by_code_and_a_second_import_changes_nothing(tree):
    outline = rectangle(LON0, LAT0, LON0 + 2 * SIDE, LAT0 + SIDE)
    source = collection(
        boundary_feature(tree.community.code, outline),
        boundary_feature(tree.town.code, rectangle(LON0, LAT0, LON0 + 0.1, LAT0 + 0.1)),
    )
    version = MapVersion.objects.get().version
    first = import_boundaries(None, source)
    assert first.updated == [tree.community.code, tree.town.code]
    assert OrgUnit.objects.get(pk=tree.community.pk).boundary == outline
    assert MapVersion.objects.get().version == version + 1
    second = import_boundaries(None, source)
    assert second.unchanged == [tree.community.code, tree.town.code]
    assert MapVersion.objects.get().version == version + 1
    assert AuditEntry.objects.filter(action="org.boundaries.import").count() == 2


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("NOPE", "matches no unit"),
        ("440703006107001", "is a grid; import grids with the grid import"),
        ("CG440703", "is a Department, which has no boundary"),
    ],
)
def test_a_boundary_only_goes_to_an_existing_area_unit(tree, code, said):
    before = list(OrgUnit.objects.values_list("boundary", flat=True))
    with pytest.raises(GeoJSONInvalid) as refused:
        import_boundaries(None, collection(boundary_feature(code, square(LON0, LAT0))))
    [error] = refused.value.errors
    assert (error.index, error.code) == (1, code)
    assert said in error.message
    assert list(OrgUnit.objects.values_list("boundary", flat=True)) == before


def test_a_boundary_file_is_checked_like_a_grid_file(tree):
    bad = square(LON0, LAT0)
    bad["coordinates"][0].pop()
    source = collection(
        boundary_feature(tree.community.code, square(LON0, LAT0)),
        boundary_feature(tree.town.code, bad),
        boundary_feature(tree.community.code, square(LON0, LAT0)),
        boundary_feature("", square(LON0, LAT0)),
    )
    with pytest.raises(GeoJSONInvalid) as refused:
        import_boundaries(None, source)
    assert [(e.index, e.code) for e in refused.value.errors] == [
        (2, tree.town.code),
        (3, tree.community.code),
        (4, ""),
    ]
    assert OrgUnit.objects.get(pk=tree.community.pk).boundary is None


def test_only_an_administrator_of_the_unit_sets_its_boundary(cast):
    source = collection(boundary_feature(cast.tree.community.code, square(LON0, LAT0)))
    with pytest.raises(NotAllowed):
        import_boundaries(cast.community_staff, source)
    grant_role(None, cast.outsider, cast.tree.other_community, Role.ADMINISTRATOR)
    with pytest.raises(NotAllowed):
        import_boundaries(cast.outsider, source)
    import_boundaries(cast.administrator, source)
    assert OrgUnit.objects.get(pk=cast.tree.community.pk).boundary is not None
