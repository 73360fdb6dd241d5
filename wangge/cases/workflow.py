"""The case loop as data: states, actions, who may act, and the one table of transitions.

Pure: no models, no database. `services.perform()` is the only code that moves `Case.state`; it
asks `transition(action, state)` whether the step exists, checks `Transition.actors` against the
(actor kind, relation) pairs the user holds for the case, checks `Transition.requires`, and then
sets `next_state(...)`. Pages and the API list buttons with `allowed_actions(...)`. The diagram in
`docs/workflow.md` is generated from `TRANSITIONS` (`wangge workflow_diagram`); a test keeps it
current.

Rules the table cannot express and the services check (documented here so they live somewhere):
- `self_resolve`: the category must be on the grid-entry list (入格事项) — `CATEGORY`.
- `rate`: once per closing; a dissatisfied rating may trigger `reopen` by SYSTEM.
- `reopen`: at most `CASES_MAX_REOPENS` times (default 1, configurable) per case.
- `approve_*`/`reject_*`: only while a request of that kind is pending.
- `sign`/`finish`/... by ASSIGNED_GRID: only when the case is dispatched to a grid (grid-entry).
- `finish` waits until every assisting department has done `finish_part` (co-handling 主办/协办).
- `assign_grid`: only for a case whose location found no grid (`needs_grid`), or to correct one.
- `accept`/`dispatch` by SYSTEM: routing's automatic dispatch of a confident suggestion, only
  when the city has set a confidence for it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.cases.exceptions import InvalidTransition
from wangge.org.roles import Role


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported")  # 上报
    ACCEPTED = "accepted", _("Accepted")  # 立案
    DECLINED = "declined", _("Declined")  # 不予立案
    DISPATCHED = "dispatched", _("Dispatched")  # 已派遣
    HANDLING = "handling", _("Being handled")  # 处置中
    HANDLED = "handled", _("Handled")  # 处置完成
    VERIFIED = "verified", _("Verified")  # 核查通过
    CLOSED = "closed", _("Closed")  # 结案
    MERGED = "merged", _("Merged")  # 已合并


# Final: nothing moves a case out of these, except `reopen` on a closed case.
FINAL_STATES: frozenset[CaseState] = frozenset(
    {CaseState.DECLINED, CaseState.MERGED, CaseState.CLOSED}
)
OPEN_STATES: frozenset[CaseState] = frozenset(set(CaseState) - FINAL_STATES)


class CaseAction(models.TextChoices):
    REPORT = "report", _("Report")
    SELF_RESOLVE = "self_resolve", _("Resolve on the spot")  # 自行处置
    ACCEPT = "accept", _("Accept")  # 立案
    DECLINE = "decline", _("Decline")  # 不予立案
    MERGE = "merge", _("Merge as duplicate")  # 合并
    DISPATCH = "dispatch", _("Dispatch")  # 派遣
    REASSIGN = "reassign", _("Reassign")  # 改派
    ASSIGN_GRID = "assign_grid", _("Assign a grid")  # 指定网格
    SIGN = "sign", _("Sign for")  # 签收
    RETURN_ = "return", _("Return to dispatcher")  # 退回
    PROGRESS = "progress", _("Post progress")  # 处置进展
    REQUEST_EXTENSION = "request_extension", _("Request extension")  # 申请延期
    APPROVE_EXTENSION = "approve_extension", _("Approve extension")
    REJECT_EXTENSION = "reject_extension", _("Reject extension")
    REQUEST_DEFERRAL = "request_deferral", _("Request deferral")  # 申请缓办
    APPROVE_DEFERRAL = "approve_deferral", _("Approve deferral")
    REJECT_DEFERRAL = "reject_deferral", _("Reject deferral")
    FINISH = "finish", _("Mark as handled")  # 处置完成
    FINISH_PART = "finish_part", _("Finish our part")  # 协办完成
    VERIFY = "verify", _("Pass verification")  # 核查通过
    FAIL_VERIFICATION = "fail_verification", _("Fail verification")  # 核查不通过
    CLOSE = "close", _("Close")  # 结案
    RATE = "rate", _("Rate")  # 评价
    REOPEN = "reopen", _("Reopen")  # 重新办理
    SUPERVISE = "supervise", _("Supervise")  # 督办
    INSTRUCT = "instruct", _("Instruct")  # 批示
    COMMENT = "comment", _("Comment")  # 备注


class ActorKind(models.TextChoices):
    """The org roles, plus the two kinds of actor that hold no account role."""

    GRID_WORKER = Role.GRID_WORKER.value, Role.GRID_WORKER.label
    PART_TIME_GRID_WORKER = Role.PART_TIME_GRID_WORKER.value, Role.PART_TIME_GRID_WORKER.label
    BUILDING_VOLUNTEER = Role.BUILDING_VOLUNTEER.value, Role.BUILDING_VOLUNTEER.label
    COMMUNITY_STAFF = Role.COMMUNITY_STAFF.value, Role.COMMUNITY_STAFF.label
    DISPATCHER = Role.DISPATCHER.value, Role.DISPATCHER.label
    DEPARTMENT_HANDLER = Role.DEPARTMENT_HANDLER.value, Role.DEPARTMENT_HANDLER.label
    LEADER = Role.LEADER.value, Role.LEADER.label
    ADMINISTRATOR = Role.ADMINISTRATOR.value, Role.ADMINISTRATOR.label
    # The resident or enterprise who reported; no account, known by case number + phone.
    REPORTER = "reporter", _("Reporter")
    # Imports, automatic closing, deadline sweeps.
    SYSTEM = "system", _("System")


class Relation(models.TextChoices):
    """How an actor stands to the case; the permission check works out which ones a user holds."""

    # Anyone of that kind: the public reporting, or the system.
    ANY = "any", _("Anyone")
    # A role holder whose unit's scope contains the case (for creation: the location).
    SCOPED = "scoped", _("In scope")
    # A handler of the department the case is dispatched to.
    ASSIGNED_DEPARTMENT = "assigned_department", _("Of the assigned department")
    # A handler of a department assisting the lead one (协办).
    ASSISTING_DEPARTMENT = "assisting_department", _("Of an assisting department")
    # A grid worker of the grid the case is dispatched to (grid-entry categories only).
    ASSIGNED_GRID = "assigned_grid", _("Of the assigned grid")
    # A grid worker of the grid the case lies in (verification).
    CASE_GRID_WORKER = "case_grid_worker", _("Of the case's grid")
    # The person who reported this very case.
    CASE_REPORTER = "case_reporter", _("Who reported the case")


@dataclass(frozen=True, order=True)
class Actor:
    """One (kind, relation) requirement; a user may act if they hold any one of a transition's."""

    kind: ActorKind
    relation: Relation

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.relation.value}"


