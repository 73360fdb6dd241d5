"""Plausible, deterministic boundaries for the demo district, its towns, villages, communities
and 410 grids around Jiangmen (22.58°N, 113.08°E).

Real boundaries are not public, so they are drawn: a hand-made outline of 蓬江区 (the mainland
and 潮连, an island in the West River to the east) is cut into towns by the Voronoi cells of a
few hand-placed seeds per town, each town into villages and communities (those of a town cluster
round its seat, smaller than its villages) and each village or community into grids, the seeds
spread by best-candidate sampling and evened out by a few rounds of Lloyd relaxation.

Two properties matter more than looks:
- Same coordinates on every run: every random choice comes from a `random.Random` seeded with
  a string (hashed with SHA-512, not Python's salted `hash`), nothing iterates over a set, and
  only correctly rounded arithmetic is used (sqrt, never pow or cos, whose last bit may differ
  between C libraries), so other machines get the same numbers too; the final snap to 1e-6°
  absorbs what little a different GEOS build might change.
- Grids tile their village or community exactly. Cutting each level separately in floating point
  and rounding afterwards would leave slivers of many square metres along long shared edges, so
  only the grids are cut; their edges are noded and snap-rounded together onto a 1e-6° grid
  (~0.1 m) and polygonized into faces, which are handed back to the grids. Neighbouring grids
  then share identical vertices, and every village, community, town and the district is the
  union of its grids, so there are no gaps or overlaps at any level.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from wangge.demo.divisions import Division
from wangge.org.roles import UnitKind

LON0, LAT0 = 113.08, 22.58
# Metres per degree at 22.58°N on the WGS84 ellipsoid. Fixed numbers rather than cos() results,
# which may differ in the last bit between C libraries.
M_PER_DEG_LON = 102_836.0
M_PER_DEG_LAT = 110_738.0
PRECISION = 1e-6  # degrees: about 0.1 m, the six decimals the GeoJSON keeps
DISTRICT_AREA_M2 = 325e6  # 蓬江区 is about 325 km²
GRID_TOTAL = 410  # the district's 410 smart grids
RELAX_ROUNDS = 4
CANDIDATES = 12
ROUGH_STEP_KM = 0.6
ROUGH_AMPLITUDE_KM = 0.12
# Relative weights when sharing out the grids (see grid_counts).
GRID_WEIGHT_URBAN_COMMUNITY = 4.0
GRID_WEIGHT_TOWN_COMMUNITY = 3.0
GRID_WEIGHT_VILLAGE = 0.55

Coords = tuple[float, float]

# The outline in kilometres east and north of (LON0, LAT0), drawn after the real district: the
# mainland reaches from 杜阮 in the hills to the west to the West River (西江) in the east, and
# 潮连 is an island in the river, east of the urban core. Scaled to DISTRICT_AREA_M2 below.
MAINLAND_KM: tuple[Coords, ...] = (
    (-9.5, -7.5),
    (-6.0, -8.6),
    (-2.5, -9.0),
    (1.0, -9.3),
    (3.4, -8.1),
    (4.4, -5.6),
    (4.7, -2.2),
    (4.9, 1.4),
    (5.8, 3.6),
    (8.0, 5.1),
    (10.0, 7.4),
    (9.6, 10.0),
    (6.5, 10.9),
    (3.0, 11.2),
    (-1.0, 11.0),
    (-4.5, 10.1),
    (-7.0, 8.1),
    (-9.0, 5.6),
    (-10.5, 2.0),
    (-10.9, -2.0),
    (-10.6, -5.0),
)
ISLAND_KM: tuple[Coords, ...] = (
    (5.5, -4.8),
    (6.6, -5.5),
    (8.0, -5.0),
    (9.0, -3.0),
    (8.9, -0.6),
    (7.8, 1.2),
    (6.4, 2.0),
    (5.6, 0.9),
    (5.3, -2.0),
)
ISLAND_TOWN = "440703005000"  # 潮连街道
# A few seeds per mainland town; a town is the union of its seeds' Voronoi cells. Placed by hand
# so that the areas come out near the real ones (棠下 ~120 km², 杜阮 ~80, 环市 ~45, 荷塘 ~37,
# 白沙 ~23, 潮连 ~21).
TOWN_SEEDS_KM: dict[str, tuple[Coords, ...]] = {
    "440703002000": ((1.2, -7.2), (3.0, -7.6), (-0.5, -8.5)),  # 白沙街道, the old city
    "440703006000": ((-1.5, -3.6), (1.5, -4.0), (3.6, -2.2), (1.0, -1.4)),  # 环市街道
    "440703101000": ((-5.0, 8.0), (-1.5, 8.8), (1.8, 9.3), (-2.5, 1.9), (-6.5, 5.0), (2.3, 2.3)),
    "440703102000": ((7.6, 8.8), (5.8, 5.0)),  # 荷塘镇, north-east on the river
    "440703103000": ((-8.0, 0.0), (-7.5, -5.0), (-4.0, -4.8), (-5.3, 0.2)),  # 杜阮镇, the west
}
# Where each town's seat is: its communities (社区) cluster there, its villages spread round.
TOWN_SEATS_KM: dict[str, Coords] = {
    "440703101000": (-1.0, 6.5),
    "440703102000": (7.0, 7.5),
    "440703103000": (-6.5, -1.5),
}


@dataclass
class DemoMap:
    """Boundaries in WGS84 lon/lat: `areas` by division code, `grids` by area code in number
    order (grid 1 first)."""

    areas: dict[str, Polygon | MultiPolygon] = field(default_factory=dict)
    grids: dict[str, list[Polygon]] = field(default_factory=dict)


def rough(points: Sequence[Coords], key: str) -> list[Coords]:
    """The outline with each edge cut into pieces of about ROUGH_STEP_KM whose joints are moved
    sideways by up to ROUGH_AMPLITUDE_KM: a river bank or a ridge is never a straight line."""
    rng = random.Random(f"wangge-demo:outline:{key}")
    result: list[Coords] = []
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        dx, dy = x1 - x0, y1 - y0
        length = math.sqrt(dx * dx + dy * dy)
        pieces = max(1, round(length / ROUGH_STEP_KM))
        result.append((x0, y0))
        for step in range(1, pieces):
            offset = rng.uniform(-ROUGH_AMPLITUDE_KM, ROUGH_AMPLITUDE_KM)
            t = step / pieces
            result.append((x0 + dx * t - dy / length * offset, y0 + dy * t + dx / length * offset))
    return result


def km_polygon(points: Sequence[Coords], scale: float = 1.0) -> Polygon:
    return Polygon([(x * 1000 * scale, y * 1000 * scale) for x, y in points])


def to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """Local metres (east, north of LON0/LAT0) to WGS84 degrees."""
    return shapely.transform(
        geometry,
        lambda xy: np.column_stack(
            (LON0 + xy[:, 0] / M_PER_DEG_LON, LAT0 + xy[:, 1] / M_PER_DEG_LAT)
        ),
    )


def to_metres(geometry: BaseGeometry) -> BaseGeometry:
    """WGS84 degrees to local metres, for areas and distances (good to 0.1 % over the district)."""
    return shapely.transform(
        geometry,
        lambda xy: np.column_stack(
            ((xy[:, 0] - LON0) * M_PER_DEG_LON, (xy[:, 1] - LAT0) * M_PER_DEG_LAT)
        ),
    )


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons in a result of an overlay, which may also hold stray lines and points."""
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if hasattr(geometry, "geoms"):
        return [part for item in geometry.geoms for part in polygons_of(item)]
    return []


