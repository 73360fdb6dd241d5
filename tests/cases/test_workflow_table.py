"""The transition table of the case loop, tested as data: no database, no models.

Consistency of the table, every (state, action) pair, who may act, the paths of the issue, a
property test of random action sequences, and the generated docs/workflow.md being current.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from wangge.cases.exceptions import (
    CaseError,
    Conflict,
    InvalidTransition,
    MissingRequirement,
    NotAllowed,
    NotFound,
)
from wangge.cases.workflow import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Actor,
    ActorKind,
    CaseAction,
    CaseState,
    Relation,
    Requirement,
    Transition,
    allowed_actions,
    is_final,
    markdown_document,
    mermaid_diagram,
    next_state,
    transition,
    transitions_from,
)
from wangge.org.roles import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
STATES_OR_NEW: list[CaseState | None] = [None, *CaseState]
# Steps a final state may still take: `reopen` moves a closed case; the rest leave it where it is.
ALLOWED_FROM_FINAL = {CaseAction.REOPEN, CaseAction.RATE, CaseAction.INSTRUCT}

DISPATCHER = Actor(ActorKind.DISPATCHER, Relation.SCOPED)
GRID_WORKER = Actor(ActorKind.GRID_WORKER, Relation.SCOPED)
CASE_GRID_WORKER = Actor(ActorKind.GRID_WORKER, Relation.CASE_GRID_WORKER)
HANDLER_ASSIGNED = Actor(ActorKind.DEPARTMENT_HANDLER, Relation.ASSIGNED_DEPARTMENT)
HANDLER_SCOPED = Actor(ActorKind.DEPARTMENT_HANDLER, Relation.SCOPED)
CASE_REPORTER = Actor(ActorKind.REPORTER, Relation.CASE_REPORTER)
PUBLIC = Actor(ActorKind.REPORTER, Relation.ANY)
SYSTEM = Actor(ActorKind.SYSTEM, Relation.ANY)
LEADER = Actor(ActorKind.LEADER, Relation.SCOPED)
EVERY_ACTOR = [Actor(kind, relation) for kind in ActorKind for relation in Relation]


def actions(transitions: list[Transition]) -> set[CaseAction]:
    return {t.action for t in transitions}


def walk(path: list[CaseAction], start: CaseState | None = None) -> list[CaseState | None]:
    states: list[CaseState | None] = [start]
    for action in path:
        states.append(next_state(transition(action, states[-1]), states[-1]))
    return states


# --- consistency -------------------------------------------------------------------------------


def test_given_the_table_then_every_action_appears():
    assert {t.action for t in TRANSITIONS} == set(CaseAction)


def test_given_the_table_then_no_action_state_pair_is_listed_twice():
    pairs = [(t.action, s) for t in TRANSITIONS for s in (t.from_states or {None})]
    assert len(pairs) == len(set(pairs))


def test_given_the_creating_steps_then_every_state_is_reachable():
    reached = {t.to_state for t in transitions_from(None)}
    frontier = set(reached)
    while frontier:
        state = frontier.pop()
        for t in transitions_from(state):
            target = next_state(t, state)
            if target not in reached:
                reached.add(target)
                frontier.add(target)
    assert reached == set(CaseState)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_given_a_final_state_then_only_reopen_leaves_it(state: CaseState):
    for t in transitions_from(state):
        assert t.action in ALLOWED_FROM_FINAL | {CaseAction.SUPERVISE, CaseAction.COMMENT}
        if t.changes_state(state):
            assert (state, t.action) == (CaseState.CLOSED, CaseAction.REOPEN)


def test_given_declined_or_merged_then_only_a_leader_instruction_is_possible():
    for state in (CaseState.DECLINED, CaseState.MERGED):
        assert actions(transitions_from(state)) == {CaseAction.INSTRUCT}


def test_given_open_and_final_states_then_they_partition_the_states():
    assert set(CaseState) == OPEN_STATES | FINAL_STATES
    assert not OPEN_STATES & FINAL_STATES
    assert all(is_final(s) for s in FINAL_STATES)
    assert not any(is_final(s) for s in OPEN_STATES)
    assert is_final("closed")


def test_given_every_role_then_it_is_an_actor_kind():
    assert {r.value for r in Role} <= {k.value for k in ActorKind}
    assert {k.value for k in ActorKind} - {r.value for r in Role} == {"reporter", "system"}


def test_given_each_transition_then_it_is_well_formed():
    for t in TRANSITIONS:
        assert t.actors, t.action
        assert t.label == t.action.label
        if t.creates:
            assert t.to_state is not None
        if t.to_state is None:
            assert t.from_states


def test_given_requirements_then_field_names_are_lowercase_member_names():
    assert (Requirement.NEW_DEADLINE | Requirement.REASON).fields == ("reason", "new_deadline")
    assert Requirement.NONE.fields == ()


# --- every (state, action) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action"), list(itertools.product(STATES_OR_NEW, list(CaseAction)))
)
def test_given_any_state_and_action_when_looked_up_then_it_applies_or_is_refused(
    state: CaseState | None, action: CaseAction
):
    listed = [t for t in TRANSITIONS if t.action == action]
    applies = [t for t in listed if (state in t.from_states if state else t.creates)]
    if applies:
        found = transition(action, state)
        assert found is applies[0]
        assert found in transitions_from(state)
        assert next_state(found, state) in CaseState
    else:
        with pytest.raises(InvalidTransition) as refused:
            transition(action, state)
        assert refused.value.action == action
        assert refused.value.state == state
        assert action not in actions(transitions_from(state))


def test_given_a_step_that_does_not_apply_when_next_state_then_it_is_refused():
    with pytest.raises(InvalidTransition):
        next_state(transition(CaseAction.FINISH, CaseState.HANDLING), CaseState.REPORTED)
    with pytest.raises(InvalidTransition):
        next_state(transition(CaseAction.REPORT, None), CaseState.REPORTED)


def test_given_strings_when_looked_up_then_they_are_coerced():
    assert transition("return", "handling").to_state == CaseState.ACCEPTED
    with pytest.raises(InvalidTransition):
        transition("fly", "handling")


def test_given_an_invalid_transition_then_the_message_names_action_and_state():
    with translation.override("en"):
        message = str(InvalidTransition(CaseAction.FINISH, CaseState.REPORTED))
        assert "Mark as handled" in message and "Reported" in message
        assert "Accept" in str(InvalidTransition(CaseAction.ACCEPT, None))
        assert "fly" in str(InvalidTransition("fly", CaseState.CLOSED))


def test_given_each_error_then_it_reads_as_a_sentence():
    with translation.override("en"):
        for error in (NotAllowed(), NotFound(), Conflict(), MissingRequirement("reason")):
            assert isinstance(error, CaseError)
            assert str(error).strip()
        assert str(NotAllowed("Only the assigned department.")) == "Only the assigned department."
        assert MissingRequirement("evidence").field == "evidence"


# --- who may act -------------------------------------------------------------------------------


def test_given_a_grid_worker_then_they_cannot_accept():
    assert CaseAction.ACCEPT not in actions(allowed_actions(CaseState.REPORTED, [GRID_WORKER]))
    assert CaseAction.ACCEPT in actions(allowed_actions(CaseState.REPORTED, [DISPATCHER]))


def test_given_a_dispatcher_then_they_cannot_finish():
    assert CaseAction.FINISH not in actions(allowed_actions(CaseState.HANDLING, [DISPATCHER]))
    assert CaseAction.FINISH in actions(allowed_actions(CaseState.HANDLING, [HANDLER_ASSIGNED]))


def test_given_a_department_handler_then_they_sign_only_when_assigned():
    assert CaseAction.SIGN not in actions(allowed_actions(CaseState.DISPATCHED, [HANDLER_SCOPED]))
    assert CaseAction.SIGN in actions(allowed_actions(CaseState.DISPATCHED, [HANDLER_ASSIGNED]))


def test_given_a_case_dispatched_to_a_grid_then_its_grid_worker_signs():
    assigned_grid = Actor(ActorKind.GRID_WORKER, Relation.ASSIGNED_GRID)
    assert CaseAction.SIGN in actions(allowed_actions(CaseState.DISPATCHED, [assigned_grid]))
    assert CaseAction.SIGN not in actions(allowed_actions(CaseState.DISPATCHED, [GRID_WORKER]))


def test_given_a_grid_worker_then_only_they_resolve_on_the_spot():
    for actor in EVERY_ACTOR:
        may = CaseAction.SELF_RESOLVE in actions(allowed_actions(None, [actor]))
        expected = actor.relation == Relation.SCOPED and actor.kind in (
            ActorKind.GRID_WORKER,
            ActorKind.PART_TIME_GRID_WORKER,
        )
        assert may == expected, actor


def test_given_the_public_then_they_report_and_rate_their_own_case_only():
    assert actions(allowed_actions(None, [PUBLIC])) == {CaseAction.REPORT}
    assert actions(allowed_actions(CaseState.CLOSED, [CASE_REPORTER])) == {CaseAction.RATE}
    for state in OPEN_STATES:
        assert allowed_actions(state, [PUBLIC, CASE_REPORTER]) == []


def test_given_verification_then_the_case_grid_worker_or_dispatcher_does_it():
    for actor in (CASE_GRID_WORKER, DISPATCHER):
        assert actions(allowed_actions(CaseState.HANDLED, [actor])) >= {
            CaseAction.VERIFY,
            CaseAction.FAIL_VERIFICATION,
        }
    assert CaseAction.VERIFY not in actions(allowed_actions(CaseState.HANDLED, [HANDLER_ASSIGNED]))


def test_given_the_system_then_it_closes_reopens_supervises_and_routes_but_never_handles():
    """Accept and dispatch: routing's automatic dispatch of a confident suggestion."""
    everything = {a for s in STATES_OR_NEW for a in actions(allowed_actions(s, [SYSTEM]))}
    assert everything == {
        CaseAction.REPORT,
        CaseAction.ACCEPT,
        CaseAction.DISPATCH,
        CaseAction.CLOSE,
        CaseAction.REOPEN,
        CaseAction.SUPERVISE,
    }


