"""The case list, intake, one case, files, categories, "my work" and the table under /api/v1/:
each scoped to what the user may see, with personal data masked and a fixed number of queries
per list whatever its length."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openapi_spec_validator import validate

from tests.cases.loop_helpers import (
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    IN_GRID_B,
    act,
    file_case,
    photo_bytes,
    upload,
)
from tests.clients import logged_in
from wangge.cases.models import Case, CaseEvent
from wangge.cases.queries import Tab
from wangge.cases.workflow import TRANSITIONS, CaseAction

API = "/api/v1"
REPORT = {
    "category": "C0104",
    "description": "路灯不亮，晚上很黑",
    "lon": IN_GRID_A[0],
    "lat": IN_GRID_A[1],
    "reporter_name": "张三丰",
    "reporter_phone": "13812345678",
}
# Queries a list makes whatever its length: the session, the user, their memberships, the
# units of their roles, the page's ids and then its cases.
LIST_QUERIES = 6


def numbers(response) -> list[str]:
    return [item["number"] for item in response.json()["items"]]


def report(client: Client, body: dict[str, Any], **headers):
    return client.post(f"{API}/cases", body, "application/json", **headers)


# --- intake -----------------------------------------------------------------------------------


def test_a_grid_worker_reports_a_case_in_their_grid(cast):
    # Given a grid worker on patrol in grid A
    worker = logged_in(cast.grid_worker_a)

    # When they report a broken lamp there
    response = report(worker, REPORT)

    # Then the case is filed in grid A, waiting for acceptance, with its first event
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["state"] == "reported"
    assert case["state_label"] == "Reported"
    assert case["area"] == {"code": cast.tree.grid_a.code, "name": "石冲社区第一网格"}
    assert case["category"] == {"code": "C0104", "name": "路灯"}
    assert case["channel"] == "grid_patrol"
    assert case["light"] == "green"
    assert [e["action"] for e in case["timeline"]] == ["report"]
    assert Case.objects.get(number=case["number"]).reported_by == cast.grid_worker_a


def test_a_report_keeps_the_attributes_of_its_category(cast):
    # Given a report naming the lamp's pole, and an attribute of some other service
    attributes = {"pole_number": "PJ-0042", "people_trapped": "no"}

    # When it is filed
    response = report(logged_in(cast.grid_worker_a), {**REPORT, "attributes": attributes})

    # Then the case keeps its own category's attribute only
    assert response.status_code == 201
    assert response.json()["attributes"] == {"pole_number": "PJ-0042"}


def test_the_reporter_leaves_the_api_masked(cast):
    # Given a case reported with a resident's name and phone
    number = report(logged_in(cast.grid_worker_a), REPORT).json()["number"]

    # When the dispatcher reads it, alone and in the list
    dispatcher = logged_in(cast.dispatcher)
    detail = dispatcher.get(f"{API}/cases/{number}")
    listed = dispatcher.get(f"{API}/cases")

    # Then only the masked values appear, anywhere in the answers
    assert detail.json()["reporter"] == {"name": "张**", "phone": "138****5678"}
    for response in (detail, listed):
        text = response.content.decode()
        assert "13812345678" not in text
        assert "三丰" not in text and "\\u4e09\\u4e30" not in text


def test_the_same_idempotency_key_files_one_case(cast):
    # Given a hotline system that sends a report and, not hearing back, sends it again
    hotline = logged_in(cast.dispatcher)
    first = report(hotline, REPORT, HTTP_IDEMPOTENCY_KEY="call-20250303-0001")

    # When the retry arrives with the same key
    again = report(hotline, REPORT, HTTP_IDEMPOTENCY_KEY="call-20250303-0001")

    # Then it gets the case the first created, marked as a replay, and only one case exists
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_two_users_with_the_same_key_file_two_cases(cast):
    # Given two accounts whose systems happen to pick the same key
    first = report(logged_in(cast.dispatcher), REPORT, HTTP_IDEMPOTENCY_KEY="1")

    # When the second one reports with it
    second = report(logged_in(cast.grid_worker_a), REPORT, HTTP_IDEMPOTENCY_KEY="1")

    # Then each gets their own case
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]
    assert Case.objects.count() == 2


def test_different_keys_file_different_cases(cast):
    hotline = logged_in(cast.dispatcher)
    report(hotline, REPORT, HTTP_IDEMPOTENCY_KEY="a")
    report(hotline, REPORT, HTTP_IDEMPOTENCY_KEY="b")
    assert Case.objects.count() == 2


def test_a_grid_worker_resolves_a_case_on_the_spot_with_a_photo(cast):
    # Given a grid worker who cleared exposed rubbish and photographed the result
    worker = logged_in(cast.grid_worker_a)
    photo = worker.post(
        f"{API}/attachments",
        {"file": SimpleUploadedFile("done.jpg", photo_bytes()), "photo_only": "true"},
    ).json()["uid"]

    # When they report it resolved on the spot
    response = report(
        worker,
        {
            **REPORT,
            "category": GRID_ENTRY_CATEGORY,
            "resolve_on_the_spot": True,
            "note": "已清理",
            "attachments": [photo],
        },
    )

    # Then it is closed at once, with the photo on its only event
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["state"] == "closed"
    assert [(e["action"], [a["uid"] for a in e["attachments"]]) for e in case["timeline"]] == [
        ("self_resolve", [photo])
    ]


def test_an_anonymous_caller_can_neither_read_nor_report(cast, client):
    assert client.get(f"{API}/cases").status_code == 401
    assert report(client, REPORT).status_code in (401, 403)
    assert Case.objects.count() == 0


# --- one case ---------------------------------------------------------------------------------


def test_the_grid_worker_of_the_next_grid_cannot_see_a_case(cast):
    # Given a case in grid A
    case = file_case(cast.grid_worker_a)

    # When the grid worker of grid B asks for it
    response = logged_in(cast.grid_worker_b).get(f"{API}/cases/{case.number}")

    # Then it does not exist for them
    assert response.status_code == 404
    assert response.json() == {"detail": "No such case."}


def test_an_unknown_case_is_not_found(cast):
    assert logged_in(cast.dispatcher).get(f"{API}/cases/20990101000001").status_code == 404


def test_a_case_lists_what_the_reader_may_do_now(cast):
    # Given a case just reported
    case = file_case(cast.grid_worker_a)

    # When the dispatcher and the reporting grid worker read it
    for_dispatcher = logged_in(cast.dispatcher).get(f"{API}/cases/{case.number}").json()
    for_worker = logged_in(cast.grid_worker_a).get(f"{API}/cases/{case.number}").json()

    # Then each sees the actions the table gives them, with what each needs and where to send it
    allowed = {a["action"]: a for a in for_dispatcher["allowed_actions"]}
    assert list(allowed) == ["accept", "decline", "merge", "assign_grid", "supervise", "comment"]
    assert allowed["decline"]["requires"] == ["reason"]
    assert allowed["merge"]["requires"] == ["master"]
    assert allowed["supervise"]["requires"] == ["note", "supervision_level"]
    assert allowed["accept"]["url"] == f"{API}/cases/{case.number}/accept"
    assert [a["action"] for a in for_worker["allowed_actions"]] == ["comment"]


def test_a_dispatched_case_shows_its_assignments_and_deadlines(cast):
    # Given a case dispatched to the city management bureau
    case = file_case(cast.grid_worker_a)
    act(cast.dispatcher, case, "accept")
    case = act(cast.dispatcher, case, "dispatch", department="CG440703")

    # When the handler reads it
    detail = logged_in(cast.department_handler).get(f"{API}/cases/{case.number}").json()

    # Then the lead assignment and the handling deadline are there
    assert detail["department"] == {"code": "CG440703", "name": "城管局"}
    assert [(a["unit"]["code"], a["role"], a["is_active"]) for a in detail["assignments"]] == [
        ("CG440703", "lead", True)
    ]
    assert detail["deadlines"]["stage"] == "handle"
    assert detail["deadlines"]["handle_due_at"] == detail["due_at"]
    assert [a["action"] for a in detail["allowed_actions"]] == ["sign", "return", "comment"]


# --- the list ---------------------------------------------------------------------------------


def test_each_user_lists_only_the_cases_they_may_see(cast):
    # Given a case in grid A and one in grid B
    in_a = file_case(cast.grid_worker_a).number
    in_b = file_case(cast.grid_worker_b, at=IN_GRID_B).number

    # When each persona lists cases
    def listed(user) -> set[str]:
        return set(numbers(logged_in(user).get(f"{API}/cases")))

    # Then each sees their own grid, the community and district see both, the outsider none
    assert listed(cast.grid_worker_a) == {in_a}
    assert listed(cast.grid_worker_b) == {in_b}
    assert listed(cast.community_staff) == {in_a, in_b}
    assert listed(cast.dispatcher) == {in_a, in_b}
    assert listed(cast.department_handler) == set()
    assert listed(cast.outsider) == set()


def test_the_list_is_filtered(cast):
    # Given a reported case, an accepted one and one in grid B
    reported = file_case(cast.grid_worker_a, description="路灯不亮")
    accepted = act(cast.dispatcher, file_case(cast.grid_worker_a, description="灯杆歪了"), "accept")
    other_grid = file_case(cast.grid_worker_b, at=IN_GRID_B, description="井盖丢了")
    dispatcher = logged_in(cast.dispatcher)

    def found(**query) -> list[str]:
        response = dispatcher.get(f"{API}/cases", query)
        assert response.status_code == 200, response.content
        return numbers(response)

    # Then each filter narrows the list
    assert found(state=["accepted"]) == [accepted.number]
    assert set(found(state=["accepted", "reported"])) == {
        reported.number,
        accepted.number,
        other_grid.number,
    }
    assert found(unit=cast.tree.grid_b.code) == [other_grid.number]
    assert found(text="灯杆") == [accepted.number]
    assert found(text=reported.number) == [reported.number]
    assert len(found(category="C01")) == 3
    assert found(channel="hotline") == []
    assert found(needs_grid=True) == []
    assert found(overdue=True) == []


def test_the_list_is_read_a_page_at_a_time(cast):
    # Given five cases
    filed = [file_case(cast.grid_worker_a).number for _ in range(5)]
    dispatcher = logged_in(cast.dispatcher)

    # When the dispatcher reads them two at a time
    pages, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = dispatcher.get(f"{API}/cases", query).json()
        pages.append([item["number"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    # Then they come newest first, each once
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [number for page in pages for number in page] == filed[::-1]


@pytest.mark.parametrize("count", [5, 15])
def test_the_list_costs_the_same_queries_whatever_its_length(
    cast, django_assert_max_num_queries, count
):
    # Given some cases, dispatched so that every related row is there
    for _ in range(count):
        case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
        act(cast.dispatcher, case, "dispatch", department="CG440703")
    dispatcher = logged_in(cast.dispatcher)

    # When the dispatcher lists them
    with django_assert_max_num_queries(LIST_QUERIES):
        response = dispatcher.get(f"{API}/cases", {"limit": 100})

    # Then they all come in the same few queries
    assert len(response.json()["items"]) == count
    assert response.json()["items"][0]["department"]["code"] == "CG440703"


# --- my work ----------------------------------------------------------------------------------


def test_the_dispatcher_finds_new_cases_in_their_first_tab(cast):
    # Given two new cases and one already accepted
    first = file_case(cast.grid_worker_a)
    second = file_case(cast.grid_worker_b, at=IN_GRID_B)
    act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    dispatcher = logged_in(cast.dispatcher)

    # When the dispatcher opens their work
    queue = dispatcher.get(f"{API}/my/queue").json()
    counts = dispatcher.get(f"{API}/my/queue/counts").json()

    # Then the first tab holds the cases to accept, and the counts cover every tab of theirs
    assert queue["tab"] == "to_accept"
    assert set(numbers_of(queue)) == {first.number, second.number}
    assert counts["to_accept"] == 2
    assert counts["to_dispatch"] == 1
    assert "to_handle" not in counts


def numbers_of(page: dict[str, Any]) -> list[str]:
    return [item["number"] for item in page["items"]]


def test_the_handler_finds_dispatched_cases_to_handle(cast):
    # Given a case dispatched to the bureau
    case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    act(cast.dispatcher, case, "dispatch", department="CG440703")
    handler = logged_in(cast.department_handler)

    # When the handler opens their work
    queue = handler.get(f"{API}/my/queue").json()

    # Then it is waiting in the tab to handle, their first
    assert queue["tab"] == "to_handle"
    assert numbers_of(queue) == [case.number]
    assert handler.get(f"{API}/my/queue/counts").json() == {"to_handle": 1, "supervised": 0}


@pytest.mark.parametrize("count", [5, 15])
def test_my_work_costs_the_same_queries_whatever_its_length(
    cast, django_assert_max_num_queries, count
):
    for _ in range(count):
        file_case(cast.grid_worker_a)
    dispatcher = logged_in(cast.dispatcher)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = dispatcher.get(f"{API}/my/queue", {"tab": "to_accept", "limit": 100})
    # The counts: one query per tab, after the session, the user, their memberships and units.
    with django_assert_max_num_queries(LIST_QUERIES - 2 + len(Tab)):
        counts = dispatcher.get(f"{API}/my/queue/counts").json()

    assert len(response.json()["items"]) == count
    assert counts["to_accept"] == count


# --- files ------------------------------------------------------------------------------------


def test_a_file_is_served_to_its_uploader_and_then_to_who_may_see_its_case(cast):
    # Given a photo the handler uploaded and has not used yet
    case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    act(cast.dispatcher, case, "dispatch", department="CG440703")
    case = act(cast.department_handler, case, "sign")
    uid = upload(cast.department_handler)
    url = f"{API}/attachments/{uid}"

    # Then only the uploader may fetch it
    assert logged_in(cast.department_handler).get(url).status_code == 200
    assert logged_in(cast.dispatcher).get(url).status_code == 404

    # When it becomes the evidence of the case's handling
    act(cast.department_handler, case, "finish", note="修好了", attachments=[uid])

    # Then whoever may see the case may fetch it, and no one else
    response = logged_in(cast.dispatcher).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert logged_in(cast.grid_worker_a).get(url).status_code == 200
    assert logged_in(cast.grid_worker_b).get(url).status_code == 404
    assert logged_in(cast.outsider).get(url).status_code == 404


def test_an_unknown_file_is_not_found(cast):
    response = logged_in(cast.dispatcher).get(
        f"{API}/attachments/1b4e28ba-2d11-4f7a-9c1e-6d5a3f2b8c90"
    )
    assert response.status_code == 404


def test_an_upload_is_answered_with_its_uid(cast):
    response = logged_in(cast.grid_worker_a).post(
        f"{API}/attachments", {"file": SimpleUploadedFile("现场.png", photo_bytes())}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["content_type"]) == ("现场.png", "image/jpeg")
    assert body["size"] > 0


# --- categories and the table -----------------------------------------------------------------


def test_the_categories_come_as_a_tree(cast):
    response = logged_in(cast.grid_worker_a).get(f"{API}/categories")

    assert response.status_code == 200
    classes = {c["code"]: c for c in response.json()}
    lamps = next(c for c in classes["C01"]["children"] if c["code"] == "C0104")
    assert lamps["deadlines"] == {
        "accept": {"amount": 1.0, "unit": "working_hours"},
        "dispatch": {"amount": 1.0, "unit": "working_hours"},
        "handle": {"amount": 3.0, "unit": "working_days"},
    }
    assert [a["code"] for a in lamps["open311_attributes"]] == ["pole_number"]
    rubbish = next(c for c in classes["E01"]["children"] if c["code"] == GRID_ENTRY_CATEGORY)
    assert rubbish["is_grid_entry"] is True


def test_one_category_is_read_by_its_code(cast):
    client = logged_in(cast.grid_worker_a)

    lamps = client.get(f"{API}/categories/C0104").json()
    urban = client.get(f"{API}/categories/C01").json()

    assert lamps["parent"] == {"code": "C01", "name": "公用设施"}
    assert lamps["is_active"] is True
    assert "C0104" in [child["code"] for child in urban["children"]]
    assert client.get(f"{API}/categories/X9999").json() == {"detail": "No such category."}
    assert client.get(f"{API}/categories/X9999").status_code == 404


def test_the_workflow_table_is_published(cast):
    response = logged_in(cast.outsider).get(f"{API}/workflow")

    assert response.status_code == 200
    table = response.json()
    assert [t["action"] for t in table["transitions"]] == [t.action.value for t in TRANSITIONS]
    finish = next(t for t in table["transitions"] if t["action"] == "finish")
    assert finish["from_states"] == ["handling"]
    assert finish["to_state"] == "handled"
    assert finish["requires"] == ["note", "attachments"]
    assert {"kind": "department_handler", "relation": "assigned_department"} in finish["who"]
    assert {s["state"] for s in table["states"] if s["is_final"]} == {
        "declined",
        "closed",
        "merged",
    }


def test_the_openapi_document_has_one_operation_per_action(client, db):
    # Given the API's own description of itself
    document = client.get(f"{API}/openapi.json").json()

    # Then it is a valid OpenAPI document
    validate(document)

    # and every action on an existing case has its own path and operation id, and every
    # operation accepts an API key or a session
    actions = [a for a in CaseAction if a not in (CaseAction.REPORT, CaseAction.SELF_RESOLVE)]
    for action in actions:
        operation = document["paths"][f"{API}/cases/{{number}}/{action.value}"]["post"]
        assert operation["operationId"] == f"case_{action.value}"
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert set(document["components"]["securitySchemes"]) == {"ApiKeyAuth", "SessionAuth"}
    assert document["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "X-API-Key"
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"ApiKeyAuth": []}, {"SessionAuth": []}]


def test_the_offered_actions_leave_out_what_the_case_s_own_data_forbids(cast) -> None:
    case = file_case(cast.grid_worker_a)
    for actor, action, given in [
        (cast.dispatcher, "accept", {}),
        (cast.dispatcher, "dispatch", {"department": "CG440703"}),
        (cast.department_handler, "sign", {}),
    ]:
        case = act(actor, case, action, **given)
    handler = logged_in(cast.department_handler)
    dispatcher = logged_in(cast.dispatcher)

    def offered(client) -> set[str]:
        body = client.get(f"{API}/cases/{case.number}").json()
        return {a["action"] for a in body["allowed_actions"]}

    assert "request_extension" in offered(handler)
    assert "approve_extension" not in offered(dispatcher)  # nothing is pending
    case = act(
        cast.department_handler,
        case,
        "request_extension",
        reason="等材料",
        new_deadline=case.due_at + timedelta(days=3),
    )
    assert "request_extension" not in offered(handler)
    assert {"approve_extension", "reject_extension"} <= offered(dispatcher)
    assert "approve_deferral" not in offered(dispatcher)
