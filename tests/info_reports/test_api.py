"""The information-reports API under /api/v1/info-reports: a first report with an uploaded
photo, refusals as 422 naming the field, 404 outside scope, 409 for the wrong state, sign-for
once, constant queries on the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.cases.loop_helpers import upload
from tests.clients import logged_in
from tests.info_reports.helpers import T0, at, first_report
from wangge.info_reports.models import InfoReport

pytestmark = pytest.mark.django_db
API = "/api/v1/info-reports"


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", body, "application/json")


def named(response: Any) -> list[Any]:
    return [error["loc"][-1] for error in response.json()["detail"]]


def _body(**change: Any) -> dict[str, Any]:
    body = {
        "kind": "fire",
        "title": "石冲路民房起火",
        "description": "二楼起火",
        "happened_at": (T0 - timedelta(minutes=20)).isoformat(),
        "known_at": (T0 - timedelta(minutes=15)).isoformat(),
        "injured": 1,
    }
    body.update(change)
    return body


def test_a_first_report_with_a_photo_is_created_and_listed(cast):
    client = logged_in(cast.grid_worker_a)
    with at(T0):
        uid = upload(cast.grid_worker_a)
        created = post(client, "", _body(attachments=[uid], address="石冲路12号"))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["to_unit"] == cast.tree.district.code and data["first_report_light"] == "green"
    assert data["timeline"][0]["kind"] == "first" and data["timeline"][0]["attachments"] == [uid]
    listed = client.get(API).json()["items"]
    assert [r["number"] for r in listed] == [data["number"]]
    received = logged_in(cast.dispatcher).get(f"{API}?received=true&unsigned=true").json()
    assert [r["id"] for r in received["items"]] == [data["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"known_at": (T0 + timedelta(minutes=1)).isoformat()}, "known_at"),
        ({"happened_at": T0.isoformat()}, "known_at"),
        ({"known_at": None}, "known_at"),
        ({"kind": "no_such"}, "kind"),
        ({"title": ""}, "title"),
        ({"to_unit": "nowhere"}, "to_unit"),
        ({"to_unit": "440703002000"}, "to_unit"),
        ({"attachments": ["not-a-uid"]}, "attachments"),
        ({"injured": -1}, "injured"),
        ({"known_at": "2026-11-20T10:00:00"}, "known_at"),
    ],
)
def test_bad_values_are_a_422_naming_the_field(cast, change, field):
    with at(T0):
        response = post(logged_in(cast.grid_worker_a), "", _body(**change))
    assert response.status_code == 422, response.content
    assert field in named(response)
    assert not InfoReport.objects.exists()


def test_others_get_404(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
    other = logged_in(cast.grid_worker_b)
    assert other.get(f"{API}/{report.pk}").status_code == 404
    assert post(other, f"/{report.pk}/continued", {"text": "x"}).status_code == 404
    assert post(other, f"/{report.pk}/sign", {}).status_code == 404
    assert other.get(API).json()["items"] == []
    assert Client().get(f"{API}/{report.pk}").status_code == 401


def test_continued_then_final_then_409(cast):
    client = logged_in(cast.grid_worker_a)
    with at(T0):
        report = first_report(cast.grid_worker_a)
        continued = post(client, f"/{report.pk}/continued", {"text": "火势控制", "injured": 2})
        assert continued.status_code == 201, continued.content
        assert continued.json()["report"]["state"] == "following"
        assert continued.json()["entry"]["injured"] == 2
        empty = post(client, f"/{report.pk}/final", {"text": ""})
        assert empty.status_code == 422 and named(empty) == ["text"]
        final = post(client, f"/{report.pk}/final", {"text": "明火扑灭"})
        assert final.status_code == 201 and final.json()["report"]["state"] == "finished"
        assert post(client, f"/{report.pk}/continued", {"text": "再报"}).status_code == 409


def test_a_dispatcher_signs_for_it_once(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        client = logged_in(cast.dispatcher)
        signed = post(client, f"/{report.pk}/sign", {})
        assert signed.status_code == 200
        assert signed.json()["receipts"][0]["signed_by"] == cast.dispatcher.display_name
        assert post(client, f"/{report.pk}/sign", {}).status_code == 409
        assert post(logged_in(cast.grid_worker_a), f"/{report.pk}/sign", {}).status_code == 403


def test_the_list_keeps_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    with at(T0):
        for n in range(5):
            first_report(cast.grid_worker_a, title=f"报告{n}")
    client = logged_in(cast.dispatcher)
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}?received=true")
    assert len(response.json()["items"]) == 5
