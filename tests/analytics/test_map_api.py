"""The map of figures and the heat map (api/maps.py): every grid of the scope with its outline
and one figure, equal to the figure `queries` gives for that grid; the units one level down for
a scope with too many grids; case points counted exactly into cells; scoped to the user's area;
bad parameters refused by field. Tested on the router (mounted by wangge.api)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.testing import TestClient

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_B, IN_GRID_C, act, drive_to, file_case
from wangge.analytics import geography, rollups
from wangge.analytics.api.maps import router
from wangge.analytics.definitions import FIGURES
from wangge.analytics.geography import heat_cells
from wangge.analytics.queries import Period, Reader, Scope
from wangge.cases.models import Category
from wangge.cases.workflow import CaseState
from wangge.core import clock

client = TestClient(router)


def _features(response) -> dict[str, dict]:
    assert response.status_code == 200, response.json()
    return {f["properties"]["code"]: f for f in response.json()["map"]["features"]}


def _cases(cast) -> None:
    drive_to(cast, CaseState.CLOSED)
    drive_to(cast, CaseState.DISPATCHED)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    file_case(cast.grid_worker_a, at=IN_GRID_C)


@pytest.mark.parametrize("key", ["reported", "resolution_rate", "dispatch_rate", "closure_rate"])
def test_each_grid_shows_the_figure_queries_give_for_that_grid(cast, key):
    _cases(cast)
    rollups.rebuild()
    file_case(cast.grid_worker_a)  # after the rollups: read from the pending changes
    answer = client.get(f"/analytics/map?figure={key}", user=cast.leader)
    grids = _features(answer)
    tree = cast.tree
    assert answer.json()["level"] == "grid" and answer.json()["unit"] == tree.district.code
    assert set(grids) == {tree.grid_a.code, tree.grid_b.code, tree.grid_c.code}
    today = clock.today()
    period = Period.last_days(30, today)
    figure = FIGURES[key]
    for grid in (tree.grid_a, tree.grid_b, tree.grid_c):
        totals = Reader(Scope(grid)).totals(period)
        properties = grids[grid.code]["properties"]
        assert properties["value"] == figure.value(totals)
        assert properties["shown"] == figure.display(figure.value(totals))
        assert properties["numerator"] == totals[figure.numerator]
        if figure.denominator:
            assert properties["denominator"] == totals[figure.denominator]
        assert properties["name"] == grid.name and properties["has_grids_below"] is False
    assert grids[tree.grid_a.code]["properties"]["numerator"] >= 1
    assert answer.json()["figure"]["definition"] == str(figure.definition)


def test_a_category_narrows_the_figures_of_each_grid(cast):
    file_case(cast.grid_worker_a, category="E0101")
    file_case(cast.grid_worker_a, category="C0104")
    file_case(cast.grid_worker_b, at=IN_GRID_B, category="C0104")
    grids = _features(client.get("/analytics/map?category=E0101", user=cast.leader))
    tree = cast.tree
    assert grids[tree.grid_a.code]["properties"]["value"] == 1
    assert grids[tree.grid_b.code]["properties"]["value"] == 0
    category = Category.objects.get(code="E0101")
    period = Period.last_days(30, clock.today())
    totals = Reader(Scope(tree.grid_a, category=category)).totals(period)
    assert grids[tree.grid_a.code]["properties"]["numerator"] == totals["reported"] == 1


def test_outlines_are_polygons_near_the_stored_ones_or_left_out_on_request(cast):
    grids = _features(client.get("/analytics/map", user=cast.leader))
    outline = grids[cast.tree.grid_a.code]["geometry"]
    assert outline["type"] == "Polygon"
    stored = cast.tree.grid_a.boundary["coordinates"][0]
    assert len(outline["coordinates"][0]) <= len(stored)
    for lon, lat in outline["coordinates"][0]:
        assert any(abs(lon - x) < 1e-4 and abs(lat - y) < 1e-4 for x, y in stored)
    bare = _features(client.get("/analytics/map?outlines=false", user=cast.leader))
    assert all(feature["geometry"] is None for feature in bare.values())


def test_a_unit_narrows_the_map_to_its_grids(cast):
    file_case(cast.grid_worker_a)
    tree = cast.tree
    grids = _features(client.get(f"/analytics/map?unit={tree.town.code}", user=cast.leader))
    assert set(grids) == {tree.grid_a.code, tree.grid_b.code}
    one = _features(client.get(f"/analytics/map?unit={tree.grid_a.code}", user=cast.leader))
    assert set(one) == {tree.grid_a.code}
    assert one[tree.grid_a.code]["properties"]["value"] == 1


def test_a_scope_with_too_many_grids_shows_the_units_one_level_down(cast, monkeypatch):
    _cases(cast)
    monkeypatch.setattr(geography, "GRIDS_MAX", 2)
    answer = client.get("/analytics/map?figure=reported", user=cast.leader)
    units = _features(answer)
    tree = cast.tree
    assert answer.json()["level"] == "unit"
    assert set(units) == {tree.town.code, tree.other_town.code}
    assert units[tree.town.code]["properties"]["value"] == 3
    assert units[tree.other_town.code]["properties"]["value"] == 1
    assert units[tree.town.code]["properties"]["has_grids_below"] is True
    # The towns have no outline of their own: the union of their grids' (A and B share an edge).
    assert units[tree.town.code]["geometry"]["type"] == "Polygon"
    # Choosing a town draws its grids again.
    town = _features(client.get(f"/analytics/map?unit={tree.town.code}", user=cast.leader))
    assert set(town) == {tree.grid_a.code, tree.grid_b.code}


def test_the_map_is_scoped_to_the_users_area(cast):
    file_case(cast.grid_worker_a, at=IN_GRID_C)
    tree = cast.tree
    mine = _features(client.get("/analytics/map", user=cast.community_staff))
    assert set(mine) == {tree.grid_a.code, tree.grid_b.code}
    for user, unit in (
        (cast.community_staff, tree.other_community.code),
        (cast.community_staff, tree.grid_c.code),
        (cast.leader, "NOWHERE"),
        (cast.leader, tree.department.code),
    ):
        assert client.get(f"/analytics/map?unit={unit}", user=user).status_code == 404
    assert client.get("/analytics/map", user=cast.grid_worker_a).status_code == 404
    assert client.get("/analytics/heat", user=cast.grid_worker_a).status_code == 404
    answer = client.get(f"/analytics/heat?unit={tree.grid_c.code}", user=cast.community_staff)
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/analytics/map?figure=no_such_figure", "figure"),
        ("/analytics/map?figure=DROP%20TABLE", "figure"),
        ("/analytics/map?first=2026-11-10&last=2026-11-01", "last"),
        ("/analytics/map?first=2020-01-01&last=2026-01-01", "first"),
        ("/analytics/map?unit=%00", "unit"),
        ("/analytics/heat?category=NOWHERE", "category"),
        ("/analytics/map?category=NOWHERE", "category"),
        ("/analytics/heat?first=2026-11-10&last=2026-11-01", "last"),
        ("/analytics/heat?first=not-a-day", "first"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(cast, path, field):
    answer = client.get(path, user=cast.leader)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == field


def test_the_map_reads_a_bounded_number_of_queries(cast):
    _cases(cast)
    rollups.rebuild()
    client.get("/analytics/map", user=cast.leader)  # what a process reads once
    with CaptureQueriesContext(connection) as few:
        client.get("/analytics/map?figure=resolution_rate", user=cast.leader)
    for number in range(3):
        file_case(cast.grid_worker_b, at=IN_GRID_B, description=f"又一个路灯不亮 {number}")
    rollups.rebuild()
    with CaptureQueriesContext(connection) as more:
        client.get("/analytics/map?figure=resolution_rate", user=cast.leader)
    assert len(more) == len(few) <= 12


# --- The heat map -----------------------------------------------------------------------------


def _heat(answer) -> dict:
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_heat_cells_count_every_located_case_of_the_scope_and_period_exactly(cast):
    for _ in range(3):
        file_case(cast.grid_worker_a, at=IN_GRID_A)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    file_case(cast.grid_worker_a, at=IN_GRID_C)
    file_case(cast.grid_worker_a, at=None)  # no place: on no map
    master = file_case(cast.grid_worker_a)
    act(cast.dispatcher, file_case(cast.grid_worker_a), "merge", master=master.number)
    heat = _heat(client.get("/analytics/heat", user=cast.leader))
    assert heat["total"] == 6 == sum(count for _lat, _lon, count in heat["cells"])
    assert heat["max"] == 4  # grid A's centre: three cases and the master
    size = heat["cell_degrees"]
    assert 0.0009 <= size <= 0.002  # about 100–200 m
    lat, lon, count = max(heat["cells"], key=lambda cell: cell[2])
    assert abs(lat - IN_GRID_A[1]) <= size and abs(lon - IN_GRID_A[0]) <= size and count == 4
    town = _heat(client.get(f"/analytics/heat?unit={cast.tree.town.code}", user=cast.leader))
    assert town["total"] == 5
    staff = _heat(client.get("/analytics/heat", user=cast.community_staff))
    assert staff["total"] == 5


def test_heat_cells_follow_the_period_and_the_category(cast):
    file_case(cast.grid_worker_a, category="E0101")
    file_case(cast.grid_worker_a, category="C0104")
    today = clock.today()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _heat(client.get("/analytics/heat?category=E0101", user=cast.leader))["total"] == 1
    assert _heat(client.get("/analytics/heat?category=E01", user=cast.leader))["total"] == 1
    later = client.get(f"/analytics/heat?first={tomorrow}&last={tomorrow}", user=cast.leader)
    assert _heat(later)["total"] == 0 and _heat(later)["cells"] == []


def test_too_many_cells_are_merged_into_larger_ones_keeping_every_case(cast):
    for lon_step in range(6):
        file_case(cast.grid_worker_a, at=(IN_GRID_A[0] - 0.004 + lon_step * 0.0016, IN_GRID_A[1]))
    period = Period.last_days(1, clock.today())
    fine = heat_cells(cast.tree.district, period)
    assert len(fine.cells) == 6
    coarse = heat_cells(cast.tree.district, period, limit=2)
    assert len(coarse.cells) <= 2 and coarse.total == 6 == sum(c[2] for c in coarse.cells)
    assert coarse.cell_degrees > fine.cell_degrees


def test_the_heat_map_is_one_query_whatever_the_number_of_cases(cast):
    for number in range(5):
        file_case(cast.grid_worker_a, at=(IN_GRID_A[0] + number * 0.002, IN_GRID_A[1]))
    with CaptureQueriesContext(connection) as queries:
        _heat(client.get(f"/analytics/heat?unit={cast.tree.town.code}", user=cast.leader))
    cell_queries = [q for q in queries.captured_queries if "cases_case" in q["sql"]]
    assert len(cell_queries) == 1 and "GROUP BY" in cell_queries[0]["sql"]
    # (6: on PostgreSQL inside a transaction, the read settings are set and put back.)
    assert len(queries) <= 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings")
def test_the_heat_map_reads_with_more_memory_and_puts_the_settings_back(cast):
    file_case(cast.grid_worker_a, at=IN_GRID_A)
    period = Period.last_days(1, clock.today())

    def settings() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
            return cursor.fetchone()

    before = settings()
    with geography.roomy_reads():
        assert settings() == (geography.READ_WORK_MEM, "off")
    assert heat_cells(cast.tree.district, period).total == 1
    assert settings() == before  # inside the test's transaction: put back
