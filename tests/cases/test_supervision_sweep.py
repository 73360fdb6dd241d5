"""The worker's deadline sweep: a due-soon notice once, then reminder, yellow and red cards,
each once, against the unit responsible and escalated one level up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.cases.loop_helpers import act, file_case
from wangge.cases.models import SupervisionOrder
from wangge.cases.services.supervision import sweep_deadlines
from wangge.core import clock
from wangge.core.calendar import add_working_days
from wangge.notifications.models import Notification

MONDAY_9 = datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _reported(cast):
    with clock.frozen_at(MONDAY_9):
        return file_case(cast.grid_worker_a)


def test_a_due_soon_notice_goes_out_once_when_the_stage_turns_yellow(cast) -> None:
    case = _reported(cast)
    assert MONDAY_9 < case.warn_at < case.due_at

    early = sweep_deadlines(case.warn_at - timedelta(minutes=1))
    first = sweep_deadlines(case.warn_at + timedelta(minutes=1))
    second = sweep_deadlines(case.warn_at + timedelta(minutes=2))

    assert (early.warned, first.warned, second.warned) == (0, 1, 0)
    notices = Notification.objects.filter(user=cast.dispatcher, kind="case_due_soon")
    assert notices.count() == 1


def test_late_acceptance_climbs_the_ladder_one_card_at_a_time(cast) -> None:
    case = _reported(cast)
    due = case.due_at
    category = case.category

    at_deadline = sweep_deadlines(due + timedelta(minutes=1))
    again = sweep_deadlines(due + timedelta(minutes=2))
    yellow = sweep_deadlines(add_working_days(due, category.accept_yellow_days))
    red = sweep_deadlines(add_working_days(due, category.accept_red_days))
    after_red = sweep_deadlines(add_working_days(due, category.accept_red_days + 3))

    assert [r.supervised for r in (at_deadline, again, yellow, red, after_red)] == [1, 0, 1, 1, 0]
    orders = list(SupervisionOrder.objects.filter(case=case).order_by("level"))
    assert [o.level for o in orders] == [1, 2, 3]
    assert all(o.issued_by is None and o.stage == "accept" for o in orders)
    # Acceptance is the dispatch centre's: the district, which has no parent to escalate to.
    assert {o.responsible_unit for o in orders} == {cast.tree.district}
    case.refresh_from_db()
    assert case.supervision_level == 3
    assert (
        list(case.events.values_list("action", "actor_kind"))[-3:] == [("supervise", "system")] * 3
    )


def test_late_handling_is_carded_against_the_department_and_escalated_above_it(cast) -> None:
    case = _reported(cast)
    with clock.frozen_at(MONDAY_9 + timedelta(minutes=10)):
        case = act(cast.dispatcher, case, "accept")
        case = act(cast.dispatcher, case, "dispatch", department="CG440703")
    assert case.stage == "handle"
    assert case.supervision_level == 0

    sweep_deadlines(case.due_at + timedelta(minutes=1))

    order = SupervisionOrder.objects.get(case=case)
    assert (order.stage, order.level) == ("handle", 1)
    assert order.responsible_unit == cast.tree.department
    assert order.escalated_to == cast.tree.district
    assert Notification.objects.filter(
        user=cast.department_handler, kind="case_supervised"
    ).exists()


def test_an_approved_extension_restarts_the_ladder(cast) -> None:
    case = _reported(cast)
    with clock.frozen_at(MONDAY_9 + timedelta(minutes=10)):
        case = act(cast.dispatcher, case, "accept")
        case = act(cast.dispatcher, case, "dispatch", department="CG440703")
        case = act(cast.department_handler, case, "sign")
    late = case.due_at + timedelta(minutes=1)
    sweep_deadlines(late)
    case.refresh_from_db()
    assert case.supervision_level == 1
    with clock.frozen_at(late + timedelta(minutes=1)):
        new_deadline = case.due_at + timedelta(days=7)
        case = act(
            cast.department_handler,
            case,
            "request_extension",
            reason="材料未到",
            new_deadline=new_deadline,
        )
        case = act(cast.dispatcher, case, "approve_extension")

    assert case.due_at == new_deadline
    assert case.supervision_level == 0
    assert sweep_deadlines(late + timedelta(minutes=5)).supervised == 0
