"""The drawn boundaries, without a database: the same on every run, and a cut region is tiled
exactly by its cells (checked on random regions with hypothesis)."""

import math
import random

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from wangge.demo.divisions import load_divisions
from wangge.demo.geometry import (
    GRID_TOTAL,
    PRECISION,
    DemoMap,
    best_candidate_points,
    generate_demo_map,
    partition,
    rounded,
    snap_together,
    spread,
    to_lonlat,
)


@pytest.fixture(scope="module")
def demo_map() -> DemoMap:
    return generate_demo_map(load_divisions())


def star(radii: list[float]) -> Polygon:
    """A simple polygon, not convex: a vertex every so many degrees at the given distance."""
    step = 2 * math.pi / len(radii)
    return Polygon([(r * math.cos(i * step), r * math.sin(i * step)) for i, r in enumerate(radii)])


regions = st.lists(st.floats(300, 2000), min_size=5, max_size=14).map(star)


def test_the_map_is_the_same_on_every_run(demo_map):
    again = generate_demo_map(load_divisions())
    assert again.areas.keys() == demo_map.areas.keys()
    assert all(again.areas[code].equals_exact(demo_map.areas[code], 0) for code in again.areas)
    for code, grids in demo_map.grids.items():
        assert [grid.wkb for grid in again.grids[code]] == [grid.wkb for grid in grids]


def test_the_map_has_410_grids_and_every_village_and_community_has_one_or_more(demo_map):
    areas = [division for division in load_divisions() if division.is_area]
    assert sorted(demo_map.grids) == sorted(area.code for area in areas)
    assert all(len(grids) >= 1 for grids in demo_map.grids.values())
    assert sum(len(grids) for grids in demo_map.grids.values()) == GRID_TOTAL


def test_urban_communities_get_more_grids_than_villages(demo_map):
    divisions = load_divisions()
    per_kind: dict[str, list[int]] = {}
    for division in divisions:
        if division.is_area:
            per_kind.setdefault(division.kind, []).append(len(demo_map.grids[division.code]))
    mean = {kind: sum(counts) / len(counts) for kind, counts in per_kind.items()}
    assert mean["community"] > mean["village"]


def test_coordinates_keep_six_decimals(demo_map):
    coordinates = shapely.get_coordinates(demo_map.grids["440703006107"][0])
    assert all(round(value, 6) == value for value in coordinates.ravel())


@settings(max_examples=30, deadline=None)
@given(region=regions, count=st.integers(2, 25), seed=st.integers(0, 10**6))
def test_voronoi_cells_tile_their_region_one_piece_each(region, count, seed):
    seeds = best_candidate_points(region, count, random.Random(seed))
    cells = partition(region, seeds)
    assert len(cells) == count
    assert all(isinstance(cell, Polygon) and cell.is_valid for cell in cells)
    assert sum(cell.area for cell in cells) == pytest.approx(region.area, rel=1e-9)
    assert shapely.union_all(cells).symmetric_difference(region).area < region.area * 1e-9


@settings(max_examples=20, deadline=None)
@given(region=regions, count=st.integers(2, 12), seed=st.integers(0, 10**6))
def test_snapped_cells_share_their_edges_exactly(region, count, seed):
    cells = [to_lonlat(cell) for cell in spread(region, count, f"test-{seed}")]
    snapped = [rounded(cell) for cell in snap_together(cells)]
    assert all(isinstance(cell, Polygon) and cell.is_valid for cell in snapped)
    for index, cell in enumerate(snapped):
        for other in snapped[index + 1 :]:
            assert cell.intersection(other).area == 0
    union = shapely.union_all(snapped, grid_size=PRECISION)
    assert isinstance(union, Polygon)
    assert not union.interiors  # no gap inside
    assert union.area == pytest.approx(sum(cell.area for cell in snapped), rel=1e-12)
