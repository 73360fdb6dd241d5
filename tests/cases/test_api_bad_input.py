"""Bad input to the cases API is answered 4xx naming the field, never 500, and writes nothing:
no case, no event, no file."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.loop_helpers import IN_GRID_A, NOWHERE, file_case, photo_bytes
from tests.clients import logged_in
from wangge.cases.models import Attachment, Case, CaseEvent

API = "/api/v1"
GOOD = {
    "category": "C0104",
    "description": "路灯不亮",
    "lon": IN_GRID_A[0],
    "lat": IN_GRID_A[1],
}


def named(response) -> list[Any]:
    """The field each error names: the last part of its location."""
    return [error["loc"][-1] for error in response.json()["detail"]]


def nothing_written() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count()


@pytest.fixture
def worker(cast) -> Client:
    return logged_in(cast.grid_worker_a)


def report(client: Client, body: Any):
    return client.post(f"{API}/cases", body, "application/json")


def test_a_good_report_is_filed(worker):
    assert report(worker, GOOD).status_code == 201


# --- reports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "X9999"}, "category"),
        ({"category": "C01"}, "category"),  # a class, not a subcategory
        ({"description": "   "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"lat": None}, "lat"),  # a longitude without a latitude
        ({"lon": None}, "lon"),
        ({"lon": 181}, "lon"),
        ({"lat": float("nan")}, "lat"),
        ({"lon": None, "lat": None}, "location"),  # no place at all
        ({"reporter_phone": "12"}, "reporter_phone"),
        ({"grid": "NO-SUCH-GRID"}, "grid"),
        ({"attachments": ["1b4e28ba-2d11-4f7a-9c1e-6d5a3f2b8c90"]}, "attachments"),
        ({"category": "E0503"}, "attribute[people_trapped]"),  # a required attribute left out
        (
            {"category": "E0503", "attributes": {"people_trapped": "perhaps"}},
            "attribute[people_trapped]",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_refused_report_names_the_field_and_files_nothing(worker, change, field):
    # Given a report with one bad value
    before = nothing_written()

    # When it is sent
    response = report(worker, {**GOOD, **change})

    # Then that field is named, and no case is filed
    assert response.status_code == 422, response.content
    assert named(response) == [field]
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert nothing_written() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lon": "abc"}, "lon"),
        ({"attributes": ["pole", "12"]}, "attributes"),
        ({"category": 104}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"channel": "pigeon"}, "channel"),
        ({"attachments": ["not-a-uid"]}, 0),
        ({"resolve_on_the_spot": "perhaps"}, "resolve_on_the_spot"),
        ({"description": "灯\x00不亮"}, "description"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_value_of_the_wrong_type_is_named(worker, change, field):
    before = nothing_written()

    response = report(worker, {**GOOD, **change})

    assert response.status_code == 422, response.content
    assert field in response.json()["detail"][0]["loc"]
    assert nothing_written() == before


def test_a_report_without_a_description_names_it(worker):
    before = nothing_written()

    response = report(worker, {key: value for key, value in GOOD.items() if key != "description"})

    assert response.status_code == 422
    assert named(response) == ["description"]
    assert nothing_written() == before


@pytest.mark.parametrize("body", [b"{not json", b'{"category": "C0104",', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_bad_request(worker, body):
    before = nothing_written()

    response = report(worker, body)

    assert response.status_code == 400
    assert nothing_written() == before


@pytest.mark.parametrize("body", [b"[]", b'"a case"', b"null", b"42"])
def test_json_that_is_not_an_object_names_what_is_missing(worker, body):
    before = nothing_written()

    response = report(worker, body)

    assert response.status_code == 422
    assert set(named(response)) == {"category", "description"}
    assert nothing_written() == before


def test_a_point_outside_every_grid_is_filed_for_a_dispatcher_to_place(cast):
    # Given the hotline taking a call about a place no grid covers
    hotline = logged_in(cast.dispatcher)

    # When it files the case
    response = report(hotline, {**GOOD, "lon": NOWHERE[0], "lat": NOWHERE[1]})

    # Then it is filed at the top of the tree, flagged as needing a grid
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["needs_grid"] is True
    assert case["area"] == {"code": cast.tree.district.code, "name": "蓬江区"}
    assert "assign_grid" in [a["action"] for a in case["allowed_actions"]]


# --- uploads ----------------------------------------------------------------------------------


def upload(client: Client, name: str, content: bytes, **fields):
    return client.post(f"{API}/attachments", {"file": SimpleUploadedFile(name, content), **fields})


def test_an_oversized_photo_is_refused(worker, settings):
    # Given uploads limited to 1 MB
    settings.CASE_ATTACHMENT_MAX_MB = 1
    before = nothing_written()

    # When a photo of 1.5 MB is sent
    big = photo_bytes() + b"\0" * (3 * 2**19)
    response = upload(worker, "big.jpg", big, photo_only="true")

    # Then the file is named, and nothing is kept
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "file"], "msg": "The file is larger than 1 MB."}
    ]
    assert nothing_written() == before


def test_a_text_file_is_not_a_photo(worker):
    before = nothing_written()

    response = upload(worker, "photo.jpg", b"not a picture at all", photo_only="true")

    assert response.status_code == 422
    assert named(response) == ["file"]
    assert nothing_written() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [({}, "file"), ({"file": "text, not a file"}, "file"), ({"photo_only": "maybe"}, "photo_only")],
)
def test_an_upload_without_a_file_names_it(worker, fields, field):
    files = {} if "file" in fields or not fields else {"file": SimpleUploadedFile("a.jpg", b"x")}
    response = worker.post(f"{API}/attachments", {**files, **fields})

    assert response.status_code == 422
    assert field in named(response)
    assert Attachment.objects.count() == 0


# --- actions and lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("supervise", {"supervision_level": "high", "note": "快"}, "supervision_level"),
        ("supervise", {"supervision_level": 7, "note": "快"}, "supervision_level"),
        ("decline", {"reason": ["a", "b"]}, "reason"),
        ("decline", {"reason": "x" * 4001}, "reason"),
        ("accept", {"version": "latest"}, "version"),
        ("accept", {"category": "X9999"}, "category"),
        ("merge", {"master": "19700101000001"}, "master"),
        ("comment", {"note": "好\x00"}, "note"),
        ("assign_grid", {"grid": "\x00"}, "grid"),
        ("dispatch", {"department": "CG440703\x00"}, "department"),
        ("accept", {"attachments": "one"}, "attachments"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_bad_value_in_an_action_is_named(cast, action, body, field):
    # Given a case just reported
    case = file_case(cast.grid_worker_a)
    before = nothing_written()

    # When the dispatcher sends a bad value with an action
    response = logged_in(cast.dispatcher).post(
        f"{API}/cases/{case.number}/{action}", body, "application/json"
    )

    # Then it is named, and nothing is written
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"][0]["loc"]
    assert nothing_written() == before


def test_an_action_with_a_deadline_that_is_not_a_date_names_it(cast):
    case = file_case(cast.grid_worker_a)
    response = logged_in(cast.dispatcher).post(
        f"{API}/cases/{case.number}/request_extension",
        {"new_deadline": "next week", "reason": "忙"},
        "application/json",
    )
    assert response.status_code == 422
    assert "new_deadline" in response.json()["detail"][0]["loc"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"state": "lost"}, 0),
        ({"reported_from": "yesterday"}, "reported_from"),
        ({"overdue": "sometimes"}, "overdue"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"text": "灯\x00"}, "text"),
        ({"unit": "\x00"}, "unit"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_bad_filter_is_named(cast, query, field):
    response = logged_in(cast.dispatcher).get(f"{API}/cases", query)

    assert response.status_code == 422, response.content
    error = response.json()["detail"][0]
    assert error["loc"][0] == "query"
    assert field in error["loc"]


@pytest.mark.parametrize("path", ["/cases/%00", "/cases/%00/accept", "/categories/%00"])
def test_a_nul_in_the_path_is_refused_not_crashed_on(cast, path):
    client = logged_in(cast.dispatcher)
    if path.endswith("accept"):
        response = client.post(API + path, {}, "application/json")
    else:
        response = client.get(API + path)
    assert response.status_code in (404, 422)


def test_an_unknown_tab_is_named(cast):
    response = logged_in(cast.grid_worker_a).get(f"{API}/my/queue", {"tab": "to_accept"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "tab"], "msg": "This is not one of your tabs."}
    ]
