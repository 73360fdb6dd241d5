"""Which grid contains a point: an in-memory index of the active grids, kept per process.

The index is built from the database and tagged with the `MapVersion` it was built from. Every
call reads that version (one tiny query) and rebuilds the index when it differs, so a map
change made by any process is seen by all of them without a restart. The index held here (and,
while a transaction that built one is open, that transaction's own) is the only module-level
state, and it is always rebuilt from the database.

Grids may share borders (and overlap by tolerated slivers), so a point can lie in several
grids. It then belongs to the grid whose code sorts first (plain string order), the same way
on every path and in every process. Polygons are held in code order, so the lowest position
among the candidates is the answer.

Two ways to look points up, which always agree:
- one point: an STRtree query (`locate`);
- many points (`locate_many`): a uniform raster over the map, built on the first bulk call.
  A cell lying wholly inside one grid answers at once; a cell touching no grid answers "none";
  the points in the remaining cells (those crossed by a border) are tested against that cell's
  few candidate grids, in code order, with vectorised point-in-polygon tests. This reaches
  millions of points per second on one core, several times a per-point STRtree query.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.db import connection, transaction

from wangge.org.geo import shape_or_none
from wangge.org.models import MapVersion, OrgUnit
from wangge.org.roles import UnitKind

logger = logging.getLogger(__name__)

NOT_FOUND = -1
_AMBIGUOUS = -2
# Cell boxes are grown by this much (degrees, about 0.1 mm) so that a point on a cell's edge,
# whose cell number is computed in floating point, always lies inside its cell's box.
_CELL_MARGIN = 1e-9
_CELLS_PER_GRID = 64
_MIN_CELLS = 4096
_MAX_CELLS = 4_000_000
_CELL_ROWS_PER_CHUNK = 256  # bounds the memory of cell boxes while the raster is built
# Below this many points a per-point query is cheaper than building the raster.
_BULK_THRESHOLD = 10_000


@dataclass(frozen=True)
class Located:
    """The grid a point lies in, with its ancestors from the top of the tree down to its
    community or village, each as {code, name, kind}."""

    grid_id: int
    code: str
    name: str
    ancestors: list[dict[str, str]]
    kind: str = ""  # the grid kind's code, e.g. full_time


@dataclass(frozen=True)
class _Raster:
    """Cells row by row from the south-west corner; per cell a grid position, NOT_FOUND, or
    _AMBIGUOUS with its candidates (in code order) at candidates[starts[c]:starts[c + 1]]."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    nx: int
    ny: int
    x_cells_per_degree: float
    y_cells_per_degree: float
    cell_grid: npt.NDArray[np.int32]
    starts: npt.NDArray[np.int64]
    candidates: npt.NDArray[np.int32]


