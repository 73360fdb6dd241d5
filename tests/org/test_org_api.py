"""The org and locate endpoints under /api/v1/: scoped lists, 404 outside the scope, bad input
named, and nothing written when an import is refused."""

from __future__ import annotations

import json

import pytest

from conftest import LAT0, LON0, SIDE, make_user, square
from tests.org.geojson_samples import collection, grid_feature, snapshot
from wangge.org.models import OrgUnit
from wangge.org.roles import Role
from wangge.org.services import grant_role, import_boundaries

API = "/api/v1"
IN_A = {"lon": LON0 + SIDE / 2, "lat": LAT0 + SIDE / 2}


@pytest.fixture
def as_user(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def post_json(client, path: str, body, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def error_locations(response) -> list[list]:
    return [error["loc"] for error in response.json()["detail"]]


# --- Locate -----------------------------------------------------------------------------------


def test_any_logged_in_user_locates_a_point(cast, as_user):
    response = as_user(cast.department_handler).get(f"{API}/locate", IN_A)
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert body["grid"] == {
        "code": cast.tree.grid_a.code,
        "name": "石冲社区第一网格",
        "kind": "full_time",
    }
    assert [unit["name"] for unit in body["ancestors"]] == ["蓬江区", "环市街道", "石冲社区"]


def test_a_point_in_no_grid_is_answered_not_found(cast, as_user):
    response = as_user(cast.leader).get(f"{API}/locate", {"lon": 100, "lat": 10})
    assert response.json() == {"found": False, "grid": None, "ancestors": []}


def test_locating_needs_a_login(cast, client):
    assert client.get(f"{API}/locate", IN_A).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [({"lon": 200, "lat": 22}, "lon"), ({"lon": 113, "lat": -91}, "lat"), ({"lon": 113}, "lat")],
)
def test_a_longitude_or_latitude_off_the_globe_is_named(cast, as_user, query, field):
    response = as_user(cast.leader).get(f"{API}/locate", query)
    assert response.status_code == 422
    assert error_locations(response) == [["query", field]]


def test_many_points_are_located_at_once(cast, as_user):
    points = [[IN_A["lon"], IN_A["lat"]], [100, 10], [LON0 + 1.5 * SIDE, LAT0 + 0.005]]
    response = post_json(as_user(cast.grid_worker_a), f"{API}/locate/bulk", {"points": points})
    assert response.status_code == 200
    body = response.json()
    tree = cast.tree
    assert body["results"] == [tree.grid_a.code, None, tree.grid_b.code]
    assert set(body["grids"]) == {tree.grid_a.code, tree.grid_b.code}
    assert body["grids"][tree.grid_b.code]["ancestors"][-1]["code"] == tree.community.code


def test_a_bulk_point_off_the_globe_is_named_by_its_position(cast, as_user):
    points = [[113, 22], [113, 22], [190, 22], [113, 22]]
    response = post_json(as_user(cast.leader), f"{API}/locate/bulk", {"points": points})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "payload", "points", 2]
    assert "Point 3 (190.0, 22.0)" in error["msg"]


def test_a_bulk_point_that_is_not_a_pair_is_named(cast, as_user):
    response = post_json(as_user(cast.leader), f"{API}/locate/bulk", {"points": [[113, 22], [113]]})
    assert response.status_code == 422
    assert error_locations(response)[0][:4] == ["body", "payload", "points", 1]


def test_at_most_a_hundred_thousand_points_are_located_at_once(cast, as_user):
    body = b'{"points": [' + b",".join([b"[113,22]"] * 100_001) + b"]}"
    response = post_json(as_user(cast.leader), f"{API}/locate/bulk", body)
    assert response.status_code == 422
    assert error_locations(response) == [["body", "payload", "points"]]


# --- Units ------------------------------------------------------------------------------------


def test_a_grid_worker_lists_only_their_grid(cast, as_user, django_assert_max_num_queries):
    client = as_user(cast.grid_worker_a)
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/org/units")
    assert [unit["code"] for unit in response.json()] == [cast.tree.grid_a.code]


