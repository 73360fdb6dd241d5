"""Benchmark: locating points on a 10,000-grid map and on the 410-grid demo map.

Run with `make bench` (pytest tests/perf -s). Prints figures for the bulk path, the one-point
path, the public `locate` (with its map-version query) and a raw shapely STRtree query on the
same polygons in the same run, plus import and index build times, and whether the targets are
met: bulk >= 1,000,000 points/s on 10,000 grids, and bulk >= half of raw STRtree's rate.
Only correctness is asserted: timings depend on the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import shapely

from wangge.org.geo import to_geojson
from wangge.org.locate import GridIndex, locate, map_version
from wangge.org.roles import UnitKind
from wangge.org.services import create_unit, import_grids

CENTRE = (113.08, 22.58)
HALF_WIDTH, HALF_HEIGHT = 0.5, 0.4  # about 100 km × 90 km: 10,000 grids of about 0.9 km²
GRIDS = 10_000
VERTICES_PER_GRID = 40
COMMUNITY_BLOCKS = 20  # 20 × 20 blocks: about 400 communities of 25 grids, in 20 towns
POINTS = 1_000_000
SINGLE_SAMPLE = 20_000
LOCATE_SAMPLE = 2_000
TARGET_POINTS_PER_SECOND = 1_000_000


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def voronoi_grids(count: int, rng: np.random.Generator) -> list[shapely.Polygon]:
    """A Voronoi tiling of random seeds in the box, each cell densified to about 40 vertices
    the way drawn grid boundaries are."""
    west, south = CENTRE[0] - HALF_WIDTH, CENTRE[1] - HALF_HEIGHT
    box = shapely.box(west, south, CENTRE[0] + HALF_WIDTH, CENTRE[1] + HALF_HEIGHT)
    seeds = np.column_stack(
        [west + rng.random(count) * 2 * HALF_WIDTH, south + rng.random(count) * 2 * HALF_HEIGHT]
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    cells = shapely.intersection(cells, box)
    return list(shapely.segmentize(cells, shapely.length(cells) / VERTICES_PER_GRID))


def create_tree(cells: list[shapely.Polygon]) -> list[dict[str, Any]]:
    """A district, 20 towns and about 400 communities; grid features grouped by position."""
    district = create_unit(None, code="B", name="基准区", kind=UnitKind.DISTRICT, parent=None)
    towns: dict[int, Any] = {}
    communities: dict[tuple[int, int], Any] = {}
    features = []
    west, south = CENTRE[0] - HALF_WIDTH, CENTRE[1] - HALF_HEIGHT
    for number, cell in enumerate(cells):
        centre = cell.centroid
        column = min(int((centre.x - west) / (2 * HALF_WIDTH) * COMMUNITY_BLOCKS), 19)
        row = min(int((centre.y - south) / (2 * HALF_HEIGHT) * COMMUNITY_BLOCKS), 19)
        town_number = (row // 5) * 5 + column // 4
        if town_number not in towns:
            towns[town_number] = create_unit(
                None,
                code=f"BT{town_number:02d}",
                name=f"基准镇{town_number}",
                kind=UnitKind.TOWN,
                parent=district,
            )
        if (row, column) not in communities:
            communities[row, column] = create_unit(
                None,
                code=f"BC{row:02d}{column:02d}",
                name=f"基准社区{row}-{column}",
                kind=UnitKind.COMMUNITY,
                parent=towns[town_number],
            )
        community = communities[row, column]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": f"{community.code}{number:05d}",
                    "name": f"网格{number}",
                    "parent_code": community.code,
                },
                "geometry": to_geojson(cell),
            }
        )
    return features


def first_by_code(pairs: np.ndarray, count: int) -> np.ndarray:
    """From STRtree (point, grid) pairs, each point's lowest grid position, or -1."""
    best = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, pairs[0], pairs[1])
    best[best == np.iinfo(np.int64).max] = -1
    return best


