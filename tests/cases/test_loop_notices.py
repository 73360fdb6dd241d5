"""Who hears of a step: inbox notices for whoever the case now waits for, and one webhook
delivery per event for upper-level platforms, written in the step's transaction (an outbox), so
a refused step sends nothing."""

from __future__ import annotations

import pytest

from tests.cases.loop_helpers import (
    DEPARTMENT,
    GRID_ENTRY_CATEGORY,
    RESIDENT,
    RESIDENT_PHONE,
    act,
    drive_to,
    file_case,
    footprint,
    fresh,
    upload,
)
from wangge.cases.exceptions import CaseError
from wangge.cases.services import ActionInput, perform
from wangge.cases.workflow import CaseState
from wangge.notifications.models import Notification, WebhookDelivery
from wangge.notifications.services import create_webhook


@pytest.fixture
def webhook(db):
    hook, _secret = create_webhook(None, name="市平台", url="http://127.0.0.1:9/")
    return hook


def notices(user, kind=None):
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("kind", "subject"))


def test_a_new_report_waits_for_the_dispatchers(cast):
    case = file_case(RESIDENT)
    assert notices(cast.dispatcher) == [("case_queued", case.number)]
    for user in (cast.department_handler, cast.grid_worker_a, cast.leader):
        assert notices(user) == []


def test_dispatching_puts_the_case_in_the_department_handler_s_inbox(cast):
    case = drive_to(cast, CaseState.ACCEPTED)
    Notification.objects.all().delete()
    case = act(cast.dispatcher, case, "dispatch", department=DEPARTMENT)
    notice = Notification.objects.get(user=cast.department_handler)
    assert (notice.kind, notice.subject) == ("case_queued", case.number)
    assert notice.link == f"/cases/{case.number}/"
    assert case.number in notice.title
    assert Notification.objects.count() == 1


def test_a_grid_entry_case_sent_to_a_grid_waits_for_that_grid_s_workers(cast):
    case = file_case(RESIDENT, category=GRID_ENTRY_CATEGORY)
    case = act(cast.dispatcher, case, "accept")
    case = act(cast.dispatcher, case, "dispatch", department=cast.tree.grid_a.code)
    assert notices(cast.grid_worker_a, "case_queued") == [("case_queued", case.number)]
    assert notices(cast.grid_worker_b) == []


def test_a_returned_case_comes_back_to_the_dispatchers(cast):
    case = drive_to(cast, CaseState.HANDLING)
    Notification.objects.all().delete()
    act(cast.department_handler, case, "return", reason="不属本部门")
    assert notices(cast.dispatcher) == [("case_returned", case.number)]
    assert notices(cast.department_handler) == []


def test_a_finished_case_waits_for_the_grid_workers_of_its_grid_to_verify(cast):
    case = drive_to(cast, CaseState.HANDLING)
    Notification.objects.all().delete()
    act(
        cast.department_handler,
        case,
        "finish",
        note="修好了",
        attachments=[upload(cast.department_handler)],
    )
    assert notices(cast.grid_worker_a) == [("case_queued", case.number)]
    assert notices(cast.grid_worker_b) == []


def test_closing_tells_the_account_that_reported_it(cast):
    case = drive_to(cast, CaseState.CLOSED, reporter=cast.grid_worker_b)
    assert notices(cast.grid_worker_b, "case_closed") == [("case_closed", case.number)]


def test_the_reporter_of_a_duplicate_is_told_when_the_master_closes(cast, webhook):
    master = drive_to(cast, CaseState.VERIFIED)
    duplicate = file_case(cast.grid_worker_b, description="这盏灯也坏了")
    act(cast.dispatcher, duplicate, "merge", master=master.number)
    assert notices(cast.grid_worker_b, "case_closed") == []
    master = act(cast.dispatcher, master, "close")
    notice = Notification.objects.get(user=cast.grid_worker_b, kind="case_closed")
    assert notice.subject == duplicate.number
    assert master.number in notice.title
    delivery = WebhookDelivery.objects.get(event_kind="case.master_closed")
    assert delivery.payload["number"] == duplicate.number
    assert delivery.payload["master"] == master.number