def reading_order(polygons: Sequence[Polygon], band: float) -> list[int]:
    """Indexes of the polygons from north-west to south-east in bands of `band` height, the
    order a person numbers grids in on a map."""
    keys = []
    for index, polygon in enumerate(polygons):
        point = polygon.centroid
        keys.append((-round(point.y / band), point.x, index))
    return [index for *_, index in sorted(keys)]


def best_candidate_points(
    region: Polygon, count: int, rng: random.Random, taken: Sequence[Coords] = ()
) -> list[Coords]:
    """`count` points spread over the region: each the farthest from the others of a few
    random candidates (Mitchell's best-candidate sampling)."""
    shapely.prepare(region)
    minx, miny, maxx, maxy = region.bounds
    points: list[Coords] = list(taken)
    chosen: list[Coords] = []
    while len(chosen) < count:
        best: Coords | None = None
        best_distance = -1.0
        for _ in range(CANDIDATES):
            while True:
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if shapely.contains_xy(region, x, y):
                    break
            distance = min(
                ((x - px) * (x - px) + (y - py) * (y - py) for px, py in points), default=0.0
            )
            if distance > best_distance:
                best, best_distance = (x, y), distance
        assert best is not None
        points.append(best)
        chosen.append(best)
    return chosen


def partition(region: Polygon, seeds: Sequence[Coords]) -> list[Polygon]:
    """The Voronoi cells of the seeds clipped to the region, one polygon per seed, in seed
    order. A cell that the region's shape cuts in two keeps the piece at its seed; the other
    piece goes to the neighbour it shares the longest border with, so every cell is one piece
    and together they still tile the region."""
    if len(seeds) == 1:
        return [region]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=region, ordered=True)
    if len(cells.geoms) != len(seeds):
        raise ValueError("two seeds are the same point")
    kept: list[Polygon] = []
    strays: list[Polygon] = []
    for seed, cell in zip(seeds, cells.geoms, strict=True):
        pieces = polygons_of(cell.intersection(region))
        if not pieces:
            raise ValueError(f"seed {seed} lies outside its region")
        home = Point(seed)
        pieces.sort(key=lambda piece: (piece.distance(home), -piece.area))
        kept.append(pieces[0])
        strays.extend(pieces[1:])
    for stray in sorted(strays, key=lambda piece: -piece.area):
        shared = [shapely.intersection(stray.boundary, cell.boundary).length for cell in kept]
        target = max(range(len(kept)), key=lambda index: (shared[index], -index))
        merged = polygons_of(kept[target].union(stray))
        kept[target] = max(merged, key=lambda piece: piece.area)
    return kept