class GridIndex:
    """The active grids of one map version, ordered by code."""

    def __init__(
        self,
        version: int,
        ids: Sequence[int],
        codes: Sequence[str],
        names: Sequence[str],
        kinds: Sequence[str],
        shapes: Sequence[Any],
        ancestors: Sequence[list[dict[str, str]]],
    ) -> None:
        order = sorted(range(len(codes)), key=lambda position: codes[position])
        self.version = version
        self.ids = np.asarray([ids[i] for i in order], dtype=np.int64)
        self.codes = [codes[i] for i in order]
        self.names = [names[i] for i in order]
        self.kinds = [kinds[i] for i in order]
        self.shapes = np.asarray([shapes[i] for i in order], dtype=object)
        self._ancestors = [ancestors[i] for i in order]
        shapely.prepare(self.shapes)
        self.tree = shapely.STRtree(self.shapes)
        self._raster: _Raster | None = None

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def from_database(cls, version: int) -> GridIndex:
        rows = []
        for pk, code, name, path, kind, boundary in OrgUnit.objects.filter(
            kind=UnitKind.GRID, is_active=True, boundary__isnull=False
        ).values_list("pk", "code", "name", "path", "grid_kind__code", "boundary"):
            shape = shape_or_none(boundary)
            if shape is None:
                logger.warning("Grid %s has a boundary that cannot be read; it is left out.", code)
                continue
            rows.append((pk, code, name, path, kind or "", shape))
        ancestors = _ancestors_by_path([row[3] for row in rows])
        return cls(
            version,
            ids=[row[0] for row in rows],
            codes=[row[1] for row in rows],
            names=[row[2] for row in rows],
            kinds=[row[4] for row in rows],
            shapes=[row[5] for row in rows],
            ancestors=[ancestors[row[3]] for row in rows],
        )

    # --- one point ----------------------------------------------------------------------------

    def find(self, lon: float, lat: float) -> int:
        """The position (in code order) of the grid containing the point, or NOT_FOUND."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return NOT_FOUND
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(hits.min()) if len(hits) else NOT_FOUND

    def located(self, position: int) -> Located:
        return Located(
            grid_id=int(self.ids[position]),
            code=self.codes[position],
            name=self.names[position],
            ancestors=[dict(unit) for unit in self._ancestors[position]],
            kind=self.kinds[position],
        )

    # --- many points --------------------------------------------------------------------------

    @property
    def has_raster(self) -> bool:
        return self._raster is not None

    def find_many(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Positions (in code order) of the grids containing each point, NOT_FOUND for none."""
        x = np.ascontiguousarray(lons, dtype=np.float64).ravel()
        y = np.ascontiguousarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lons and lats differ in length")
        found = np.full(len(x), NOT_FOUND, dtype=np.int64)
        if len(self) == 0 or len(x) == 0:
            return found
        raster = self._raster or self._build_raster()
        # Comparisons with NaN are false, so points without numbers fall out here too.
        inside = (x >= raster.xmin) & (x <= raster.xmax) & (y >= raster.ymin) & (y <= raster.ymax)
        points = np.flatnonzero(inside)
        cells = _cells_of(raster, x[points], y[points])
        answers = raster.cell_grid[cells]
        found[points] = answers
        unsure = answers == _AMBIGUOUS
        self._resolve_ambiguous(raster, found, points[unsure], cells[unsure], x, y)
        return found

    def _resolve_ambiguous(
        self,
        raster: _Raster,
        found: npt.NDArray[np.int64],
        points: npt.NDArray[np.int64],
        cells: npt.NDArray[np.int64],
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
    ) -> None:
        """Test each point against its cell's candidates, the first in code order first; the
        first grid that contains it wins, as in `find`."""
        found[points] = NOT_FOUND
        next_candidate, end = raster.starts[cells], raster.starts[cells + 1]
        while len(points):
            candidates = raster.candidates[next_candidate]
            hit = shapely.intersects_xy(self.shapes[candidates], x[points], y[points])
            found[points[hit]] = candidates[hit]
            next_candidate = next_candidate + 1
            going_on = ~hit & (next_candidate < end)
            points, next_candidate, end = points[going_on], next_candidate[going_on], end[going_on]

    def _build_raster(self) -> _Raster:
        xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(self.shapes))
        width, height = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
        target = min(max(_CELLS_PER_GRID * len(self), _MIN_CELLS), _MAX_CELLS)
        nx = max(1, round(math.sqrt(target * width / height)))
        ny = max(1, math.ceil(target / nx))
        dx, dy = width / nx, height / ny
        cell_grid = np.full(nx * ny, NOT_FOUND, dtype=np.int32)
        pair_cells, pair_grids = [], []
        for first_row in range(0, ny, _CELL_ROWS_PER_CHUNK):
            rows = np.arange(first_row, min(first_row + _CELL_ROWS_PER_CHUNK, ny))
            column, row = np.meshgrid(np.arange(nx), rows)
            x0, y0 = xmin + column.ravel() * dx, ymin + row.ravel() * dy
            boxes = shapely.box(
                x0 - _CELL_MARGIN, y0 - _CELL_MARGIN, x0 + dx + _CELL_MARGIN, y0 + dy + _CELL_MARGIN
            )
            box_of, grid_of = self.tree.query(boxes, predicate="intersects")
            alone = np.bincount(box_of, minlength=len(boxes))[box_of] == 1
            whole = np.zeros(len(box_of), dtype=bool)
            whole[alone] = shapely.contains_properly(
                self.shapes[grid_of[alone]], boxes[box_of[alone]]
            )
            offset = first_row * nx
            cell_grid[box_of[whole] + offset] = grid_of[whole]
            pair_cells.append(box_of[~whole] + offset)
            pair_grids.append(grid_of[~whole])
        cells = np.concatenate(pair_cells).astype(np.int64)
        grids = np.concatenate(pair_grids).astype(np.int32)
        order = np.lexsort((grids, cells))
        cells, grids = cells[order], grids[order]
        cell_grid[cells] = _AMBIGUOUS
        starts = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(cells, minlength=nx * ny), out=starts[1:])
        raster = _Raster(
            xmin=xmin,
            ymin=ymin,
            xmax=xmax,
            ymax=ymax,
            nx=nx,
            ny=ny,
            x_cells_per_degree=1 / dx,
            y_cells_per_degree=1 / dy,
            cell_grid=cell_grid,
            starts=starts,
            candidates=grids,
        )
        self._raster = raster
        return raster