def test_every_event_is_one_webhook_delivery_without_personal_data(cast, webhook):
    case = drive_to(cast, CaseState.CLOSED)
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [d.event_kind for d in deliveries] == [
        "case.report",
        "case.accept",
        "case.dispatch",
        "case.sign",
        "case.finish",
        "case.verify",
        "case.close",
    ]
    assert [d.event_id for d in deliveries] == [f"{case.number}-{seq}" for seq in range(1, 8)]
    last = deliveries[-1].payload
    assert last["number"] == case.number and last["state"] == "closed"
    assert last["event"]["seq"] == 7 and last["event"]["from_state"] == "verified"
    text = str([d.payload for d in deliveries])
    assert RESIDENT_PHONE not in text and "陈女士" not in text


def test_a_dissatisfied_rating_sends_the_rating_and_the_reopening(cast, webhook):
    case = drive_to(cast, CaseState.CLOSED)
    WebhookDelivery.objects.all().delete()
    Notification.objects.all().delete()
    act(RESIDENT, case, "rate", rating="dissatisfied")
    assert list(WebhookDelivery.objects.order_by("id").values_list("event_kind", flat=True)) == [
        "case.rate",
        "case.reopen",
    ]
    # The department has it back.
    assert notices(cast.department_handler) == [("case_queued", case.number)]


@pytest.mark.parametrize(
    ("state", "persona", "action", "given"),
    [
        (CaseState.REPORTED, "department_handler", "accept", {}),
        (CaseState.REPORTED, "dispatcher", "sign", {}),
        (CaseState.ACCEPTED, "dispatcher", "dispatch", {"department": "NOPE"}),
        (CaseState.HANDLING, "department_handler", "finish", {"note": "x"}),
        (CaseState.CLOSED, "dispatcher", "rate", {"rating": "great"}),
    ],
)
def test_a_refused_step_notifies_no_one_and_sends_nothing(
    cast, webhook, state, persona, action, given
):
    case = fresh(drive_to(cast, state))
    before = footprint(case)
    with pytest.raises(CaseError):
        perform(getattr(cast, persona), case, action, ActionInput(**given))
    assert footprint(case) == before


def test_without_a_webhook_nothing_is_queued(cast):
    drive_to(cast, CaseState.CLOSED)
    assert not WebhookDelivery.objects.exists()


def test_the_actor_is_not_notified_of_their_own_step(cast):
    # A dispatcher who reports a case is not told that it waits for the dispatchers.
    file_case(cast.dispatcher)
    assert notices(cast.dispatcher) == []


def test_the_reporter_of_a_duplicate_of_a_duplicate_is_told_too(cast, webhook):
    master = drive_to(cast, CaseState.VERIFIED)
    middle = file_case(cast.community_staff, description="同一盏灯")
    first = file_case(cast.grid_worker_b, description="这盏灯也坏了")
    act(cast.dispatcher, first, "merge", master=middle.number)
    act(cast.dispatcher, middle, "merge", master=master.number)
    act(cast.dispatcher, master, "close")
    assert notices(cast.grid_worker_b, "case_closed") == [("case_closed", first.number)]
    assert notices(cast.community_staff, "case_closed") == [("case_closed", middle.number)]
    told = WebhookDelivery.objects.filter(event_kind="case.master_closed")
    assert sorted(d.payload["number"] for d in told) == sorted([first.number, middle.number])


def test_merging_into_a_closed_case_tells_the_duplicate_s_reporter_at_once(cast, webhook):
    master = drive_to(cast, CaseState.CLOSED)
    duplicate = file_case(cast.outsider)  # a resident with an account

    act(cast.dispatcher, duplicate, "merge", master=master.number)

    assert notices(cast.outsider, "case_closed") == [("case_closed", duplicate.number)]
    assert WebhookDelivery.objects.filter(event_kind="case.master_closed").count() == 1
