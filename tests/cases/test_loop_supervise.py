"""Supervision by hand (督办): a dispatcher, a leader or the system issues a card of level 1–3
against the unit answering for the case's current stage, escalated to the unit above it."""

from __future__ import annotations

import pytest

from tests.cases.loop_helpers import (
    RESIDENT,
    act,
    add_person,
    drive_to,
    refused,
)
from wangge.cases.exceptions import CaseInvalid, InvalidTransition, MissingRequirement, NotAllowed
from wangge.cases.models import SupervisionOrder
from wangge.cases.queries import Tab, my_queue
from wangge.cases.workflow import CaseState
from wangge.notifications.models import Notification
from wangge.org.roles import Role


def test_supervising_a_case_in_handling_targets_the_department_and_escalates_above_it(cast):
    case = drive_to(cast, CaseState.HANDLING)
    case = act(cast.dispatcher, case, "supervise", supervision_level=2, note="请加快办理")
    order = SupervisionOrder.objects.get(case=case)
    assert (order.stage, order.level) == ("handle", 2)
    assert order.responsible_unit == cast.tree.department
    assert order.escalated_to == cast.tree.district
    assert order.issued_by == cast.dispatcher
    assert order.stage_due_at == case.due_at
    assert order.note == "请加快办理"
    assert order.event == case.events.last()
    assert order.event.data == {
        "level": 2,
        "stage": "handle",
        "responsible": "CG440703",
        "escalated_to": "440703000000",
    }
    assert case.supervision_level == 2 and case.state == CaseState.HANDLING
    # The department hears of it, and so do the leaders of the unit it was escalated to.
    for user in (cast.department_handler, cast.leader):
        assert Notification.objects.filter(
            user=user, kind="case_supervised", subject=case.number
        ).exists()
    assert list(my_queue(cast.department_handler, Tab.SUPERVISED)) == [case]


def test_a_card_never_lowers_the_case_s_supervision_level(cast):
    case = drive_to(cast, CaseState.HANDLING)
    case = act(cast.leader, case, "supervise", supervision_level=3, note="红牌")
    case = act(cast.dispatcher, case, "supervise", supervision_level=1, note="催办")
    assert case.supervision_level == 3
    assert SupervisionOrder.objects.filter(case=case).count() == 2


def test_a_case_waiting_for_acceptance_is_supervised_against_its_dispatch_centre(cast):
    town_dispatcher = add_person("town_dispatcher", cast.tree.town, Role.DISPATCHER)
    case = drive_to(cast, CaseState.REPORTED)
    case = act(cast.leader, case, "supervise", supervision_level=1, note="尽快受理")
    order = SupervisionOrder.objects.get(case=case)
    assert order.stage == "accept"
    # The nearest dispatch centre above the case's grid answers for accepting it.
    assert order.responsible_unit == cast.tree.town
    assert order.escalated_to == cast.tree.district
    assert Notification.objects.filter(user=town_dispatcher, kind="case_supervised").exists()


def test_a_supervision_needs_a_level_from_one_to_three_and_a_note(cast):
    case = drive_to(cast, CaseState.HANDLING)
    error = refused(cast.dispatcher, case, "supervise", MissingRequirement, note="x")
    assert error.field == "supervision_level"
    error = refused(cast.dispatcher, case, "supervise", MissingRequirement, supervision_level=1)
    assert error.field == "note"
    for level in (0, 4, -1, "2"):
        error = refused(
            cast.dispatcher, case, "supervise", CaseInvalid, supervision_level=level, note="x"
        )
        assert error.field == "supervision_level"


def test_only_dispatchers_leaders_and_the_system_supervise(cast):
    case = drive_to(cast, CaseState.HANDLING)
    for actor in (
        cast.department_handler,
        cast.grid_worker_a,
        cast.community_staff,
        cast.administrator,
        cast.outsider,
        RESIDENT,
    ):
        refused(actor, case, "supervise", NotAllowed, supervision_level=1, note="x")
    case = act(None, case, "supervise", supervision_level=1, note="到期提醒")
    assert SupervisionOrder.objects.get(case=case).issued_by is None


def test_the_system_issues_each_card_once_per_deadline(cast):
    case = drive_to(cast, CaseState.HANDLING)
    case = act(None, case, "supervise", supervision_level=2, note="黄牌")
    error = refused(None, case, "supervise", CaseInvalid, supervision_level=2, note="黄牌")
    assert error.field == "supervision_level"
    # People may repeat a card; the sweep's once-per-deadline rule is for the system only.
    act(cast.dispatcher, case, "supervise", supervision_level=2, note="再次黄牌")
    assert SupervisionOrder.objects.filter(case=case, level=2).count() == 2


@pytest.mark.parametrize("state", [CaseState.CLOSED, CaseState.DECLINED, CaseState.MERGED])
def test_a_settled_case_is_not_supervised(cast, state):
    case = drive_to(cast, state)
    refused(cast.dispatcher, case, "supervise", InvalidTransition, supervision_level=1, note="x")