def test_a_leader_lists_the_district_in_a_bounded_number_of_queries(
    cast, as_user, django_assert_max_num_queries
):
    client = as_user(cast.leader)
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/org/units")
    assert len(response.json()) == OrgUnit.objects.count()
    grid_a = next(u for u in response.json() if u["code"] == cast.tree.grid_a.code)
    assert grid_a == {
        "code": cast.tree.grid_a.code,
        "name": "石冲社区第一网格",
        "kind": "grid",
        "parent_code": cast.tree.community.code,
        "grid_kind": "full_time",
        "depth": 3,
    }


def test_units_are_listed_by_parent_and_kind(cast, as_user):
    client = as_user(cast.leader)
    children = client.get(f"{API}/org/units", {"parent": cast.tree.community.code}).json()
    assert [u["code"] for u in children] == [cast.tree.grid_a.code, cast.tree.grid_b.code]
    communities = client.get(f"{API}/org/units", {"kind": "community"}).json()
    assert {u["code"] for u in communities} == {
        cast.tree.community.code,
        cast.tree.other_community.code,
    }


def test_an_unknown_kind_is_named(cast, as_user):
    response = as_user(cast.leader).get(f"{API}/org/units", {"kind": "planet"})
    assert response.status_code == 422
    assert error_locations(response) == [["query", "kind"]]


def test_a_grid_worker_reads_their_grid_with_its_ancestors(cast, as_user):
    response = as_user(cast.grid_worker_a).get(f"{API}/org/units/{cast.tree.grid_a.code}")
    assert response.status_code == 200
    body = response.json()
    assert body["parent_name"] == "石冲社区"
    assert [a["kind"] for a in body["ancestors"]] == ["district", "subdistrict", "community"]
    assert body["boundary"] == square(LON0, LAT0)


def test_a_grid_worker_gets_not_found_for_the_next_grid(cast, as_user):
    client = as_user(cast.grid_worker_a)
    assert client.get(f"{API}/org/units/{cast.tree.grid_b.code}").status_code == 404
    assert client.get(f"{API}/org/units/NO-SUCH-UNIT").status_code == 404


# --- The grid map -----------------------------------------------------------------------------


def test_a_grid_worker_maps_only_their_grid_and_sees_who_works_there(
    cast, as_user, django_assert_max_num_queries
):
    client = as_user(cast.grid_worker_a)
    with django_assert_max_num_queries(5):
        response = client.get(f"{API}/org/grids.geojson")
    assert response.status_code == 200
    [feature] = response.json()["features"]
    assert feature["properties"] == {
        "code": cast.tree.grid_a.code,
        "name": "石冲社区第一网格",
        "parent_code": cast.tree.community.code,
        "parent_name": "石冲社区",
        "kind": "full_time",
        "grid_workers": ["网格员甲"],
    }
    assert feature["geometry"] == square(LON0, LAT0)


def test_a_leader_maps_every_grid_in_a_bounded_number_of_queries(
    cast, as_user, django_assert_max_num_queries
):
    for number in range(5):  # more workers must not mean more queries
        grant_role(None, make_user(f"w{number}"), cast.tree.grid_c, Role.GRID_WORKER)
    client = as_user(cast.leader)
    with django_assert_max_num_queries(5):
        features = client.get(f"{API}/org/grids.geojson").json()["features"]
    workers = {f["properties"]["code"]: f["properties"]["grid_workers"] for f in features}
    assert workers[cast.tree.grid_b.code] == ["网格员乙"]
    assert len(workers[cast.tree.grid_c.code]) == 5


def test_someone_who_may_not_see_staff_gets_no_worker_names(cast, as_user):
    grant_role(None, cast.outsider, cast.tree.grid_a, Role.BUILDING_VOLUNTEER)
    [feature] = as_user(cast.outsider).get(f"{API}/org/grids.geojson").json()["features"]
    assert feature["properties"]["grid_workers"] is None


def test_the_map_within_a_community_holds_its_grids(cast, as_user):
    response = as_user(cast.leader).get(
        f"{API}/org/grids.geojson", {"within": cast.tree.other_community.code}
    )
    assert [f["properties"]["code"] for f in response.json()["features"]] == [cast.tree.grid_c.code]