class Requirement(enum.Flag):
    """What an action must be given; the services check it and raise MissingRequirement(field)."""

    NONE = 0
    REASON = enum.auto()
    NOTE = enum.auto()
    EVIDENCE = enum.auto()  # photos or files
    DEPARTMENT = enum.auto()
    NEW_DEADLINE = enum.auto()
    RATING = enum.auto()
    MASTER_CASE = enum.auto()
    CATEGORY = enum.auto()
    SUPERVISION_LEVEL = enum.auto()
    GRID = enum.auto()

    @property
    def fields(self) -> tuple[str, ...]:
        """The form/API field names, e.g. ("new_deadline", "reason"): the same names the
        services' refusals (`MissingRequirement.field`) carry."""
        return tuple(_FIELD_NAMES.get(member, (member.name or "").lower()) for member in self)


# Where a requirement's field is not its lowercased name.
_FIELD_NAMES: dict[Requirement, str] = {
    Requirement.EVIDENCE: "attachments",
    Requirement.MASTER_CASE: "master",
}


REQUIREMENT_LABELS: dict[Requirement, str] = {
    Requirement.REASON: _("Reason"),
    Requirement.NOTE: _("Note"),
    Requirement.EVIDENCE: _("Evidence (photos or files)"),
    Requirement.DEPARTMENT: _("Department"),
    Requirement.NEW_DEADLINE: _("New deadline"),
    Requirement.RATING: _("Rating"),
    Requirement.MASTER_CASE: _("Case it duplicates"),
    Requirement.CATEGORY: _("Category"),
    Requirement.SUPERVISION_LEVEL: _("Supervision level"),
    Requirement.GRID: _("Grid"),
}


@dataclass(frozen=True)
class Transition:
    """One step of the loop. Empty `from_states`: it creates a case. `to_state` None: it stays."""

    action: CaseAction
    from_states: frozenset[CaseState]
    to_state: CaseState | None
    actors: frozenset[Actor]
    requires: Requirement
    # The button text (the action's label); lazy, so kept out of equality and hashing.
    label: str = field(compare=False)

    @property
    def creates(self) -> bool:
        return not self.from_states

    def changes_state(self, state: CaseState | None) -> bool:
        return self.to_state is not None and self.to_state != state


# --- who -------------------------------------------------------------------------------------

A = ActorKind
R = Relation


def _actors(*pairs: tuple[ActorKind, Relation]) -> frozenset[Actor]:
    return frozenset(Actor(kind, relation) for kind, relation in pairs)


def _grid_workers(relation: Relation) -> frozenset[Actor]:
    return _actors((ActorKind.GRID_WORKER, relation), (ActorKind.PART_TIME_GRID_WORKER, relation))


