"""GET requests and GET requests/{id}: filters, the 90-day default, status mapping, scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_B, act, file_case, upload
from tests.open311.conftest import BASE, json_of, record, xml_of
from wangge.core import clock
from wangge.open311.queries import MAX_REQUESTS

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday


def filed_at(moment: datetime, actor, **fields):
    with clock.frozen_at(moment):
        return file_case(actor, **fields)


def ids(response) -> list[str]:
    return [r["service_request_id"] for r in json_of(response)]


def get_at(client, moment: datetime, path: str, **params):
    with clock.frozen_at(moment):
        return client.get(f"{BASE}/{path}", params)


# --- the window ---------------------------------------------------------------------------------


def test_requests_default_to_the_last_90_days_newest_first(cast, client):
    filed_at(T0 - timedelta(days=100), cast.grid_worker_a)
    older = filed_at(T0 - timedelta(days=30), cast.grid_worker_a)
    newer = filed_at(T0 - timedelta(days=1), cast.grid_worker_a)

    response = get_at(client, T0, "requests.json")

    assert response.status_code == 200
    assert ids(response) == [newer.number, older.number]


def test_start_and_end_date_choose_another_window(cast, client):
    old = filed_at(T0 - timedelta(days=100), cast.grid_worker_a)
    filed_at(T0 - timedelta(days=1), cast.grid_worker_a)

    response = get_at(
        client,
        T0,
        "requests.json",
        start_date=(T0 - timedelta(days=120)).isoformat(),
        end_date="2025-12-01T00:00:00Z",
    )

    assert ids(response) == [old.number]


def test_a_start_date_alone_reaches_90_days_forward(cast, client):
    early = filed_at(T0 - timedelta(days=100), cast.grid_worker_a)
    filed_at(T0 - timedelta(days=1), cast.grid_worker_a)

    response = get_at(client, T0, "requests.json", start_date="2025-11-01")

    assert ids(response) == [early.number]


def test_an_end_date_alone_reaches_90_days_back(cast, client):
    filed_at(T0 - timedelta(days=200), cast.grid_worker_a)
    middle = filed_at(T0 - timedelta(days=100), cast.grid_worker_a)
    filed_at(T0 - timedelta(days=1), cast.grid_worker_a)

    response = get_at(client, T0, "requests.json", end_date="2025-12-01T00:00:00+08:00")

    assert ids(response) == [middle.number]


def test_the_ids_asked_for_are_returned_whatever_their_age(cast, client):
    old = filed_at(T0 - timedelta(days=400), cast.grid_worker_a)
    new = filed_at(T0 - timedelta(days=1), cast.grid_worker_a)
    filed_at(T0 - timedelta(days=2), cast.grid_worker_a)

    response = get_at(
        client,
        T0,
        "requests.json",
        service_request_id=f"{old.number},{new.number}",
        status="closed",  # ignored: the ids override every other filter
    )

    assert ids(response) == [new.number, old.number]


def test_service_code_filters_by_one_or_more_codes(cast, client):
    light = filed_at(T0, cast.grid_worker_a, category="C0104")
    litter = filed_at(T0, cast.grid_worker_a, category="E0101")
    filed_at(T0, cast.grid_worker_a, category="C0101")

    one = get_at(client, T0, "requests.json", service_code="C0104")
    two = get_at(client, T0, "requests.json", service_code="C0104,E0101")

    assert ids(one) == [light.number]
    assert set(ids(two)) == {light.number, litter.number}


def test_at_most_1000_requests_are_returned(cast, client):
    with clock.frozen_at(T0):
        for _ in range(MAX_REQUESTS + 1):
            file_case(cast.grid_worker_a)

    response = get_at(client, T0, "requests.json")

    assert len(json_of(response)) == MAX_REQUESTS


# --- status -------------------------------------------------------------------------------------


@pytest.fixture
def cases_in_each_status(cast):
    """A reported, a dispatched, a declined, a merged and a closed case."""
    with clock.frozen_at(T0):
        reported = file_case(cast.grid_worker_a)
        dispatched = file_case(cast.grid_worker_a)
        act(cast.dispatcher, dispatched, "accept")
        act(cast.dispatcher, dispatched, "dispatch", department="CG440703")
        declined = act(
            cast.dispatcher, file_case(cast.grid_worker_a), "decline", reason="不属于受理范围"
        )
        merged = act(
            cast.dispatcher, file_case(cast.grid_worker_a), "merge", master=reported.number
        )
        closed = file_case(cast.grid_worker_a)
        act(cast.dispatcher, closed, "accept")
        act(cast.dispatcher, closed, "dispatch", department="CG440703")
        act(cast.department_handler, closed, "sign")
        evidence = upload(cast.department_handler)
        act(cast.department_handler, closed, "finish", note="已更换灯泡", attachments=[evidence])
        act(cast.grid_worker_a, closed, "verify", note="已亮")
        act(cast.dispatcher, closed, "close")
    return {
        "reported": reported,
        "dispatched": dispatched,
        "declined": declined,
        "merged": merged,
        "closed": closed,
    }


def test_final_states_are_closed_and_the_others_open(cases_in_each_status, client):
    number = {name: case.number for name, case in cases_in_each_status.items()}

    closed = get_at(client, T0, "requests.json", status="closed")
    opened = get_at(client, T0, "requests.json", status="open")
    both = get_at(client, T0, "requests.json", status="open,closed")

    assert set(ids(closed)) == {number["declined"], number["merged"], number["closed"]}
    assert set(ids(opened)) == {number["reported"], number["dispatched"]}
    assert set(ids(both)) == set(number.values())


def test_status_notes_say_what_the_state_means_with_the_reason(cases_in_each_status, client):
    by_id = {r["service_request_id"]: r for r in json_of(get_at(client, T0, "requests.json"))}

    def notes(name: str) -> str:
        return by_id[cases_in_each_status[name].number]["status_notes"]

    assert notes("reported") == "Received; waiting to be accepted."
    assert notes("dispatched") == "Sent to the unit that handles it."
    assert notes("declined") == "Declined. Reason: 不属于受理范围"
    assert notes("merged") == (
        f"Merged into request {cases_in_each_status['reported'].number}, which carries it on."
    )
    assert notes("closed") == "Closed: resolved."


def test_requests_speak_chinese_by_default(cast, chinese_client):
    case = filed_at(T0, cast.grid_worker_a)

    (request,) = json_of(get_at(chinese_client, T0, f"requests/{case.number}.json"))

    assert "工作日" in request["service_notice"]  # the unit, from the catalogue


def test_status_notes_are_chinese_by_default(cases_in_each_status, chinese_client):
    response = get_at(
        chinese_client,
        T0,
        "requests.json",
        service_request_id=cases_in_each_status["reported"].number,
    )

    (request,) = json_of(response)
    assert request["status_notes"] != "Received; waiting to be accepted."


def test_a_dispatched_request_names_its_agency_and_expected_time(cases_in_each_status, client):
    case = cases_in_each_status["dispatched"]
    case.refresh_from_db()

    (request,) = json_of(get_at(client, T0, f"requests/{case.number}.json"))

    assert request["status"] == "open"
    assert request["agency_responsible"] == "城管局"
    assert request["expected_datetime"] == case.handle_due_at.astimezone(SHANGHAI).isoformat()
    assert request["service_notice"] == "To be handled within 3 working days of dispatch."


def test_a_closed_request_has_no_expected_time(cases_in_each_status, client):
    case = cases_in_each_status["closed"]

    (request,) = json_of(get_at(client, T0, f"requests/{case.number}.json"))

    assert request["status"] == "closed"
    assert "expected_datetime" not in request


def test_an_unknown_status_is_refused(db, client):
    response = get_at(client, T0, "requests.json", status="pending")

    assert response.status_code == 400
    assert json_of(response)[0]["description"].startswith("status: ")


# --- one request, the formats -------------------------------------------------------------------


def test_one_request_in_json_carries_the_public_fields(cast, client):
    case = filed_at(
        T0,
        cast.grid_worker_a,
        description="路灯不亮",
        address="石冲路 8 号",
        reporter_name="李四",
        reporter_phone="13800138000",
    )

    response = get_at(client, T0 + timedelta(hours=1), f"requests/{case.number}.json")

    assert response.status_code == 200
    (request,) = json_of(response)
    assert request == {
        "service_request_id": case.number,
        "status": "open",
        "status_notes": "Received; waiting to be accepted.",
        "service_name": "路灯",
        "service_code": "C0104",
        "description": "路灯不亮",
        "agency_responsible": "",
        "service_notice": "To be handled within 3 working days of dispatch.",
        "requested_datetime": "2026-03-02T10:00:00+08:00",
        "updated_datetime": "2026-03-02T10:00:00+08:00",
        "expected_datetime": case.due_at.astimezone(SHANGHAI).isoformat(),
        "address": "石冲路 8 号",
        "lat": IN_GRID_A[1],
        "long": IN_GRID_A[0],
    }
    assert "李四" not in response.content.decode()
    assert "13800138000" not in response.content.decode()


def test_one_request_in_xml(cast, client):
    case = filed_at(T0, cast.grid_worker_a)

    root = xml_of(get_at(client, T0, f"requests/{case.number}.xml"))

    assert root.tag == "service_requests"
    (element,) = root.findall("request")
    fields = record(element)
    assert fields["service_request_id"] == case.number
    assert fields["status"] == "open"
    assert float(fields["lat"]) == IN_GRID_A[1]
    assert float(fields["long"]) == IN_GRID_A[0]


def test_the_list_in_xml_has_one_request_element_per_case(cast, client):
    filed_at(T0, cast.grid_worker_a)
    filed_at(T0, cast.grid_worker_b, at=IN_GRID_B)

    root = xml_of(get_at(client, T0, "requests.xml"))

    assert root.tag == "service_requests"
    assert len(root.findall("request")) == 2


def test_a_request_without_a_position_has_no_lat_or_long(cast, client):
    case = filed_at(T0, cast.dispatcher, at=None, address="石冲路 1 号")

    (request,) = json_of(get_at(client, T0, f"requests/{case.number}.json"))

    assert "lat" not in request
    assert request["address"] == "石冲路 1 号"


def test_control_characters_in_a_description_still_make_well_formed_xml(cast, client):
    case = filed_at(T0, cast.grid_worker_a, description="路灯\x07不亮\x1b")

    root = xml_of(get_at(client, T0, f"requests/{case.number}.xml"))

    assert root.find("request").findtext("description") == "路灯\ufffd不亮\ufffd"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_404(db, client, fmt):
    response = get_at(client, T0, f"requests/20260302999999.{fmt}")

    assert response.status_code == 404
    if fmt == "xml":
        assert xml_of(response).tag == "errors"
    else:
        assert json_of(response)[0]["code"] == 404


def test_a_token_resolves_to_the_request_it_names(cast, client):
    case = filed_at(T0, cast.grid_worker_a)

    json_response = get_at(client, T0, f"tokens/{case.number}.json")
    xml_response = get_at(client, T0, f"tokens/{case.number}.xml")

    assert json_of(json_response) == [{"service_request_id": case.number, "token": case.number}]
    assert record(xml_of(xml_response).find("request"))["service_request_id"] == case.number
    assert get_at(client, T0, "tokens/unknown.json").status_code == 404


# --- the timeline extension ---------------------------------------------------------------------


def test_extensions_add_the_timeline_without_notes_for_anonymous_clients(
    cases_in_each_status, client
):
    case = cases_in_each_status["declined"]

    (request,) = json_of(get_at(client, T0, f"requests/{case.number}.json", extensions="true"))

    timeline = request["extended_attributes"]["timeline"]
    assert [(e["seq"], e["action"], e["from"], e["to"]) for e in timeline] == [
        (1, "report", "", "reported"),
        (2, "decline", "reported", "declined"),
    ]
    assert all("note" not in e for e in timeline)
    assert timeline[1]["at"] == "2026-03-02T10:00:00+08:00"


def test_extensions_show_notes_to_a_key_whose_account_sees_the_case(
    cases_in_each_status, client, grid_worker_key
):
    case = cases_in_each_status["closed"]

    root = xml_of(
        get_at(
            client,
            T0,
            f"requests/{case.number}.xml",
            extensions="true",
            api_key=grid_worker_key,
        )
    )

    events = root.findall("request/extended_attributes/timeline/event")
    assert [e.findtext("action") for e in events] == [
        "report",
        "accept",
        "dispatch",
        "sign",
        "finish",
        "verify",
        "close",
    ]
    assert events[4].findtext("note") == "已更换灯泡"


def test_without_extensions_there_is_no_timeline(cast, client):
    case = filed_at(T0, cast.grid_worker_a)

    (request,) = json_of(get_at(client, T0, f"requests/{case.number}.json"))

    assert "extended_attributes" not in request


def test_the_list_costs_one_query_and_two_with_the_timeline(
    cases_in_each_status, client, django_assert_num_queries
):
    with django_assert_num_queries(1):
        plain = get_at(client, T0, "requests.json")
    with django_assert_num_queries(2):
        extended = get_at(client, T0, "requests.xml", extensions="true")

    assert len(json_of(plain)) == 5
    assert len(xml_of(extended).findall("request/extended_attributes")) == 5


# --- who sees what ------------------------------------------------------------------------------


def test_a_key_narrows_the_list_to_what_its_account_may_see(cast, client):
    in_a = filed_at(T0, cast.grid_worker_a)
    in_b = filed_at(T0, cast.grid_worker_b, at=IN_GRID_B)
    from wangge.core.apikeys import create_api_key

    _key, raw_b = create_api_key(None, "grid worker b's phone", user=cast.grid_worker_b)

    anonymous = get_at(client, T0, "requests.json")
    keyed = get_at(client, T0, "requests.json", api_key=raw_b)
    hidden = get_at(client, T0, f"requests/{in_a.number}.json", api_key=raw_b)

    assert set(ids(anonymous)) == {in_a.number, in_b.number}
    assert ids(keyed) == [in_b.number]
    assert hidden.status_code == 404


def test_an_invalid_key_on_a_read_is_403(db, client):
    response = get_at(client, T0, "requests.xml", api_key="wg_not-a-key")

    assert response.status_code == 403
    error = record(xml_of(response).find("error"))
    assert error["code"] == "403"
    assert error["description"].startswith("api_key: ")