def measure(name: str, index: GridIndex, build_seconds: float, rng: np.random.Generator) -> dict:
    xmin, ymin, xmax, ymax = shapely.total_bounds(index.shapes)
    # A 2 % margin around the map, so some points fall in no grid.
    margin_x, margin_y = (xmax - xmin) * 0.02, (ymax - ymin) * 0.02
    x = rng.uniform(xmin - margin_x, xmax + margin_x, POINTS)
    y = rng.uniform(ymin - margin_y, ymax + margin_y, POINTS)

    _, raster_seconds = timed(lambda: index.find_many(x[:1], y[:1]))
    bulk, bulk_seconds = timed(lambda: index.find_many(x, y))

    sample_x, sample_y = x[:SINGLE_SAMPLE].tolist(), y[:SINGLE_SAMPLE].tolist()
    single, single_seconds = timed(
        lambda: [index.find(a, b) for a, b in zip(sample_x, sample_y, strict=True)]
    )
    locate(sample_x[0], sample_y[0])  # builds the index this transaction then reuses
    located, locate_seconds = timed(
        lambda: [locate(a, b) for a, b in zip(sample_x[:LOCATE_SAMPLE], sample_y, strict=False)]
    )

    points = shapely.points(x, y)  # prebuilt: only the query is timed
    pairs, raw_seconds = timed(lambda: index.tree.query(points, predicate="intersects"))

    assert bulk.tolist()[:SINGLE_SAMPLE] == single
    assert np.array_equal(bulk, first_by_code(pairs, POINTS))
    assert [r.code if r else None for r in located] == [
        index.codes[p] if p >= 0 else None for p in single[:LOCATE_SAMPLE]
    ]

    figures = {
        "bulk": POINTS / bulk_seconds,
        "single": SINGLE_SAMPLE / single_seconds,
        "locate": LOCATE_SAMPLE / locate_seconds,
        "raw": POINTS / raw_seconds,
    }
    cells = index._raster.nx * index._raster.ny if index._raster else 0
    print(
        f"\n== {name}: {len(index):,} grids, "
        f"{len(shapely.get_coordinates(index.shapes)) / len(index):.0f} vertices per grid, "
        f"{POINTS:,} random points ({np.mean(bulk >= 0):.1%} in a grid)\n"
        f"  index build (polygons, prepare, STRtree)  {build_seconds * 1000:9.1f} ms\n"
        f"  raster build ({cells:,} cells), first bulk call {raster_seconds * 1000:9.1f} ms\n"
        f"  bulk path   locate_many                    {figures['bulk']:>12,.0f} points/s\n"
        f"  one point   GridIndex.find ({SINGLE_SAMPLE:,} points) "
        f"{figures['single']:>12,.0f} points/s\n"
        f"  one point   locate() with version query ({LOCATE_SAMPLE:,}) "
        f"{figures['locate']:>10,.0f} points/s\n"
        f"  raw shapely STRtree.query(points, intersects) {figures['raw']:>10,.0f} points/s\n"
        f"  bulk / raw  {figures['bulk'] / figures['raw']:.2f}×   "
        f"bulk / one point  {figures['bulk'] / figures['single']:.0f}×"
    )
    return figures


def test_locating_on_a_ten_thousand_grid_map(db):
    rng = np.random.default_rng(20261123)
    cells, generate_seconds = timed(lambda: voronoi_grids(GRIDS, rng))
    features = create_tree(cells)
    summary, import_seconds = timed(
        lambda: import_grids(None, {"type": "FeatureCollection", "features": features})
    )
    assert len(summary.created) == len(cells)
    index, build_seconds = timed(lambda: GridIndex.from_database(map_version()))
    print(
        f"\n== 10k map: generated {len(cells):,} Voronoi grids in {generate_seconds:.1f} s; "
        f"import_grids (validation, overlap check, writes) took {import_seconds:.1f} s"
    )
    figures = measure("10k Voronoi map", index, build_seconds, rng)
    bulk_ok = figures["bulk"] >= TARGET_POINTS_PER_SECOND
    ratio_ok = figures["bulk"] >= 0.5 * figures["raw"]
    print(
        f"  target bulk >= {TARGET_POINTS_PER_SECOND:,} points/s: {'met' if bulk_ok else 'NOT met'}"
        f"\n  target bulk >= 0.5 × raw STRtree: {'met' if ratio_ok else 'NOT met'}"
    )


def test_locating_on_the_demo_map(db):
    try:
        from wangge.demo.loader import load_demo
    except ImportError:
        pytest.skip("the demo loader (wangge.demo.loader.load_demo) is not there yet")
    _, load_seconds = timed(load_demo)
    index, build_seconds = timed(lambda: GridIndex.from_database(map_version()))
    print(f"\n== demo map loaded in {load_seconds:.1f} s")
    measure("demo map (蓬江区)", index, build_seconds, np.random.default_rng(410))