def test_given_a_leader_then_they_instruct_in_every_state():
    for state in CaseState:
        assert CaseAction.INSTRUCT in actions(allowed_actions(state, [LEADER]))


def test_given_no_actor_then_nothing_is_allowed():
    for state in STATES_OR_NEW:
        assert allowed_actions(state, []) == []


@pytest.mark.parametrize("state", STATES_OR_NEW)
def test_given_every_actor_then_allowed_actions_are_the_union_of_each(state: CaseState | None):
    union = {t for actor in EVERY_ACTOR for t in allowed_actions(state, [actor])}
    assert union == set(allowed_actions(state, EVERY_ACTOR)) == set(transitions_from(state))


# --- the paths of the issue --------------------------------------------------------------------


def test_given_the_full_loop_then_it_is_walkable():
    a = CaseAction
    path = [
        a.REPORT, a.ACCEPT, a.DISPATCH, a.RETURN_, a.DISPATCH, a.SIGN, a.FINISH,
        a.FAIL_VERIFICATION, a.FINISH, a.VERIFY, a.CLOSE, a.RATE, a.REOPEN, a.FINISH, a.VERIFY,
        a.CLOSE, a.RATE,
    ]  # fmt: skip
    s = CaseState
    assert walk(path) == [
        None, s.REPORTED, s.ACCEPTED, s.DISPATCHED, s.ACCEPTED, s.DISPATCHED, s.HANDLING,
        s.HANDLED, s.HANDLING, s.HANDLED, s.VERIFIED, s.CLOSED, s.CLOSED, s.HANDLING, s.HANDLED,
        s.VERIFIED, s.CLOSED, s.CLOSED,
    ]  # fmt: skip


