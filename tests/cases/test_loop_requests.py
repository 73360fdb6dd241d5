"""Requests for more time: the handler asks for an extension (延期) or a deferral (缓办) with a
new deadline and a reason; a dispatcher approves or rejects it. One request waits at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.cases.loop_helpers import (
    OTHER_DEPARTMENT,
    act,
    add_department,
    drive_to,
    refused,
    upload,
)
from wangge.cases.exceptions import CaseInvalid, InvalidTransition, MissingRequirement, NotAllowed
from wangge.cases.models import CaseAssignment
from wangge.cases.queries import Tab, my_queue
from wangge.cases.workflow import CaseState
from wangge.core.clock import frozen_at

# Monday 24 November 2025, 09:00 Beijing time: a plain working day.
MONDAY = datetime.fromisoformat("2025-11-24T09:00:00+08:00")


@pytest.fixture
def handling(cast):
    return drive_to(cast, CaseState.HANDLING)


@pytest.mark.parametrize("kind", ["extension", "deferral"])
def test_a_request_needs_a_later_deadline_and_a_reason(cast, kind):
    with frozen_at(MONDAY):
        handling = drive_to(cast, CaseState.HANDLING)
        later = handling.due_at + timedelta(days=5)
        error = refused(
            cast.department_handler,
            handling,
            f"request_{kind}",
            MissingRequirement,
            reason="等配件",
        )
        assert error.field == "new_deadline"
        error = refused(
            cast.department_handler,
            handling,
            f"request_{kind}",
            MissingRequirement,
            new_deadline=later,
        )
        assert error.field == "reason"
        for too_early in (
            handling.due_at,
            handling.due_at - timedelta(hours=1),
            MONDAY - timedelta(days=1),
        ):
            error = refused(
                cast.department_handler,
                handling,
                f"request_{kind}",
                CaseInvalid,
                new_deadline=too_early,
                reason="等配件",
            )
            assert error.field == "new_deadline"


@pytest.mark.parametrize("kind", ["extension", "deferral"])
def test_only_the_handling_department_asks_and_only_a_dispatcher_decides(cast, handling, kind):
    later = handling.due_at + timedelta(days=5)
    for actor in (cast.dispatcher, cast.grid_worker_a, cast.leader):
        refused(actor, handling, f"request_{kind}", NotAllowed, new_deadline=later, reason="x")
    case = act(
        cast.department_handler, handling, f"request_{kind}", new_deadline=later, reason="等配件"
    )
    for actor in (cast.department_handler, cast.leader, cast.grid_worker_a):
        refused(actor, case, f"approve_{kind}", NotAllowed)
        refused(actor, case, f"reject_{kind}", NotAllowed, reason="x")


def test_an_approved_extension_moves_the_deadline_and_restarts_the_ladder(cast):
    with frozen_at(MONDAY):
        handling = drive_to(cast, CaseState.HANDLING)
    later = handling.due_at + timedelta(days=5)
    with frozen_at(MONDAY + timedelta(hours=1)):
        case = act(
            cast.department_handler,
            handling,
            "request_extension",
            new_deadline=later,
            reason="等配件",
        )
    assert case.pending_request == "extension" and case.pending_due_at == later
    assert case.pending_reason == "等配件"
    assert case.due_at == handling.due_at  # nothing moves until a dispatcher decides
    assert list(my_queue(cast.dispatcher, Tab.REQUESTS)) == [case]
    with frozen_at(MONDAY + timedelta(hours=2)):
        case = act(cast.dispatcher, case, "supervise", supervision_level=2, note="请加快")
    assert case.supervision_level == 2
    with frozen_at(MONDAY + timedelta(hours=3)):
        case = act(cast.dispatcher, case, "approve_extension")
    assert case.state == CaseState.HANDLING
    assert case.due_at == case.handle_due_at == later
    assert case.supervision_level == 0 and case.warned_at is None
    assert case.stage_started_at < case.warn_at < later
    assert case.pending_request == "" and case.pending_due_at is None
    assert not case.is_deferred
    assert CaseAssignment.objects.get(case=case, is_active=True).due_at == later
    event = case.events.last()
    assert event.data == {
        "request": "extension",
        "new_deadline": later.isoformat(),
        "approved": True,
    }
    assert list(my_queue(cast.dispatcher, Tab.REQUESTS)) == []


def test_an_approved_deferral_moves_the_deadline_and_marks_the_case_deferred(cast, handling):
    later = handling.due_at + timedelta(days=30)
    case = act(
        cast.department_handler,
        handling,
        "request_deferral",
        new_deadline=later,
        reason="汛期后施工",
    )
    case = act(cast.dispatcher, case, "approve_deferral")
    assert case.is_deferred and case.due_at == later


@pytest.mark.parametrize("kind", ["extension", "deferral"])
def test_a_rejected_request_leaves_the_deadline_and_needs_a_reason(cast, handling, kind):
    later = handling.due_at + timedelta(days=5)
    case = act(cast.department_handler, handling, f"request_{kind}", new_deadline=later, reason="x")
    assert refused(cast.dispatcher, case, f"reject_{kind}", MissingRequirement).field == "reason"
    case = act(cast.dispatcher, case, f"reject_{kind}", reason="时间足够")
    assert case.due_at == handling.due_at and case.pending_request == ""
    assert not case.is_deferred
    assert case.events.last().data["approved"] is False


def test_one_request_waits_at_a_time_and_a_decision_needs_a_request_of_its_kind(cast, handling):
    later = handling.due_at + timedelta(days=5)
    for action in ("approve_extension", "approve_deferral"):
        assert refused(cast.dispatcher, handling, action, CaseInvalid).field == "request"
    case = act(
        cast.department_handler, handling, "request_extension", new_deadline=later, reason="x"
    )
    error = refused(
        cast.department_handler,
        case,
        "request_deferral",
        CaseInvalid,
        new_deadline=later,
        reason="y",
    )
    assert error.field == "new_deadline"
    assert refused(cast.dispatcher, case, "approve_deferral", CaseInvalid).field == "request"
    assert (
        refused(cast.dispatcher, case, "reject_deferral", CaseInvalid, reason="x").field
        == "request"
    )


def test_requests_are_only_made_while_handling(cast):
    case = drive_to(cast, CaseState.DISPATCHED)
    later = case.due_at + timedelta(days=5)
    refused(
        cast.department_handler,
        case,
        "request_extension",
        InvalidTransition,
        new_deadline=later,
        reason="x",
    )


def test_finishing_drops_a_waiting_request(cast, handling):
    later = handling.due_at + timedelta(days=5)
    case = act(
        cast.department_handler, handling, "request_extension", new_deadline=later, reason="x"
    )
    case = act(
        cast.department_handler,
        case,
        "finish",
        note="修好了",
        attachments=[upload(cast.department_handler)],
    )
    assert case.pending_request == "" and case.pending_due_at is None


def test_returning_drops_a_waiting_request(cast, handling):
    later = handling.due_at + timedelta(days=5)
    case = act(
        cast.department_handler, handling, "request_extension", new_deadline=later, reason="x"
    )
    case = act(cast.department_handler, case, "return", reason="不属本部门")
    assert case.pending_request == "" and case.pending_due_at is None


def test_reassigning_drops_the_old_department_s_request_and_deferral(cast, handling):
    water = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    later = handling.due_at + timedelta(days=30)
    case = act(
        cast.department_handler, handling, "request_deferral", new_deadline=later, reason="x"
    )
    case = act(cast.dispatcher, case, "approve_deferral")
    case = act(
        cast.department_handler,
        case,
        "request_extension",
        new_deadline=later + timedelta(days=1),
        reason="y",
    )
    case = act(cast.dispatcher, case, "reassign", department=OTHER_DEPARTMENT, reason="属水务")
    assert case.pending_request == "" and case.pending_due_at is None and case.pending_reason == ""
    assert not case.is_deferred
    assert case.due_at == case.handle_due_at < later
    case = act(water.handler, case, "sign")
    assert list(my_queue(cast.dispatcher, Tab.REQUESTS)) == []
    # The new department may ask for its own.
    case = act(water.handler, case, "request_extension", new_deadline=later, reason="z")
    assert case.pending_request == "extension"


def test_reopening_gives_a_fresh_handling_deadline_that_is_not_deferred(cast, handling):
    later = handling.due_at + timedelta(days=30)
    case = act(
        cast.department_handler, handling, "request_deferral", new_deadline=later, reason="x"
    )
    case = act(cast.dispatcher, case, "approve_deferral")
    case = act(
        cast.department_handler,
        case,
        "finish",
        note="修好了",
        attachments=[upload(cast.department_handler)],
    )
    case = act(cast.grid_worker_a, case, "verify", note="亮了")
    case = act(cast.dispatcher, case, "close")
    case = act(cast.dispatcher, case, "reopen", reason="群众再次来电")
    assert not case.is_deferred
    assert case.due_at == case.handle_due_at < later
