"""Random walks through the loop on real data: any action, by anyone, with plausible or bad
input, on a few cases at once. Whatever happens, the log explains the case and a refusal writes
nothing.

Each example runs in a savepoint of the test's transaction and is rolled back at teardown, so
examples do not see each other's cases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import event as note_for_statistics
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.cases.loop_helpers import (
    DEPARTMENT,
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    IN_GRID_B,
    NOWHERE,
    OTHER_DEPARTMENT,
    OTHER_RESIDENT,
    RESIDENT,
    add_department,
    assert_log_explains,
    file_case,
    footprint,
    fresh,
    plausible,
    upload,
)
from wangge.cases.exceptions import CaseError
from wangge.cases.models import AssignmentRole, Case, CaseAssignment, CaseEvent, Stage
from wangge.cases.permissions import actor_kinds_for, assisting_paths
from wangge.cases.services import ActionInput, Report, perform, report_case
from wangge.cases.workflow import OPEN_STATES, CaseAction, CaseState, transition, transitions_from
from wangge.core import clock
from wangge.notifications.services import create_webhook

_STAGE_OF = {
    CaseState.REPORTED: Stage.ACCEPT,
    CaseState.ACCEPTED: Stage.DISPATCH,
    CaseState.DISPATCHED: Stage.HANDLE,
    CaseState.HANDLING: Stage.HANDLE,
}
_ACTIONS = [a for a in CaseAction if a not in (CaseAction.REPORT, CaseAction.SELF_RESOLVE)]
_GRIDS = ("440703006107001", "440703006107002", "440703002129001")
_UNITS = ("", DEPARTMENT, OTHER_DEPARTMENT, *_GRIDS, "NOPE")


def _random_input(data: st.DataObject, actor: Any, numbers: list[str]) -> ActionInput:
    """Anything a careless client might send."""
    draw = data.draw
    attachments: list[str] = draw(st.sampled_from([[], ["evidence"], ["not-a-uid"]]))
    if attachments == ["evidence"]:
        attachments = [upload(actor)]
    days = draw(st.none() | st.integers(-3, 40))
    return ActionInput(
        note=draw(st.sampled_from(["", "  ", "处理情况", "x" * 4001])),
        reason=draw(st.sampled_from(["", "原因"])),
        department=draw(st.sampled_from(_UNITS)),
        assisting=draw(st.lists(st.sampled_from(_UNITS[1:3]), max_size=2)),
        new_deadline=None if days is None else clock.now() + timedelta(days=days),
        rating=draw(st.sampled_from(["", "satisfied", "basically_satisfied", "dissatisfied", "x"])),
        master=draw(st.sampled_from(["", "nope", *numbers])),
        category=draw(st.sampled_from(["", "C0104", "E0101", "C01", "ZZZ"])),
        supervision_level=draw(st.none() | st.integers(0, 4)),
        grid=draw(st.sampled_from((*_GRIDS, "", "NOPE"))),
        attachments=attachments,
        resolved=draw(st.booleans()),
    )


# Cases that will not move again in a walk (a closed case still may: rate, reopen).
_SETTLED = frozenset({CaseState.DECLINED, CaseState.MERGED})
_FORWARD = {
    CaseState.REPORTED: CaseAction.ACCEPT,
    CaseState.ACCEPTED: CaseAction.DISPATCH,
    CaseState.DISPATCHED: CaseAction.SIGN,
    CaseState.HANDLING: CaseAction.FINISH,
    CaseState.HANDLED: CaseAction.VERIFY,
    CaseState.VERIFIED: CaseAction.CLOSE,
    CaseState.CLOSED: CaseAction.RATE,
}


def _forward(case: Case) -> CaseAction:
    """The step that takes `case` on round the loop (an assisting department first)."""
    state = CaseState(case.state)
    if state == CaseState.CLOSED and case.rating:
        return CaseAction.INSTRUCT
    if state in (CaseState.DISPATCHED, CaseState.HANDLING) and assisting_paths(case):
        return CaseAction.FINISH_PART
    if state == CaseState.HANDLING and case.pending_request == "extension":
        return CaseAction.APPROVE_EXTENSION
    if state == CaseState.HANDLING and case.pending_request == "deferral":
        return CaseAction.APPROVE_DEFERRAL
    return _FORWARD.get(state, CaseAction.INSTRUCT)


class LoopMachine(RuleBasedStateMachine):
    def __init__(self, cast: Any, water_handler: Any) -> None:
        super().__init__()
        self.cast = cast
        self.personas: list[Any] = [
            cast.grid_worker_a,
            cast.grid_worker_b,
            cast.community_staff,
            cast.dispatcher,
            cast.department_handler,
            water_handler,  # of 水务局, which may assist
            cast.leader,
            cast.administrator,
            cast.outsider,
            RESIDENT,
            OTHER_RESIDENT,
            None,
        ]
        self.savepoint = transaction.savepoint()
        self.cases: list[Case] = [
            # 路灯 in grid A, from a resident: for departments.
            file_case(RESIDENT),
            # 暴露垃圾 in grid B, from its grid worker: may go down to the grid.
            file_case(cast.grid_worker_b, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY),
            # Somewhere no grid covers, from another resident: needs a grid.
            file_case(OTHER_RESIDENT, at=NOWHERE),
            # Resolved on the spot in grid A: closed from the start.
            report_case(
                cast.grid_worker_a,
                Report(
                    category=GRID_ENTRY_CATEGORY,
                    description="路边有一堆垃圾",
                    lon=IN_GRID_A[0],
                    lat=IN_GRID_A[1],
                    note="已清理",
                    attachments=[upload(cast.grid_worker_a)],
                ),
                resolve_on_the_spot=True,
            ).case,
        ]
        self.numbers = [case.number for case in self.cases]

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        moving = list(
            Case.objects.filter(pk__in=[c.pk for c in self.cases])
            .exclude(state__in=_SETTLED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        pk = data.draw(st.sampled_from(moving or [c.pk for c in self.cases]), label="case")
        case = fresh(Case(pk=pk))
        state = CaseState(case.state)
        # Mostly the next step of the loop or another step the table has, by someone who holds
        # a part in it, with what it needs; sometimes anything at all, by anyone.
        mode = data.draw(st.sampled_from(["forward", "forward", "table", "any"]), label="mode")
        if mode == "any" or not transitions_from(state):
            action = data.draw(st.sampled_from(_ACTIONS), label="action")
            actor = data.draw(st.sampled_from(self.personas), label="actor")
            given = _random_input(data, actor, self.numbers)
        else:
            if mode == "forward":
                action = _forward(case)
            else:
                action = data.draw(st.sampled_from(transitions_from(state)), label="step").action
            step = transition(action, state)
            assists = assisting_paths(case)
            entitled = [p for p in self.personas if step.actors & actor_kinds_for(p, case, assists)]
            actor = data.draw(st.sampled_from(entitled or self.personas), label="actor")
            others = [number for number in self.numbers if number != case.number]
            master = data.draw(st.sampled_from(others), label="master")
            given = plausible(action, actor, case, master)
            if action in (CaseAction.DISPATCH, CaseAction.REASSIGN):
                given.assisting = data.draw(
                    st.sampled_from([(), (OTHER_DEPARTMENT,)]), label="assisting"
                )
                if case.category.is_grid_entry:
                    given.department = data.draw(
                        st.sampled_from([DEPARTMENT, case.area.code]), label="unit"
                    )
        if action == CaseAction.RATE:
            given.rating = data.draw(st.sampled_from(["satisfied", "dissatisfied"]), label="rating")
        before = footprint(case)
        try:
            event = perform(actor, case, action, given)
        except CaseError as refusal:
            note_for_statistics(f"refused: {type(refusal).__name__}")
            assert footprint(case) == before, (action, state)
            return
        note_for_statistics(f"done: {state.value} {action}")
        stored = fresh(case)
        assert event.seq == before["case"]["version"] + 1
        assert event.from_state == state
        assert stored.version in (event.seq, event.seq + 1)  # + the automatic reopen
        if stored.version == event.seq + 1:
            assert action == CaseAction.RATE
            assert given.rating == "dissatisfied"
            assert stored.state == CaseState.HANDLING

    @invariant()
    def every_case_is_explained_by_its_log_and_keeps_the_loop_s_rules(self) -> None:
        cases = list(Case.objects.filter(pk__in=[c.pk for c in self.cases]))
        events = list(CaseEvent.objects.filter(case__in=cases).order_by("case_id", "seq"))
        leads: dict[int, list[int]] = {}
        active: set[int] = set()
        for row in CaseAssignment.objects.filter(case__in=cases, is_active=True):
            active.add(row.case_id)
            if row.role == AssignmentRole.LEAD:
                leads.setdefault(row.case_id, []).append(row.unit_id)
        for case in cases:
            log = [e for e in events if e.case_id == case.pk]
            assert_log_explains(case, log)
            # The deadline running is the one of the state.
            expected = _STAGE_OF.get(CaseState(case.state), "")
            assert case.stage == expected, (case.state, case.stage)
            assert (case.due_at is None) == (expected == ""), (case.state, case.due_at)
            if case.due_at is not None and case.warn_at is not None:
                assert case.warn_at <= case.due_at
            # A request for more time waits only while the case is being handled.
            if case.pending_request:
                assert case.state == CaseState.HANDLING, case.state
                assert case.pending_due_at is not None
            # The active assignments follow the handling unit.
            if case.department_id is None:
                assert case.pk not in active
            else:
                assert leads.get(case.pk) == [case.department_id]
            if case.state in (CaseState.REPORTED, CaseState.ACCEPTED):
                assert case.department_id is None
            # Rated at most once per closing; only a closed case carries a rating.
            closings = [e for e in log if e.to_state == CaseState.CLOSED != e.from_state]
            assert sum(e.action == CaseAction.RATE for e in log) <= len(closings)
            if case.rating:
                assert case.state == CaseState.CLOSED
            if case.state in OPEN_STATES:
                assert case.closed_at is None


def test_random_actions_by_anyone_keep_every_case_explained_by_its_log(cast) -> None:
    water_handler = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler").handler
    create_webhook(None, name="市平台", url="http://127.0.0.1:9/")  # refusals must queue nothing
    run_state_machine_as_test(
        lambda: LoopMachine(cast, water_handler),
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