def test_given_a_report_when_declined_then_it_is_final():
    assert walk([CaseAction.REPORT, CaseAction.DECLINE])[-1] == CaseState.DECLINED
    assert is_final(CaseState.DECLINED)


def test_given_a_grid_worker_when_resolving_on_the_spot_then_the_case_is_born_closed():
    assert walk([CaseAction.SELF_RESOLVE]) == [None, CaseState.CLOSED]
    needs = transition(CaseAction.SELF_RESOLVE, None).requires
    assert needs == Requirement.EVIDENCE | Requirement.NOTE | Requirement.CATEGORY


def test_given_a_duplicate_when_merged_then_it_is_final():
    assert walk([CaseAction.REPORT, CaseAction.MERGE])[-1] == CaseState.MERGED
    path = [CaseAction.REPORT, CaseAction.ACCEPT, CaseAction.MERGE]
    assert walk(path)[-1] == CaseState.MERGED


def test_given_handling_when_reassigned_then_it_is_dispatched_again():
    path = [CaseAction.REPORT, CaseAction.ACCEPT, CaseAction.DISPATCH, CaseAction.SIGN]
    assert walk([*path, CaseAction.REASSIGN])[-1] == CaseState.DISPATCHED


@pytest.mark.parametrize(
    ("action", "needed"),
    [
        (CaseAction.DECLINE, Requirement.REASON),
        (CaseAction.RETURN_, Requirement.REASON),
        (CaseAction.FINISH, Requirement.EVIDENCE),
        (CaseAction.REQUEST_EXTENSION, Requirement.NEW_DEADLINE),
        (CaseAction.RATE, Requirement.RATING),
        (CaseAction.DISPATCH, Requirement.DEPARTMENT),
        (CaseAction.MERGE, Requirement.MASTER_CASE),
        (CaseAction.SUPERVISE, Requirement.SUPERVISION_LEVEL),
    ],
)
def test_given_an_action_then_it_requires_what_the_issue_says(
    action: CaseAction, needed: Requirement
):
    (t,) = [t for t in TRANSITIONS if t.action == action]
    assert needed in t.requires


