"""The case map (/cases/map/) and its data (/cases/map/data/): the grids of the user's area with
their open and overdue counts, the open cases as markers (the most urgent first, capped), a
grid's most urgent cases for its panel, all of it within the user's scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cases.loop_helpers import (
    IN_GRID_A,
    IN_GRID_B,
    IN_GRID_C,
    RESIDENT,
    act,
    drive_to,
    file_case,
)
from tests.clients import logged_in
from wangge.cases.views import case_map
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.core.clock import frozen_at

PAGE = reverse("cases:map")
DATA = reverse("cases:map_data")


def data(client, **params):
    response = client.get(DATA, params)
    assert response.status_code == 200, response.content
    return response.json()


def by_code(answer) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in answer["grids"]["features"]}


def numbers(markers) -> list[str]:
    return [marker["number"] for marker in markers]


def overdue_case(at=IN_GRID_A):
    """A case reported a month ago and never accepted: past its acceptance deadline now."""
    with frozen_at(clock.now() - timedelta(days=30)):
        return file_case(RESIDENT, at=at, description="一个月前报的井盖缺失")


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dispatcher", "grid_worker_a"])
def test_the_page_renders_for_a_dispatcher_and_a_grid_worker(cast, persona):
    response = logged_in(getattr(cast, persona)).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="case-map"' in page and 'id="case-map-config"' in page
    assert "vendor/markercluster/leaflet.markercluster.js" in page
    assert "cases/js/case-map-page.js" in page
    # A CSP will forbid inline scripts: the only <script> bodies are JSON data.
    assert page.count("<script>") == 0
    assert f'href="{PAGE}" aria-current="page"' in page  # the menu shows where we are


def test_the_page_lists_the_count_bands_in_its_legend(cast):
    page = logged_in(cast.dispatcher).get(PAGE).content.decode()
    assert all(f"</i>{label}</li>" in page for label in ["0", "1–2", "3–5", "6–10", "11+"])


@pytest.mark.parametrize("url", [PAGE, DATA])
def test_an_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_menu_offers_the_map_to_those_whose_area_has_grids(cast):
    def offered(user) -> bool:
        return f'href="{PAGE}"' in logged_in(user).get(reverse("home")).content.decode()

    assert offered(cast.dispatcher)
    assert offered(cast.grid_worker_a)
    assert offered(cast.community_staff)
    assert not offered(cast.department_handler)  # a department has no grids
    assert not offered(cast.outsider)


# --- counts per grid ----------------------------------------------------------------------------


def test_each_grid_counts_its_open_and_overdue_cases(cast):
    late = overdue_case(IN_GRID_A)
    file_case(RESIDENT, at=IN_GRID_A)
    file_case(RESIDENT, at=IN_GRID_B)
    drive_to(cast, CaseState.CLOSED)  # in grid A, closed: not counted
    drive_to(cast, CaseState.DECLINED)  # in grid A, declined: not counted
    handling = drive_to(cast, CaseState.HANDLING)  # in grid A, open
    assert late.due_at < clock.now() < handling.due_at

    counts = by_code(data(logged_in(cast.dispatcher)))

    tree = cast.tree
    assert {code: (p["open"], p["overdue"]) for code, p in counts.items()} == {
        tree.grid_a.code: (3, 1),
        tree.grid_b.code: (1, 0),
        tree.grid_c.code: (0, 0),
    }


def test_a_grid_carries_its_name_community_and_grid_workers(cast):
    grid_a = by_code(data(logged_in(cast.dispatcher)))[cast.tree.grid_a.code]
    assert grid_a["name"] == cast.tree.grid_a.name
    assert grid_a["parent_name"] == cast.tree.community.name
    assert grid_a["grid_workers"] == [cast.grid_worker_a.full_name]


def test_overdue_is_read_at_the_moment_of_asking(cast):
    case = file_case(RESIDENT, at=IN_GRID_B)
    dispatcher = logged_in(cast.dispatcher)
    assert by_code(data(dispatcher))[cast.tree.grid_b.code]["overdue"] == 0
    with frozen_at(case.due_at + timedelta(minutes=1)):
        answer = data(dispatcher)
    assert by_code(answer)[cast.tree.grid_b.code]["overdue"] == 1
    assert answer["markers"][0]["light"] == "red"


# --- scope --------------------------------------------------------------------------------------


def test_grid_worker_b_sees_nothing_of_grid_a(cast):
    in_a = [overdue_case(IN_GRID_A), file_case(cast.grid_worker_a, at=IN_GRID_A)]
    in_b = file_case(RESIDENT, at=IN_GRID_B)
    worker_b = logged_in(cast.grid_worker_b)

    answer = data(worker_b)

    assert list(by_code(answer)) == [cast.tree.grid_b.code]
    assert by_code(answer)[cast.tree.grid_b.code]["open"] == 1
    assert numbers(answer["markers"]) == [in_b.number]
    body = str(answer)
    assert cast.tree.grid_a.code not in body and cast.tree.grid_a.name not in body
    assert not any(case.number in body for case in in_a)
    # Nor may B ask for grid A's cases, or narrow the map to it.
    for name in ("grid", "within"):
        refused = worker_b.get(DATA, {name: cast.tree.grid_a.code})
        assert refused.status_code == 400
        assert in_a[0].number not in refused.content.decode()


def test_a_community_map_is_narrowed_with_within(cast):
    file_case(RESIDENT, at=IN_GRID_A)
    in_c = file_case(RESIDENT, at=IN_GRID_C)
    answer = data(logged_in(cast.dispatcher), within=cast.tree.other_community.code)
    assert list(by_code(answer)) == [cast.tree.grid_c.code]
    assert numbers(answer["markers"]) == [in_c.number]


# --- markers ------------------------------------------------------------------------------------


def test_markers_are_the_open_located_cases_the_most_urgent_first(cast):
    fresh = file_case(RESIDENT, at=IN_GRID_B)
    late = overdue_case(IN_GRID_A)
    closed = drive_to(cast, CaseState.CLOSED)
    declined = drive_to(cast, CaseState.DECLINED)
    merged = drive_to(cast, CaseState.MERGED)

    answer = data(logged_in(cast.dispatcher))

    markers = answer["markers"]
    assert numbers(markers)[:1] == [late.number]
    assert fresh.number in numbers(markers)
    assert not {closed.number, declined.number, merged.number} & set(numbers(markers))
    first = markers[0]
    assert set(first) == {"number", "title", "state", "light", "lon", "lat"}
    assert (first["lon"], first["lat"]) == pytest.approx(IN_GRID_A)
    assert first["light"] == "red" and first["state"] == "reported"
    assert answer["states"]["reported"] == "Reported"
    assert "closed" not in answer["states"]
    assert answer["markers_capped"] is False
    assert answer["markers_limit"] == case_map.MARKERS_MAX


def test_the_cap_is_reported(cast):
    late = overdue_case(IN_GRID_A)
    soon = [file_case(RESIDENT, at=place) for place in (IN_GRID_A, IN_GRID_B)]
    dispatcher = logged_in(cast.dispatcher)

    capped = data(dispatcher, limit=2)
    assert capped["markers_capped"] is True and capped["markers_limit"] == 2
    assert numbers(capped["markers"]) == [late.number, soon[0].number]

    exact = data(dispatcher, limit=3)
    assert exact["markers_capped"] is False and len(exact["markers"]) == 3

    none = data(dispatcher, limit=0)
    assert none["markers"] == [] and none["markers_capped"] is True
    # The counts are never capped.
    assert by_code(capped)[cast.tree.grid_a.code]["open"] == 2


def test_the_default_cap_is_the_maximum(cast, monkeypatch):
    monkeypatch.setattr(case_map, "MARKERS_MAX", 1)
    file_case(RESIDENT, at=IN_GRID_A)
    file_case(RESIDENT, at=IN_GRID_B)
    answer = data(logged_in(cast.dispatcher))
    assert len(answer["markers"]) == 1
    assert answer["markers_capped"] is True and answer["markers_limit"] == 1


# --- a grid's panel -----------------------------------------------------------------------------


def test_a_grid_lists_its_ten_most_urgent_open_cases(cast):
    late = overdue_case(IN_GRID_A)
    for index in range(case_map.GRID_CASES_MAX):
        file_case(RESIDENT, at=IN_GRID_A, description=f"第 {index} 盏路灯不亮")
    closed = drive_to(cast, CaseState.CLOSED)
    in_b = file_case(RESIDENT, at=IN_GRID_B)

    answer = data(logged_in(cast.dispatcher), grid=cast.tree.grid_a.code)

    assert answer["grid"] == cast.tree.grid_a.code
    listed = numbers(answer["cases"])
    assert len(listed) == case_map.GRID_CASES_MAX
    assert listed[0] == late.number
    assert closed.number not in listed and in_b.number not in listed
    assert set(answer["cases"][0]) == {"number", "title", "state", "light"}
    assert answer["cases"][0]["light"] == "red"


def test_a_case_moves_off_its_grid_list_once_closed(cast):
    case = drive_to(cast, CaseState.VERIFIED)
    dispatcher = logged_in(cast.dispatcher)
    assert numbers(data(dispatcher, grid=cast.tree.grid_a.code)["cases"]) == [case.number]
    act(cast.dispatcher, case, "close")
    assert data(dispatcher, grid=cast.tree.grid_a.code)["cases"] == []


def test_the_panel_links_to_the_case_list_of_the_grid(cast):
    in_a = file_case(RESIDENT, at=IN_GRID_A)
    in_b = file_case(RESIDENT, at=IN_GRID_B)
    client = logged_in(cast.dispatcher)
    page = client.get(PAGE).content.decode()
    list_url = f"{reverse('cases:list')}?unit=__code__"
    assert f'"listUrl": "{list_url}"' in page

    listed = client.get(list_url.replace("__code__", cast.tree.grid_a.code)).content.decode()

    assert in_a.number in listed and in_b.number not in listed


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "many"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"limit": "٣"}, "limit"),  # a digit, but not an ASCII one
        ({"limit": "9" * 5000}, "limit"),  # more digits than Python reads as an integer
        ({"within": "999999999999"}, "within"),
        ({"within": "4407\x0003006107"}, "within"),
        ({"within": "x" * 300}, "within"),
        ({"grid": ""}, "grid"),
        ({"grid": "440703006107"}, "grid"),  # the community, not a grid
        ({"grid": "CG440703"}, "grid"),  # a department
        ({"grid": "nope\x00"}, "grid"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(cast, params, named):
    response = logged_in(cast.dispatcher).get(DATA, params)
    assert response.status_code == 400
    errors = response.json()["detail"]
    assert [error["loc"] for error in errors] == [["query", named]]
    assert errors[0]["msg"]


def test_a_unit_outside_the_area_is_refused_like_one_that_does_not_exist(cast):
    worker_a = logged_in(cast.grid_worker_a)

    def refusal(code: str) -> str:
        response = worker_a.get(DATA, {"within": code})
        assert response.status_code == 400
        return response.json()["detail"][0]["msg"].replace(code, "CODE")

    assert refusal(cast.tree.grid_c.code) == refusal("440703002129999")


# --- cost ---------------------------------------------------------------------------------------


def queries_for(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DATA, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["dispatcher", "grid_worker_a"])
def test_the_data_takes_the_same_queries_whatever_the_number_of_cases(cast, persona):
    client = logged_in(getattr(cast, persona))
    file_case(RESIDENT, at=IN_GRID_A)
    few = queries_for(client)
    few_grid = queries_for(client, grid=cast.tree.grid_a.code)

    overdue_case(IN_GRID_A)
    for index in range(15):
        file_case(RESIDENT, at=(IN_GRID_A, IN_GRID_B, IN_GRID_C)[index % 3])
    drive_to(cast, CaseState.HANDLING)

    assert queries_for(client) == few
    assert queries_for(client, grid=cast.tree.grid_a.code) == few_grid
    # The session, the user, the memberships, the grids, their workers, whether the user's units
    # span the whole tree, the counts, the markers.
    assert few <= 9
