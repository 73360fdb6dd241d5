"""The transition table, tested exhaustively on real data through `perform()`.

For every state a case can be in (brought there through the real services) and every action:
- a step the table does not have is refused with InvalidTransition, whoever asks (the most
  powerful personas and the system stand for everyone), and writes nothing;
- a step it has is refused with NotAllowed, writing nothing, for exactly the personas the table
  (and the case's relations) leave out; every persona it names succeeds with exactly one event
  that moves the case where the table says.
Each try runs in a savepoint that is rolled back, so one case serves every try of its state.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.loop_helpers import (
    OTHER_DEPARTMENT,
    OTHER_RESIDENT,
    RESIDENT,
    add_department,
    drive_to,
    file_case,
    footprint,
    fresh,
    plausible,
    rolled_back,
)
from wangge.cases.exceptions import CaseInvalid, InvalidTransition, NotAllowed
from wangge.cases.models import Case, CaseEvent
from wangge.cases.services import ActionInput, perform
from wangge.cases.workflow import CaseAction, CaseState, next_state, transition
from wangge.notifications.services import create_webhook

PERSONAS = (
    "grid_worker_a",
    "grid_worker_b",
    "community_staff",
    "dispatcher",
    "department_handler",
    "leader",
    "administrator",
    "outsider",
    "resident",
    "other_resident",
    "system",
)
# A missing step is refused before anyone's rights are looked at; these stand for everyone.
REFUSED_FOR = ("dispatcher", "department_handler", "resident", "system")
# A case of grid A, reported by a resident, 路灯 (not grid-entry), dispatched to 城管局.
_WHO: dict[CaseAction, frozenset[str] | set[str]] = {
    # The system accepts and dispatches for routing's automatic dispatch.
    **dict.fromkeys([CaseAction.ACCEPT, CaseAction.DISPATCH], frozenset({"dispatcher", "system"})),
    **dict.fromkeys(
        [
            CaseAction.DECLINE,
            CaseAction.MERGE,
            CaseAction.REASSIGN,
            CaseAction.ASSIGN_GRID,
            CaseAction.APPROVE_EXTENSION,
            CaseAction.REJECT_EXTENSION,
            CaseAction.APPROVE_DEFERRAL,
            CaseAction.REJECT_DEFERRAL,
        ],
        frozenset({"dispatcher"}),
    ),
    **dict.fromkeys(
        [
            CaseAction.SIGN,
            CaseAction.RETURN_,
            CaseAction.PROGRESS,
            CaseAction.REQUEST_EXTENSION,
            CaseAction.REQUEST_DEFERRAL,
            CaseAction.FINISH,
        ],
        frozenset({"department_handler"}),
    ),
    CaseAction.FINISH_PART: set(),  # no department assists on this case
    CaseAction.VERIFY: {"grid_worker_a", "dispatcher"},
    CaseAction.FAIL_VERIFICATION: {"grid_worker_a", "dispatcher"},
    CaseAction.CLOSE: {"dispatcher", "system"},
    CaseAction.RATE: {"resident", "dispatcher"},
    CaseAction.REOPEN: {"dispatcher", "system"},
    CaseAction.SUPERVISE: {"dispatcher", "leader", "system"},
    CaseAction.INSTRUCT: {"leader"},
    CaseAction.COMMENT: {
        "grid_worker_a",
        "community_staff",
        "dispatcher",
        "leader",
        "administrator",
    },
}
_EXISTING_CASE_ACTIONS = [
    a for a in CaseAction if a not in (CaseAction.REPORT, CaseAction.SELF_RESOLVE)
]


def who_may(action: CaseAction, case: Case) -> set[str]:
    allowed = set(_WHO[action])
    if action == CaseAction.COMMENT and case.department_id is not None:
        allowed.add("department_handler")  # a participant once the case is with them
    return allowed


def persona(cast: Any, name: str) -> Any:
    if name == "resident":
        return RESIDENT
    if name == "other_resident":
        return OTHER_RESIDENT
    if name == "system":
        return None
    return getattr(cast, name)


# Steps that exist but need something the case in this state lacks: refused, nothing written.
_NEEDS_A_PENDING_REQUEST = {
    CaseAction.APPROVE_EXTENSION,
    CaseAction.REJECT_EXTENSION,
    CaseAction.APPROVE_DEFERRAL,
    CaseAction.REJECT_DEFERRAL,
}


@pytest.fixture
def setting(cast):
    add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    create_webhook(None, name="市平台", url="http://127.0.0.1:9/")  # refusals must queue nothing
    master = file_case(RESIDENT, description="另一位居民报的同一盏灯")
    return cast, master


@pytest.mark.parametrize("state", list(CaseState))
def test_every_action_in_every_state_is_done_or_refused_as_the_table_says(setting, state):
    cast, master = setting
    case = drive_to(cast, state)
    before = footprint(case)  # every try is rolled back, so this holds before each of them
    for action in _EXISTING_CASE_ACTIONS:
        try:
            step = transition(action, state)
        except InvalidTransition:
            step = None
        for name in PERSONAS if step is not None else REFUSED_FOR:
            actor = persona(cast, name)
            with rolled_back():
                case = fresh(case)
                if step is None:
                    with pytest.raises(InvalidTransition) as refused:
                        perform(actor, case, action, plausible(action, actor, case, master.number))
                    assert refused.value.action == action
                    assert str(refused.value)  # a message a person can read
                    assert footprint(case) == before, (state, action, name)
                elif name not in who_may(action, case):
                    with pytest.raises(NotAllowed):
                        perform(actor, case, action, plausible(action, actor, case, master.number))
                    assert footprint(case) == before, (state, action, name)
                elif action in _NEEDS_A_PENDING_REQUEST:
                    with pytest.raises(CaseInvalid) as refused:
                        perform(actor, case, action, plausible(action, actor, case, master.number))
                    assert refused.value.field == "request"
                    assert footprint(case) == before, (state, action, name)
                else:
                    event = perform(
                        actor, case, action, plausible(action, actor, case, master.number)
                    )
                    assert event.seq == before["case"]["version"] + 1, (state, action, name)
                    assert event.from_state == state
                    assert event.to_state == next_state(step, state)
                    assert CaseEvent.objects.filter(case=case).count() == event.seq
                    assert fresh(case).state == event.to_state
                    assert footprint()["deliveries"] == before["deliveries"] + 1


def test_the_creating_actions_are_refused_on_an_existing_case(setting):
    cast, _master = setting
    case = drive_to(cast, CaseState.REPORTED)
    for action in (CaseAction.REPORT, CaseAction.SELF_RESOLVE):
        before = footprint(case)
        with pytest.raises(InvalidTransition):
            perform(cast.dispatcher, case, action, ActionInput(note="x"))
        assert footprint(case) == before


def test_an_unknown_action_is_refused_as_an_invalid_transition(setting):
    cast, _master = setting
    case = drive_to(cast, CaseState.REPORTED)
    before = footprint(case)
    with pytest.raises(InvalidTransition) as refused:
        perform(cast.dispatcher, case, "teleport")
    assert "teleport" in str(refused.value)
    assert footprint(case) == before


def test_the_driver_reaches_every_state_with_a_consistent_log(setting):
    from tests.cases.loop_helpers import assert_log_consistent

    cast, _master = setting
    for state in CaseState:
        case = drive_to(cast, state)
        assert case.state == state
        assert_log_consistent(case)