# --- property ----------------------------------------------------------------------------------


@given(st.lists(st.sampled_from(list(CaseAction)), max_size=60))
def test_given_random_actions_then_states_stay_in_the_table(sequence: list[CaseAction]):
    state: CaseState | None = None
    for action in sequence:
        try:
            t = transition(action, state)
        except InvalidTransition:
            assert action not in actions(transitions_from(state))
            continue
        new = next_state(t, state)
        assert new in CaseState
        if state is not None and is_final(state) and new != state:
            assert action == CaseAction.REOPEN
        state = new


@given(
    st.sampled_from(STATES_OR_NEW),
    st.sets(st.sampled_from(EVERY_ACTOR), max_size=4),
)
def test_given_random_actors_then_allowed_actions_is_what_the_table_lets_them(
    state: CaseState | None, held: set[Actor]
):
    allowed = allowed_actions(state, held)
    assert allowed == [t for t in transitions_from(state) if t.actors & held]
    for t in allowed:
        assert transition(t.action, state) is t


# --- the generated document --------------------------------------------------------------------


def test_given_the_table_then_docs_workflow_md_is_current():
    assert DOC.read_text(encoding="utf-8") == markdown_document(), (
        "docs/workflow.md is out of date: run `wangge workflow_diagram`"
    )


def test_given_the_diagram_then_it_has_every_state_change_and_no_self_loop():
    diagram = mermaid_diagram()
    assert diagram.startswith("stateDiagram-v2\n")
    edges = [line.strip() for line in diagram.splitlines()[1:] if " : " in line]
    assert "[*] --> reported : report" in edges
    assert "closed --> handling : reopen" in edges
    assert "dispatched --> dispatched : reassign" not in edges
    expected = sum(
        len([s for s in t.from_states if t.changes_state(s)]) + (1 if t.creates else 0)
        for t in TRANSITIONS
    )
    assert len(edges) == expected


def test_given_the_command_when_checking_a_stale_file_then_it_exits_1(tmp_path: Path):
    target = tmp_path / "workflow.md"
    call_command("workflow_diagram", output=target)
    assert target.read_text(encoding="utf-8") == markdown_document()
    call_command("workflow_diagram", check=True, output=target)
    target.write_text("stale\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("workflow_diagram", check=True, output=target)
    assert exit_.value.code == 1


def test_given_the_document_then_it_does_not_depend_on_the_language():
    with translation.override("en"):
        english = markdown_document()
    with translation.override("zh-hans"):
        assert markdown_document() == english
