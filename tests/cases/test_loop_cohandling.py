"""Co-handling (主办/协办): a lead department and assisting ones, each with its own assignment
and deadline. An assisting department finishes its part; the lead finishes only after all did."""

from __future__ import annotations

import pytest

from tests.cases.loop_helpers import (
    DEPARTMENT,
    OTHER_DEPARTMENT,
    act,
    add_department,
    drive_to,
    refused,
    upload,
)
from wangge.cases.exceptions import CaseInvalid, MissingRequirement, NotAllowed
from wangge.cases.models import CaseAssignment
from wangge.cases.permissions import get_case_for_user, visible_cases
from wangge.cases.queries import Tab, my_queue
from wangge.cases.workflow import CaseState
from wangge.notifications.models import Notification


@pytest.fixture
def water(cast):
    return add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")


@pytest.fixture
def cohandled(cast, water):
    case = drive_to(cast, CaseState.ACCEPTED)
    return act(
        cast.dispatcher, case, "dispatch", department=DEPARTMENT, assisting=[OTHER_DEPARTMENT]
    )


def finish(cast, case):
    return act(
        cast.department_handler,
        case,
        "finish",
        note="修好了",
        attachments=[upload(cast.department_handler)],
    )


def test_dispatching_with_assisting_departments_gives_each_an_assignment_and_deadline(
    cast, water, cohandled
):
    rows = {a.role: a for a in CaseAssignment.objects.filter(case=cohandled, is_active=True)}
    assert rows["lead"].unit == cast.tree.department
    assert rows["assist"].unit == water.unit
    assert rows["lead"].due_at == rows["assist"].due_at == cohandled.handle_due_at
    assert cohandled.events.last().data["assisting"] == [OTHER_DEPARTMENT]
    # Both departments hear of it and find it in their work.
    for handler in (cast.department_handler, water.handler):
        assert Notification.objects.filter(
            user=handler, kind="case_queued", subject=cohandled.number
        ).exists()
        assert list(my_queue(handler, Tab.TO_HANDLE)) == [cohandled]
        assert get_case_for_user(handler, cohandled.number) == cohandled


def test_the_lead_cannot_finish_while_an_assisting_department_has_not(cast, water, cohandled):
    case = act(cast.department_handler, cohandled, "sign")
    error = refused(
        cast.department_handler,
        case,
        "finish",
        CaseInvalid,
        note="修好了",
        attachments=[upload(cast.department_handler)],
    )
    assert error.field == "assisting"
    assert "水务局" in str(error)
    case = act(water.handler, case, "finish_part", note="已修复水管")
    assignment = CaseAssignment.objects.get(case=case, role="assist")
    assert assignment.finished_at is not None and assignment.finished_note == "已修复水管"
    assert case.state == CaseState.HANDLING  # finishing a part moves nothing
    assert finish(cast, case).state == CaseState.HANDLED


def test_an_assisting_department_may_finish_its_part_before_the_lead_signs(cast, water, cohandled):
    case = act(water.handler, cohandled, "finish_part", note="已配合")
    assert case.state == CaseState.DISPATCHED
    case = act(cast.department_handler, case, "sign")
    assert finish(cast, case).state == CaseState.HANDLED


def test_finishing_a_part_needs_a_note_and_is_done_once(cast, water, cohandled):
    assert refused(water.handler, cohandled, "finish_part", MissingRequirement).field == "note"
    case = act(water.handler, cohandled, "finish_part", note="已配合")
    refused(water.handler, case, "finish_part", NotAllowed, note="再来一次")
    assert list(my_queue(water.handler, Tab.TO_HANDLE)) == []


def test_the_assisting_department_posts_progress_but_does_not_lead(cast, water, cohandled):
    refused(water.handler, cohandled, "sign", NotAllowed)
    case = act(cast.department_handler, cohandled, "sign")
    act(water.handler, case, "progress", note="已派人")
    for action in ("return", "finish", "request_extension"):
        refused(water.handler, case, action, NotAllowed, reason="x", note="x")
    refused(cast.department_handler, case, "finish_part", NotAllowed, note="x")


def test_a_department_is_named_once_and_only_departments_assist(cast, water):
    case = drive_to(cast, CaseState.ACCEPTED)
    for assisting in (
        [OTHER_DEPARTMENT, OTHER_DEPARTMENT],
        [DEPARTMENT],
        [cast.tree.grid_a.code],
        ["NOPE"],
    ):
        error = refused(
            cast.dispatcher,
            case,
            "dispatch",
            CaseInvalid,
            department=DEPARTMENT,
            assisting=assisting,
        )
        assert error.field == "assisting"


def test_reassigning_replaces_the_assignments(cast, water, cohandled):
    case = act(
        cast.dispatcher, cohandled, "reassign", department=OTHER_DEPARTMENT, reason="水务牵头"
    )
    active = CaseAssignment.objects.filter(case=case, is_active=True)
    assert [(a.role, a.unit_id) for a in active] == [("lead", water.unit.pk)]
    assert CaseAssignment.objects.filter(case=case, is_active=False).count() == 2
    assert list(my_queue(cast.department_handler, Tab.TO_HANDLE)) == []
    refused(cast.department_handler, case, "comment", NotAllowed, note="x")


def test_reassigning_to_the_same_lead_may_add_assisting_departments(cast, water):
    case = drive_to(cast, CaseState.HANDLING)
    case = act(
        cast.dispatcher,
        case,
        "reassign",
        department=DEPARTMENT,
        assisting=[OTHER_DEPARTMENT],
        reason="需水务配合",
    )
    assert case.state == CaseState.DISPATCHED
    assert CaseAssignment.objects.filter(case=case, is_active=True, role="assist").count() == 1


def test_reopening_asks_every_department_to_finish_again(cast, water, cohandled):
    case = act(water.handler, cohandled, "finish_part", note="已配合")
    case = act(cast.department_handler, case, "sign")
    case = finish(cast, case)
    case = act(cast.grid_worker_a, case, "verify", note="亮了")
    case = act(cast.dispatcher, case, "close")
    case = act(cast.dispatcher, case, "reopen", reason="又坏了")
    assert not CaseAssignment.objects.filter(
        case=case, is_active=True, finished_at__isnull=False
    ).exists()
    assert {a.due_at for a in CaseAssignment.objects.filter(case=case, is_active=True)} == {
        case.handle_due_at
    }
    error = refused(
        cast.department_handler,
        case,
        "finish",
        CaseInvalid,
        note="x",
        attachments=[upload(cast.department_handler)],
    )
    assert error.field == "assisting"
    assert water.handler in [
        u for u in [water.handler] if visible_cases(u).filter(pk=case.pk).exists()
    ]