def relax(
    region: Polygon, seeds: Sequence[Coords], rounds: int = RELAX_ROUNDS, fixed: int = 0
) -> list[Coords]:
    """Lloyd relaxation: move each seed (but the first `fixed`) to its cell's centroid, which
    evens out cell sizes and shapes."""
    points = list(seeds)
    for _ in range(rounds):
        cells = partition(region, points)
        for index in range(fixed, len(points)):
            centre = cells[index].centroid
            if not region.contains(centre):
                centre = cells[index].point_on_surface()
            points[index] = (centre.x, centre.y)
    return points


def spread(region: Polygon, count: int, key: str) -> list[Polygon]:
    """The region cut into `count` compact cells of similar size, in reading order."""
    if count == 1:
        return [region]
    rng = random.Random(f"wangge-demo:{key}")
    seeds = relax(region, best_candidate_points(region, count, rng))
    cells = partition(region, seeds)
    band = math.sqrt(region.area / count)
    return [cells[index] for index in reading_order(cells, band)]


def outline() -> tuple[Polygon, Polygon, float]:
    """The mainland and the island in metres, and the scale that brought them to
    DISTRICT_AREA_M2 (town seeds are scaled by it too)."""
    mainland, island = rough(MAINLAND_KM, "mainland"), rough(ISLAND_KM, "island")
    drawn = km_polygon(mainland).area + km_polygon(island).area
    scale = math.sqrt(DISTRICT_AREA_M2 / drawn)
    return km_polygon(mainland, scale), km_polygon(island, scale), scale


def town_regions() -> dict[str, Polygon]:
    """The towns and subdistricts in metres, by code."""
    mainland, island, scale = outline()
    codes = [code for code, seeds in TOWN_SEEDS_KM.items() for _ in seeds]
    seeds = [
        (x * 1000 * scale, y * 1000 * scale) for points in TOWN_SEEDS_KM.values() for x, y in points
    ]
    cells = partition(mainland, seeds)
    towns: dict[str, Polygon] = {ISLAND_TOWN: island}
    for code in TOWN_SEEDS_KM:
        union = shapely.union_all(
            [cell for cell, of in zip(cells, codes, strict=True) if of == code]
        )
        if not isinstance(union, Polygon):
            raise ValueError(f"the seeds of town {code} do not make one piece")
        towns[code] = union
    return towns


def area_regions(town_code: str, region: Polygon, areas: Sequence[Division]) -> dict[str, Polygon]:
    """A town cut into its villages and communities, by code. In a town with villages, the
    communities share one cell at the town seat and the villages spread round it."""
    communities = [area for area in areas if area.kind == UnitKind.COMMUNITY]
    villages = [area for area in areas if area.kind == UnitKind.VILLAGE]
    seat_km = TOWN_SEATS_KM.get(town_code)
    if seat_km is None or not villages or not communities:
        cells = spread(region, len(areas), town_code)
        return {area.code: cell for area, cell in zip(areas, cells, strict=True)}
    scale = outline()[2]
    seat = (seat_km[0] * 1000 * scale, seat_km[1] * 1000 * scale)
    rng = random.Random(f"wangge-demo:{town_code}")
    seeds = [seat, *best_candidate_points(region, len(villages), rng, taken=[seat])]
    cells = partition(region, relax(region, seeds, fixed=1))
    centre, village_cells = cells[0], cells[1:]
    band = math.sqrt(region.area / len(cells))
    result = {
        area.code: village_cells[index]
        for area, index in zip(villages, reading_order(village_cells, band), strict=True)
    }
    seat_cells = spread(centre, len(communities), f"{town_code}:seat")
    for area, cell in zip(communities, seat_cells, strict=True):
        result[area.code] = cell
    return result


