"""Deadlines through the loop, on a frozen clock: the acceptance deadline from the category at
intake, the dispatch deadline on accepting, the handling deadline set at dispatch; yellow at
80 % of a deadline and red past it, read from stored timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.cases.loop_helpers import DEPARTMENT, act, file_case, upload
from wangge.cases.deadlines import deadline_light, stage_due_at
from wangge.cases.models import CaseAssignment
from wangge.cases.queries import CaseFilters, search_cases
from wangge.core.clock import frozen_at

# Monday 24 November 2025 in Beijing time; office hours 08:30–12:00 and 14:00–17:30.
TZ = "+08:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2025-11-{text}{TZ}")


def test_the_acceptance_deadline_comes_from_the_category_in_working_hours(cast):
    with frozen_at(at("24T09:00")):
        case = file_case(cast.grid_worker_a)  # 路灯: accept within one working hour
    assert case.accept_due_at == case.due_at == at("24T10:00")
    assert case.stage == "accept" and case.stage_started_at == at("24T09:00")
    assert case.warn_at == at("24T09:48")
    assert deadline_light(case.due_at, case.warn_at, at("24T09:47")) == "green"
    assert deadline_light(case.due_at, case.warn_at, at("24T09:48")) == "yellow"
    assert deadline_light(case.due_at, case.warn_at, at("24T10:00")) == "yellow"
    assert deadline_light(case.due_at, case.warn_at, at("24T10:01")) == "red"


def test_a_case_reported_on_friday_evening_is_due_on_monday_morning(cast):
    with frozen_at(at("21T17:00")):
        case = file_case(cast.grid_worker_a)
    # Half an hour on Friday, the other half from 08:30 on Monday.
    assert case.due_at == at("24T09:00")
    assert case.warn_at == at("24T08:48")
    assert deadline_light(case.due_at, case.warn_at, at("23T12:00")) == "green"  # Sunday


def test_an_emergency_runs_on_the_wall_clock(cast):
    with frozen_at(at("22T22:00")):  # Saturday night
        case = file_case(cast.grid_worker_a, category="E0501", description="路面塌陷")
    assert case.due_at == at("22T22:30")
    assert case.warn_at == at("22T22:24")


def test_each_stage_starts_its_own_deadline(cast):
    with frozen_at(at("24T09:00")):
        case = file_case(cast.grid_worker_a)
    with frozen_at(at("24T09:30")):
        case = act(cast.dispatcher, case, "accept")
    assert case.responded_at == at("24T09:30")
    assert case.stage == "dispatch" and case.stage_started_at == at("24T09:30")
    assert case.due_at == at("24T10:30")
    with frozen_at(at("24T10:00")):
        case = act(cast.dispatcher, case, "dispatch", department=DEPARTMENT)
    # 路灯 is handled within three working days of the dispatch.
    assert case.handle_due_at == case.due_at == at("27T10:00")
    assert case.handle_due_at == stage_due_at(case.category, "handle", at("24T10:00"))
    assert case.stage == "handle" and case.stage_started_at == at("24T10:00")
    assert CaseAssignment.objects.get(case=case).due_at == at("27T10:00")
    assert case.warn_at is not None and at("24T10:00") < case.warn_at < at("27T10:00")
    with frozen_at(at("25T09:00")):
        case = act(cast.department_handler, case, "sign")
    assert case.due_at == at("27T10:00") and case.stage_started_at == at("24T10:00")
    with frozen_at(at("26T09:00")):
        evidence = upload(cast.department_handler)
        case = act(cast.department_handler, case, "finish", note="修好了", attachments=[evidence])
    # Waiting for verification runs against no deadline.
    assert case.stage == "" and case.due_at is None and case.warn_at is None
    assert deadline_light(case.due_at, case.warn_at, at("28T09:00")) == ""


def test_a_late_case_is_red_and_found_by_the_overdue_filter(cast):
    with frozen_at(at("24T09:00")):
        late = file_case(cast.grid_worker_a)
    with frozen_at(at("24T11:00")):
        fresh_case = file_case(cast.grid_worker_a)
        now = at("24T11:00")
        overdue = search_cases(cast.dispatcher, CaseFilters(overdue=True), now=now)
        on_time = search_cases(cast.dispatcher, CaseFilters(overdue=False), now=now)
    assert list(overdue) == [late]
    assert list(on_time) == [fresh_case]
    assert deadline_light(late.due_at, late.warn_at, now) == "red"


def test_returning_starts_a_fresh_dispatch_deadline(cast):
    with frozen_at(at("24T09:00")):
        case = file_case(cast.grid_worker_a)
        case = act(cast.dispatcher, case, "accept")
        case = act(cast.dispatcher, case, "dispatch", department=DEPARTMENT)
    with frozen_at(at("25T14:00")):
        case = act(cast.department_handler, case, "return", reason="不属本部门")
    assert case.stage == "dispatch" and case.stage_started_at == at("25T14:00")
    assert case.due_at == at("25T15:00")
    assert case.handle_due_at is None and case.dispatched_at is None


def test_the_time_of_a_stage_is_counted_from_the_stored_start(cast):
    with frozen_at(at("24T09:00")):
        case = file_case(cast.grid_worker_a)
    with frozen_at(at("24T09:50")):
        case = act(cast.leader, case, "instruct", note="抓紧")
    # Acting on the case moves no deadline of the stage it is in.
    assert case.due_at == at("24T10:00") and case.warn_at == at("24T09:48")
    assert (
        deadline_light(case.due_at, case.warn_at, at("24T09:50") + timedelta(minutes=1)) == "yellow"
    )