DISPATCHER = _actors((A.DISPATCHER, R.SCOPED))
SYSTEM = _actors((A.SYSTEM, R.ANY))
LEADER = _actors((A.LEADER, R.SCOPED))
# Whoever the case is dispatched to: a department's handler, or a grid's workers (入格事项).
HANDLER = _actors((A.DEPARTMENT_HANDLER, R.ASSIGNED_DEPARTMENT)) | _grid_workers(R.ASSIGNED_GRID)
ASSISTANT = _actors((A.DEPARTMENT_HANDLER, R.ASSISTING_DEPARTMENT))
VERIFIER = _grid_workers(R.CASE_GRID_WORKER) | DISPATCHER
REPORTERS = (
    _actors(
        (A.REPORTER, R.ANY),
        (A.BUILDING_VOLUNTEER, R.SCOPED),
        (A.COMMUNITY_STAFF, R.SCOPED),
    )
    | _grid_workers(R.SCOPED)
    | DISPATCHER
    | SYSTEM
)
# Everyone with a part in the case may comment; the public reporter may not (they call again).
PARTICIPANTS = (
    _actors(*((kind, R.SCOPED) for kind in ActorKind if kind not in (A.REPORTER, A.SYSTEM)))
    | HANDLER
    | ASSISTANT
    | _grid_workers(R.CASE_GRID_WORKER)
)

# --- the table -------------------------------------------------------------------------------

S = CaseState
Q = Requirement
_OPEN = OPEN_STATES
_ALL = frozenset(CaseState)


def _t(
    action: CaseAction,
    from_states: Iterable[CaseState],
    to_state: CaseState | None,
    actors: frozenset[Actor],
    requires: Requirement = Requirement.NONE,
) -> Transition:
    return Transition(action, frozenset(from_states), to_state, actors, requires, action.label)


C = CaseAction
TRANSITIONS: tuple[Transition, ...] = (
    _t(C.REPORT, (), S.REPORTED, REPORTERS),
    _t(C.SELF_RESOLVE, (), S.CLOSED, _grid_workers(R.SCOPED), Q.EVIDENCE | Q.NOTE | Q.CATEGORY),
    # The system accepts and dispatches what routing is confident of (the city's threshold).
    _t(C.ACCEPT, {S.REPORTED}, S.ACCEPTED, DISPATCHER | SYSTEM, Q.CATEGORY),
    _t(C.DECLINE, {S.REPORTED}, S.DECLINED, DISPATCHER, Q.REASON),
    _t(C.MERGE, {S.REPORTED, S.ACCEPTED}, S.MERGED, DISPATCHER, Q.MASTER_CASE),
    _t(C.DISPATCH, {S.ACCEPTED}, S.DISPATCHED, DISPATCHER | SYSTEM, Q.DEPARTMENT),
    _t(C.REASSIGN, {S.DISPATCHED, S.HANDLING}, S.DISPATCHED, DISPATCHER, Q.DEPARTMENT | Q.REASON),
    _t(C.ASSIGN_GRID, _OPEN, None, DISPATCHER, Q.GRID),
    _t(C.SIGN, {S.DISPATCHED}, S.HANDLING, HANDLER),
    _t(C.RETURN_, {S.DISPATCHED, S.HANDLING}, S.ACCEPTED, HANDLER, Q.REASON),
    _t(C.PROGRESS, {S.HANDLING}, None, HANDLER | ASSISTANT, Q.NOTE),
    _t(C.REQUEST_EXTENSION, {S.HANDLING}, None, HANDLER, Q.NEW_DEADLINE | Q.REASON),
    _t(C.APPROVE_EXTENSION, {S.HANDLING}, None, DISPATCHER),
    _t(C.REJECT_EXTENSION, {S.HANDLING}, None, DISPATCHER, Q.REASON),
    _t(C.REQUEST_DEFERRAL, {S.HANDLING}, None, HANDLER, Q.NEW_DEADLINE | Q.REASON),
    _t(C.APPROVE_DEFERRAL, {S.HANDLING}, None, DISPATCHER),
    _t(C.REJECT_DEFERRAL, {S.HANDLING}, None, DISPATCHER, Q.REASON),
    _t(C.FINISH, {S.HANDLING}, S.HANDLED, HANDLER, Q.EVIDENCE | Q.NOTE),
    _t(C.FINISH_PART, {S.DISPATCHED, S.HANDLING}, None, ASSISTANT, Q.NOTE),
    _t(C.VERIFY, {S.HANDLED}, S.VERIFIED, VERIFIER, Q.NOTE),
    _t(C.FAIL_VERIFICATION, {S.HANDLED}, S.HANDLING, VERIFIER, Q.REASON),
    _t(C.CLOSE, {S.VERIFIED}, S.CLOSED, DISPATCHER | SYSTEM),
    _t(C.RATE, {S.CLOSED}, None, _actors((A.REPORTER, R.CASE_REPORTER)) | DISPATCHER, Q.RATING),
    _t(C.REOPEN, {S.CLOSED}, S.HANDLING, DISPATCHER | SYSTEM, Q.REASON),
    # Overdue acceptance is supervised too, so `reported` is included.
    _t(C.SUPERVISE, _OPEN, None, DISPATCHER | LEADER | SYSTEM, Q.SUPERVISION_LEVEL | Q.NOTE),
    _t(C.INSTRUCT, _ALL, None, LEADER, Q.NOTE),
    _t(C.COMMENT, _OPEN, None, PARTICIPANTS, Q.NOTE),
)
del A, R, S, Q, C  # the short names are for the table only

