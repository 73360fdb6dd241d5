"""The inbox over the API: my own notices only, the unread count, marking read."""

from __future__ import annotations

from django.test import Client

from tests.cases.loop_helpers import act, file_case
from tests.clients import logged_in
from wangge.notifications.models import Notification

API = "/api/v1"


def test_a_handler_reads_the_notice_of_a_case_dispatched_to_them(cast) -> None:
    case = file_case(cast.grid_worker_a)
    case = act(cast.dispatcher, case, "accept")
    act(cast.dispatcher, case, "dispatch", department="CG440703")
    handler = logged_in(cast.department_handler)

    inbox = handler.get(f"{API}/notifications").json()

    assert inbox["unread"] == 1
    (notice,) = inbox["items"]
    assert notice["kind"] == "case_queued"
    assert notice["subject"] == case.number
    assert notice["link"] == f"/cases/{case.number}/"


def test_marking_read_touches_only_my_notices(cast, django_assert_max_num_queries) -> None:
    case = file_case(cast.grid_worker_a)  # the dispatcher is told of the new case
    dispatcher_notice = Notification.objects.get(user=cast.dispatcher, subject=case.number)
    intruder = logged_in(cast.department_handler)

    answer = intruder.post(
        f"{API}/notifications/read",
        {"ids": [dispatcher_notice.pk]},
        content_type="application/json",
    ).json()

    assert answer == {"marked": 0, "unread": 0}
    dispatcher_notice.refresh_from_db()
    assert dispatcher_notice.read_at is None
    mine = logged_in(cast.dispatcher)
    with django_assert_max_num_queries(6):
        assert mine.get(f"{API}/notifications?unread_only=true").json()["unread"] == 1
    marked = mine.post(
        f"{API}/notifications/read", {"all": True}, content_type="application/json"
    ).json()
    assert marked == {"marked": 1, "unread": 0}


def test_the_inbox_needs_a_login(db) -> None:
    assert Client().get(f"{API}/notifications").status_code == 401