def _cells_of(
    raster: _Raster, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    column = np.minimum(
        ((x - raster.xmin) * raster.x_cells_per_degree).astype(np.int64), raster.nx - 1
    )
    row = np.minimum(
        ((y - raster.ymin) * raster.y_cells_per_degree).astype(np.int64), raster.ny - 1
    )
    return row * raster.nx + column


def _ancestors_by_path(paths: list[str]) -> dict[str, list[dict[str, str]]]:
    """For each grid path, its ancestors as {code, name, kind}, top first. Grids of one
    community share one list, which `GridIndex.located` copies before handing out."""
    parent_paths = {path: path[: path.rstrip("/").rfind("/") + 1] for path in paths}
    chain_pks = {
        parent: [int(p) for p in parent.split("/") if p] for parent in parent_paths.values()
    }
    pks = {pk for chain in chain_pks.values() for pk in chain}
    units = {
        pk: {"code": code, "name": name, "kind": kind}
        for pk, code, name, kind in OrgUnit.objects.filter(pk__in=sorted(pks)).values_list(
            "pk", "code", "name", "kind"
        )
    }
    chains = {
        parent: [units[pk] for pk in chain if pk in units] for parent, chain in chain_pks.items()
    }
    return {path: chains[parent] for path, parent in parent_paths.items()}


# --- The index this process holds -------------------------------------------------------------

_kept: GridIndex | None = None
_building = threading.Lock()
# An index built inside a transaction, for the rest of that transaction only (per thread, as
# Django's connections are): (index, the on-commit callback that will keep it).
_in_transaction = threading.local()


def map_version() -> int:
    """The map version the database holds now. Asked on every `locate`, so it is one plain
    statement: through the ORM it costs ten times as much as the lookup itself."""
    table = connection.ops.quote_name(MapVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0


def current_index() -> GridIndex:
    """The index for the map version the database holds now, rebuilt when that changed."""
    version = map_version()
    kept = _kept
    if kept is not None and kept.version == version:
        return kept
    pending = _built_in_this_transaction(version)
    if pending is not None:
        return pending
    with _building:
        kept = _kept
        if kept is not None and kept.version == version:
            return kept
        index = GridIndex.from_database(version)
        if connection.in_atomic_block:
            # Built inside a transaction, the index may hold grids that are rolled back later
            # while another writer reuses the version number; keep it for every thread only
            # once the transaction has committed, and meanwhile for this transaction alone.
            keep_on_commit = partial(_keep, index)
            transaction.on_commit(keep_on_commit)
            _in_transaction.entry = (index, keep_on_commit)
        else:
            _keep(index)
    return index


def _built_in_this_transaction(version: int) -> GridIndex | None:
    """The index this transaction built, if the data it was built from is still visible.

    Django drops on-commit callbacks registered inside a transaction or savepoint that rolls
    back, so the index is still good exactly while its callback is still waiting.
    """
    entry = getattr(_in_transaction, "entry", None)
    if entry is None or not connection.in_atomic_block:
        return None
    index, keep_on_commit = entry
    if index.version != version:
        return None
    waiting = any(callback is keep_on_commit for _ids, callback, *_ in connection.run_on_commit)
    return index if waiting else None


def _keep(index: GridIndex | None) -> None:
    global _kept
    _kept = index
    _in_transaction.entry = None


def forget_index() -> None:
    """Drop the index this process holds. Only needed where version numbers are reused, as
    when a test database is flushed between tests that committed (live-server tests)."""
    _keep(None)


def locate(lon: float, lat: float) -> Located | None:
    """The grid containing the point, or None when no grid does."""
    index = current_index()
    position = index.find(lon, lat)
    return None if position == NOT_FOUND else index.located(position)


def locate_many(lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The primary keys of the grids containing each point; -1 where no grid does."""
    index = current_index()
    positions = index.find_many(lons, lats)
    if len(index) == 0:
        return positions
    return np.where(positions >= 0, index.ids[positions], NOT_FOUND)


def locate_points(pairs: Sequence[Sequence[float]]) -> list[Located | None]:
    """`locate` for a list of (lon, lat) pairs, taking the bulk path when it pays."""
    index = current_index()
    if not pairs:
        return []
    if len(pairs) < _BULK_THRESHOLD and not index.has_raster:
        positions = [index.find(float(lon), float(lat)) for lon, lat in pairs]
    else:
        coordinates = np.asarray(pairs, dtype=np.float64)
        positions = index.find_many(coordinates[:, 0], coordinates[:, 1]).tolist()
    by_position: dict[int, Located] = {}
    results: list[Located | None] = []
    for position in positions:
        if position == NOT_FOUND:
            results.append(None)
            continue
        if position not in by_position:
            by_position[position] = index.located(position)
        results.append(by_position[position])
    return results