_BY_ACTION: dict[CaseAction, tuple[Transition, ...]] = {
    action: tuple(t for t in TRANSITIONS if t.action == action) for action in CaseAction
}

# --- questions asked of the table ------------------------------------------------------------


def _applies(t: Transition, state: CaseState | None) -> bool:
    return t.creates if state is None else state in t.from_states


def transitions_from(state: CaseState | None) -> list[Transition]:
    """Every step possible in `state` (None: before the case exists), in table order."""
    return [t for t in TRANSITIONS if _applies(t, state)]


def transition(action: CaseAction | str, state: CaseState | str | None) -> Transition:
    """The step `action` takes from `state`, or InvalidTransition if the table has none."""
    state = None if state is None else CaseState(state)
    try:
        action = CaseAction(action)
    except ValueError:
        raise InvalidTransition(str(action), state) from None
    for t in _BY_ACTION[action]:
        if _applies(t, state):
            return t
    raise InvalidTransition(action, state)


def allowed_actions(state: CaseState | None, actor_kinds: Iterable[Actor]) -> list[Transition]:
    """The steps from `state` open to someone holding `actor_kinds` for this case."""
    held = frozenset(actor_kinds)
    return [t for t in transitions_from(state) if t.actors & held]


def is_final(state: CaseState | str) -> bool:
    return CaseState(state) in FINAL_STATES


def next_state(t: Transition, state: CaseState | None) -> CaseState:
    """Where `t` leaves a case that is in `state`; InvalidTransition if `t` does not apply."""
    if not _applies(t, state):
        raise InvalidTransition(t.action, state)
    if t.to_state is not None:
        return t.to_state
    assert state is not None  # a creating step always has a to_state
    return state


# --- the generated document ------------------------------------------------------------------


def _state_changes() -> list[tuple[str, str, CaseAction]]:
    edges: list[tuple[str, str, CaseAction]] = []
    for t in TRANSITIONS:
        if t.to_state is None:
            continue
        if t.creates:
            edges.append(("[*]", t.to_state.value, t.action))
        for state in CaseState:
            if state in t.from_states and t.changes_state(state):
                edges.append((state.value, t.to_state.value, t.action))
    return edges


def mermaid_diagram() -> str:
    """A Mermaid stateDiagram-v2 of every change of state; steps that stay are left out."""
    lines = ["stateDiagram-v2"]
    lines += [
        f"    {source} --> {target} : {action.value}" for source, target, action in _state_changes()
    ]
    lines += [f"    {state.value} --> [*]" for state in CaseState if state in FINAL_STATES]
    return "\n".join(lines) + "\n"


def _states_cell(t: Transition) -> str:
    if t.creates:
        return "(new case)"
    if t.from_states == _ALL:
        return "any"
    if t.from_states == _OPEN:
        return "any open"
    return ", ".join(state.value for state in CaseState if state in t.from_states)


def markdown_document() -> str:
    """The text of docs/workflow.md."""
    rows = [
        "| action | from | to | who | requires |",
        "|---|---|---|---|---|",
    ]
    for t in TRANSITIONS:
        who = ", ".join(str(actor) for actor in sorted(t.actors))
        requires = ", ".join(t.requires.fields) or "—"
        to = t.to_state.value if t.to_state is not None else "(same)"
        rows.append(f"| {t.action.value} | {_states_cell(t)} | {to} | {who} | {requires} |")
    finals = ", ".join(state.value for state in CaseState if state in FINAL_STATES)
    return "\n".join(
        [
            "# The case workflow",
            "",
            "Generated from `wangge/cases/workflow.py` by `wangge workflow_diagram`; do not edit "
            "by hand (a test fails when this file is out of date). Final states: "
            f"{finals} (a closed case may be reopened). Who is written kind/relation; one of "
            "them suffices. Rules the table does not hold are listed in the module docstring.",
            "",
            "```mermaid",
            mermaid_diagram().rstrip("\n"),
            "```",
            "",
            "## Every transition",
            "",
            *rows,
            "",
        ]
    )