def test_a_map_within_a_unit_outside_the_scope_is_not_found(cast, as_user):
    response = as_user(cast.grid_worker_a).get(
        f"{API}/org/grids.geojson", {"within": cast.tree.grid_b.code}
    )
    assert response.status_code == 404


# --- Coverage gaps ----------------------------------------------------------------------------


def test_community_staff_read_the_coverage_gaps_of_their_community(cast, as_user):
    outline = square(LON0, LAT0, 3 * SIDE)  # grids A and B cover 2 of its 9 squares
    import_boundaries(
        None,
        collection(
            {
                "type": "Feature",
                "properties": {"code": cast.tree.community.code},
                "geometry": outline,
            }
        ),
    )
    response = as_user(cast.community_staff).get(
        f"{API}/org/units/{cast.tree.community.code}/coverage-gaps"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["code"] == cast.tree.community.code
    [community] = body["communities"]
    assert community["has_boundary"] is True
    assert community["gap_m2"] == pytest.approx(community["area_m2"] * 7 / 9, rel=0.01)
    assert community["gaps"][0]["geometry"]["type"] == "Polygon"


def test_coverage_gaps_outside_the_scope_are_not_found(cast, as_user):
    response = as_user(cast.grid_worker_a).get(
        f"{API}/org/units/{cast.tree.community.code}/coverage-gaps"
    )
    assert response.status_code == 404


def test_coverage_gaps_of_a_grid_are_refused_as_invalid(cast, as_user):
    response = as_user(cast.leader).get(f"{API}/org/units/{cast.tree.grid_a.code}/coverage-gaps")
    assert response.status_code == 422
    assert error_locations(response) == [["body", "unit"]]


# --- Importing --------------------------------------------------------------------------------


def test_an_administrator_imports_grids(cast, as_user):
    response = post_json(
        as_user(cast.administrator), f"{API}/org/grids/import", collection(grid_feature())
    )
    assert response.status_code == 200
    assert response.json() == {"created": ["440703006107003"], "updated": [], "unchanged": []}


def test_a_grid_worker_may_not_import_grids_and_nothing_is_written(cast, as_user):
    before = snapshot()
    response = post_json(
        as_user(cast.grid_worker_a), f"{API}/org/grids/import", collection(grid_feature())
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_a_refused_file_is_answered_with_every_problem_and_nothing_is_written(cast, as_user):
    source = collection(grid_feature(parent_code="NOPE"), grid_feature("X2", None, name=""))
    before = snapshot()
    response = post_json(
        as_user(cast.administrator),
        f"{API}/org/grids/import",
        source,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [(e["feature"], e["code"]) for e in errors] == [
        (1, "440703006107003"),
        (2, "X2"),
        (2, "X2"),
    ]
    assert "parent_code NOPE matches no unit" in errors[0]["msg"]
    assert errors[0]["text"].startswith("Feature 1 (code 440703006107003)")
    assert snapshot() == before


def test_a_grid_file_larger_than_django_s_form_limit_is_imported(cast, as_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps(collection(grid_feature(notes="x" * 5000))).encode()
    response = post_json(as_user(cast.administrator), f"{API}/org/grids/import", body)
    assert response.status_code == 200


def test_a_grid_file_over_the_import_limit_is_refused_unread(cast, as_user, monkeypatch):
    from wangge.org import api

    monkeypatch.setattr(api, "MAX_IMPORT_BYTES", 100)
    before = snapshot()
    body = json.dumps(collection(grid_feature())).encode()
    response = post_json(as_user(cast.administrator), f"{API}/org/grids/import", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["feature"] is None
    assert snapshot() == before


def test_a_gbk_file_is_refused_with_a_clear_message(cast, as_user):
    body = json.dumps(collection(grid_feature()), ensure_ascii=False).encode("gbk")
    response = post_json(
        as_user(cast.administrator), f"{API}/org/grids/import", body, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["feature"] is None
    assert "GBK" in error["msg"]


def test_the_openapi_document_describes_the_org_endpoints(cast, as_user):
    paths = as_user(cast.leader).get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/locate",
        "/locate/bulk",
        "/org/units",
        "/org/units/{code}",
        "/org/grids.geojson",
        "/org/units/{code}/coverage-gaps",
        "/org/grids/import",
    ):
        assert f"{API}{path}" in paths
