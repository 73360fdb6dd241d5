"""Locating points: the grid containing a point, the same answer on every path and in every
process, and a map change seen at once without a restart.

Grid A (…001) and grid B (…002) share the edge x = LON0 + SIDE; a point on it belongs to A,
whose code sorts first.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from django.db import transaction
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import LAT0, LON0, SIDE, square
from tests.org.geojson_samples import collection, grid_feature
from wangge.org import locate as locating
from wangge.org.locate import (
    GridIndex,
    Located,
    current_index,
    forget_index,
    locate,
    locate_many,
    locate_points,
)
from wangge.org.models import OrgUnit
from wangge.org.services import import_grids, rename_unit, set_unit_active

MIDDLE_OF_A = (LON0 + SIDE / 2, LAT0 + SIDE / 2)
ON_THE_A_B_BORDER = (LON0 + SIDE, LAT0 + SIDE / 2)
NOWHERE = (LON0 + 0.5, LAT0 + 0.5)


class RolledBack(Exception):
    pass


@pytest.fixture(autouse=True)
def _no_index_kept():
    # Tests that let an index be kept must not hand it to the next test.
    forget_index()
    yield
    forget_index()


# --- One point --------------------------------------------------------------------------------


def test_a_point_in_grid_a_is_located_with_its_ancestors(tree):
    located = locate(*MIDDLE_OF_A)
    assert located == Located(
        grid_id=tree.grid_a.pk,
        code=tree.grid_a.code,
        name="石冲社区第一网格",
        kind="full_time",
        ancestors=[
            {"code": tree.district.code, "name": "蓬江区", "kind": "district"},
            {"code": tree.town.code, "name": "环市街道", "kind": "subdistrict"},
            {"code": tree.community.code, "name": "石冲社区", "kind": "community"},
        ],
    )


def test_a_point_in_no_grid_is_not_located(tree):
    assert locate(*NOWHERE) is None


def test_a_point_without_numbers_is_not_located(tree):
    assert locate(float("nan"), LAT0) is None


def test_a_point_on_a_shared_border_belongs_to_the_grid_whose_code_sorts_first(tree):
    assert locate(*ON_THE_A_B_BORDER).code == tree.grid_a.code
    assert locate(LON0 + SIDE, LAT0).code == tree.grid_a.code  # a shared corner


def test_the_code_decides_a_shared_border_not_the_order_grids_were_created_in(tree):
    west = "440703006107000"  # created last, sorts before grid A
    import_grids(None, collection(grid_feature(west, square(LON0 - SIDE, LAT0), name="西")))
    assert locate(LON0, LAT0 + SIDE / 2).code == west
    assert locate_many([LON0], [LAT0 + SIDE / 2]).tolist() == [OrgUnit.objects.get(code=west).pk]


def test_a_retired_grid_is_no_longer_located(tree):
    set_unit_active(None, tree.grid_a, is_active=False)
    assert locate(*MIDDLE_OF_A) is None


def test_a_renamed_grid_is_located_under_its_new_name(tree):
    locate(*MIDDLE_OF_A)
    rename_unit(None, tree.grid_a, name="石冲一格")
    assert locate(*MIDDLE_OF_A).name == "石冲一格"


# --- Many points ------------------------------------------------------------------------------


def test_many_points_are_located_to_grid_primary_keys(tree):
    points = [MIDDLE_OF_A, ON_THE_A_B_BORDER, NOWHERE, (LON0 + 0.005, LAT0 + 0.055)]
    lons, lats = zip(*points, strict=True)
    found = locate_many(np.array(lons), np.array(lats))
    assert found.tolist() == [tree.grid_a.pk, tree.grid_a.pk, -1, tree.grid_c.pk]


def test_locate_points_answers_each_pair_in_order(tree):
    results = locate_points([MIDDLE_OF_A, NOWHERE, (LON0 + 1.5 * SIDE, LAT0 + 0.005)])
    assert [r.code if r else None for r in results] == [tree.grid_a.code, None, tree.grid_b.code]


def test_locate_points_takes_the_bulk_path_for_many_points_with_the_same_answers(tree):
    pairs = [MIDDLE_OF_A, NOWHERE, ON_THE_A_B_BORDER] * 4000
    results = locate_points(pairs)
    assert [r.code if r else None for r in results[:3]] == [
        tree.grid_a.code,
        None,
        "440703006107001",
    ]
    assert results[-3:] == results[:3]


def test_an_empty_map_locates_nothing(db):
    assert locate(*MIDDLE_OF_A) is None
    assert locate_many([LON0], [LAT0]).tolist() == [-1]


# --- One index per map version ----------------------------------------------------------------


def test_the_index_is_kept_and_reused_while_the_map_is_unchanged(
    tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = current_index()
    assert current_index() is first


def test_another_processs_change_is_seen_without_a_restart(
    tree, django_capture_on_commit_callbacks
):
    # This process holds an index of the old map...
    with django_capture_on_commit_callbacks(execute=True):
        old = current_index()
    east_of_b = (LON0 + 2.5 * SIDE, LAT0 + SIDE / 2)
    assert locate(*east_of_b) is None
    # ...another process imports a grid, which bumps the map version in the database...
    import_grids(None, collection(grid_feature()))
    # ...and the next call here notices the version and rebuilds.
    assert locate(*east_of_b).code == "440703006107003"
    assert current_index() is not old


def test_an_index_built_inside_a_transaction_that_rolls_back_is_not_kept(
    tree, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as kept_on_commit,
        pytest.raises(RolledBack),
        transaction.atomic(),
    ):
        import_grids(None, collection(grid_feature()))
        assert locate(LON0 + 2.5 * SIDE, LAT0 + SIDE / 2) is not None
        raise RolledBack
    assert kept_on_commit == []
    assert locating._kept is None


def test_one_transaction_builds_the_index_once(tree):
    # Tests run inside a transaction, like a service that locates many points in one.
    assert current_index() is current_index()


def test_an_index_built_in_a_rolled_back_savepoint_is_not_used_after_it(tree):
    with pytest.raises(RolledBack), transaction.atomic():
        inside = current_index()
        raise RolledBack
    assert current_index() is not inside


def test_grids_imported_and_rolled_back_are_not_located_afterwards(tree):
    east_of_b = (LON0 + 2.5 * SIDE, LAT0 + SIDE / 2)
    with pytest.raises(RolledBack), transaction.atomic():
        import_grids(None, collection(grid_feature()))
        assert locate(*east_of_b) is not None
        raise RolledBack
    assert locate(*east_of_b) is None


# --- Bulk and single agree, everywhere --------------------------------------------------------

coordinates = st.floats(0, 1, allow_nan=False)
# Seeds on a fine lattice: GEOS cannot build Voronoi cells of seeds 1e-38 apart.
seed_lists = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=3, max_size=40, unique=True
).map(lambda seeds: [(x / 1000, y / 1000) for x, y in seeds])


def index_of(shapes: list, codes: list[str] | None = None) -> GridIndex:
    codes = codes or [f"G{number:03d}" for number in range(len(shapes))]
    return GridIndex(
        version=0,
        ids=list(range(100, 100 + len(shapes))),
        codes=codes,
        names=codes,
        kinds=["full_time"] * len(shapes),
        shapes=shapes,
        ancestors=[[] for _ in shapes],
    )


def voronoi_tiles(seeds: list[tuple[float, float]]) -> list:
    box = shapely.box(0, 0, 1, 1)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=box)
    return [cell.intersection(box) for cell in shapely.get_parts(cells)]


def brute_force(index: GridIndex, x: float, y: float) -> int:
    """The rule itself: of all grids whose closed area holds the point, the first by code."""
    hits = [i for i, shape in enumerate(index.shapes) if shape.intersects(shapely.Point(x, y))]
    return min(hits, default=-1)


def border_points(shapes: list) -> tuple[np.ndarray, np.ndarray]:
    """Every vertex of every grid: points on shared borders and at shared corners, exactly."""
    vertices = shapely.get_coordinates(np.asarray(shapes, dtype=object))
    return vertices[:, 0], vertices[:, 1]


@settings(max_examples=60, deadline=None)
@given(
    seeds=seed_lists,
    points=st.lists(st.tuples(st.floats(-0.1, 1.1), st.floats(-0.1, 1.1)), max_size=200),
    shuffle=st.randoms(),
)
def test_bulk_and_single_agree_on_random_points_borders_and_corners(seeds, points, shuffle):
    shapes = voronoi_tiles(seeds)
    assume(all(shape.area > 1e-9 for shape in shapes))
    codes = [f"G{number:03d}" for number in range(len(shapes))]
    shuffle.shuffle(codes)  # code order is not drawing order
    index = index_of(shapes, codes)
    border_x, border_y = border_points(shapes)
    x = np.concatenate([np.array([p[0] for p in points]), border_x])
    y = np.concatenate([np.array([p[1] for p in points]), border_y])
    bulk = index.find_many(x, y).tolist()
    single = [index.find(float(a), float(b)) for a, b in zip(x, y, strict=True)]
    assert bulk == single
    assert single == [brute_force(index, float(a), float(b)) for a, b in zip(x, y, strict=True)]


@settings(max_examples=60, deadline=None)
@given(
    seeds=seed_lists,
    points=st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=200),
)
def test_a_point_inside_a_grid_is_located_to_that_grid(seeds, points):
    shapes = voronoi_tiles(seeds)
    index = index_of(shapes)
    x, y = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    inside = [
        next((i for i, shape in enumerate(index.shapes) if shape.contains_properly(point)), -1)
        for point in shapely.points(x, y)
    ]
    found = index.find_many(x, y)
    for expected, got, a, b in zip(inside, found.tolist(), x, y, strict=True):
        if expected != -1:
            assert got == expected == index.find(float(a), float(b))


@settings(max_examples=30, deadline=None)
@given(
    overlap=st.floats(0, 0.3),
    points=st.lists(st.tuples(st.floats(0, 2), st.floats(0, 1)), max_size=200),
)
def test_in_an_overlap_the_grid_whose_code_sorts_first_wins_on_both_paths(overlap, points):
    # Two squares overlapping by a strip; "B" is listed first but "A" sorts first.
    shapes = [shapely.box(1 - overlap, 0, 2, 1), shapely.box(0, 0, 1 + overlap, 1)]
    index = index_of(shapes, ["B", "A"])
    x = np.array([p[0] for p in points] + [1.0, 1 - overlap, 1 + overlap])
    y = np.array([p[1] for p in points] + [0.5, 0.5, 0.5])
    found = index.find_many(x, y).tolist()
    assert found == [index.find(float(a), float(b)) for a, b in zip(x, y, strict=True)]
    in_both = (x >= 1 - overlap) & (x <= 1 + overlap) & (y >= 0) & (y <= 1)
    assert all(index.codes[f] == "A" for f, both in zip(found, in_both, strict=True) if both)


def test_holes_and_multipolygons_are_respected_on_both_paths():
    ring = shapely.box(0, 0, 1, 1)
    with_hole = ring.difference(shapely.box(0.4, 0.4, 0.6, 0.6))
    parts = shapely.MultiPolygon([shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)])
    index = index_of([with_hole, parts])
    x = np.array([0.5, 0.2, 2.5, 3.5, 4.5, 0.4])
    y = np.array([0.5, 0.2, 0.5, 0.5, 0.5, 0.5])
    assert index.find_many(x, y).tolist() == [-1, 0, 1, -1, 1, 0]
    assert [index.find(a, b) for a, b in zip(x, y, strict=True)] == [-1, 0, 1, -1, 1, 0]