def grid_counts(
    areas: Sequence[Division], regions: dict[str, Polygon], urban: set[str]
) -> dict[str, int]:
    """GRID_TOTAL grids shared out over the villages and communities, at least one each: a
    community in a subdistrict (dense, urban) weighs most, a village least, and a larger area
    more than a smaller one of its kind. Shared out like seats in a parliament (D'Hondt), so
    the numbers are whole and add up exactly."""
    weights: dict[str, float] = {}
    for area in areas:
        km2 = regions[area.code].area / 1e6
        # Grids follow households: a community's are dense, so its area counts for less.
        if area.kind == UnitKind.VILLAGE:
            weights[area.code] = GRID_WEIGHT_VILLAGE * km2
        elif area.parent_code in urban:
            weights[area.code] = GRID_WEIGHT_URBAN_COMMUNITY * math.sqrt(km2)
        else:
            weights[area.code] = GRID_WEIGHT_TOWN_COMMUNITY * math.sqrt(km2)
    counts = dict.fromkeys(weights, 1)
    for _ in range(GRID_TOTAL - len(counts)):
        code = max(weights, key=lambda code: (weights[code] / counts[code], code))
        counts[code] += 1
    return counts


def snap_together(polygons: Sequence[Polygon]) -> list[Polygon]:
    """Polygons that tile a region (in lon/lat) moved onto the PRECISION grid so that they still
    tile it exactly: their edges are noded and snap-rounded together, polygonized into faces,
    and each face goes back to the polygon it overlaps most."""
    lines = shapely.union_all([polygon.boundary for polygon in polygons], grid_size=PRECISION)
    faces = polygons_of(shapely.polygonize(shapely.get_parts(lines)))
    tree = STRtree(polygons)
    owned: list[list[Polygon]] = [[] for _ in polygons]
    for face in faces:
        candidates = sorted(int(index) for index in tree.query(face))
        owner = max(candidates, key=lambda index: polygons[index].intersection(face).area)
        owned[owner].append(face)
    snapped: list[Polygon] = []
    for index, pieces in enumerate(owned):
        merged = polygons_of(shapely.union_all(pieces, grid_size=PRECISION))
        if len(merged) != 1:
            raise ValueError(f"polygon {index} came apart in {len(merged)} pieces when snapped")
        snapped.append(merged[0])
    return snapped


def rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Six decimals, exactly as the GeoJSON keeps them, exterior rings counter-clockwise."""
    return shapely.orient_polygons(
        shapely.transform(
            geometry, lambda xy: np.array([[round(x, 6), round(y, 6)] for x, y in xy])
        )
    )


def geojson(geometry: Polygon | MultiPolygon) -> dict:
    """A GeoJSON geometry object with plain lists, as the boundary field stores it."""

    def rings(polygon: Polygon) -> list[list[list[float]]]:
        return [[[x, y] for x, y in ring.coords] for ring in (polygon.exterior, *polygon.interiors)]

    if isinstance(geometry, Polygon):
        return {"type": "Polygon", "coordinates": rings(geometry)}
    return {"type": "MultiPolygon", "coordinates": [rings(part) for part in geometry.geoms]}


def generate_demo_map(divisions: Sequence[Division]) -> DemoMap:
    """Boundaries for every division and its grids, the same on every run."""
    towns = [
        division for division in divisions if division.kind in (UnitKind.TOWN, UnitKind.SUBDISTRICT)
    ]
    areas = [division for division in divisions if division.is_area]
    town_shapes = town_regions()
    area_shapes: dict[str, Polygon] = {}
    for town in towns:
        members = [area for area in areas if area.parent_code == town.code]
        area_shapes.update(area_regions(town.code, town_shapes[town.code], members))
    urban = {town.code for town in towns if town.kind == UnitKind.SUBDISTRICT}
    counts = grid_counts(areas, area_shapes, urban)
    cells: list[Polygon] = []
    owners: list[str] = []
    for area in areas:
        for cell in spread(area_shapes[area.code], counts[area.code], area.code):
            cells.append(to_lonlat(cell))
            owners.append(area.code)
    demo = DemoMap()
    for owner, grid in zip(owners, snap_together(cells), strict=True):
        demo.grids.setdefault(owner, []).append(rounded(grid))
    for area in areas:
        demo.areas[area.code] = rounded(
            shapely.union_all(demo.grids[area.code], grid_size=PRECISION)
        )
    for town in towns:
        members = [demo.areas[area.code] for area in areas if area.parent_code == town.code]
        demo.areas[town.code] = rounded(shapely.union_all(members, grid_size=PRECISION))
    for division in divisions:
        if division.kind == UnitKind.DISTRICT:
            members = [demo.areas[town.code] for town in towns]
            demo.areas[division.code] = rounded(shapely.union_all(members, grid_size=PRECISION))
    return demo
