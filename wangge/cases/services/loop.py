"""`perform()`: the one code that moves a case. Every action of the transition table goes
through it: it re-reads the case locked, refuses a stale writer (Conflict), checks the table,
who the actor is to the case and what the action needs, applies the action's effects, appends
the event, moves the state and recomputes the deadline, all in one transaction. Notifications
and webhook deliveries are written in the same transaction (an outbox) and sent after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases import announce
from wangge.cases.deadlines import stage_due_at, warn_moment
from wangge.cases.exceptions import CaseInvalid, Conflict, MissingRequirement, NotAllowed
from wangge.cases.models import (
    AssignmentRole,
    Attachment,
    Case,
    CaseAssignment,
    CaseEvent,
    Category,
    LoopRules,
    PendingRequest,
    Rating,
    Stage,
    SupervisionLevel,
    SupervisionOrder,
)
from wangge.cases.permissions import (
    CaseActor,
    Resident,
    actor_kinds_for,
    creator_kinds_for,
    visible_cases,
)
from wangge.cases.services.categories import require_category_admin
from wangge.cases.workflow import (
    Actor,
    ActorKind,
    CaseAction,
    CaseState,
    Relation,
    Requirement,
    Transition,
    next_state,
    transition,
)
from wangge.core import audit, clock, generations
from wangge.core.calendar import WorkingCalendar
from wangge.core.models import User
from wangge.org.models import Membership, OrgUnit
from wangge.org.permissions import active_memberships
from wangge.org.roles import Role, UnitKind

NOTE_MAX = 4000
_STAGE_OF_STATE = {
    CaseState.REPORTED: Stage.ACCEPT,
    CaseState.ACCEPTED: Stage.DISPATCH,
    CaseState.DISPATCHED: Stage.HANDLE,
    CaseState.HANDLING: Stage.HANDLE,
}
# Preference when an actor holds several kinds the step allows: the most specific first.
_KIND_ORDER = [
    ActorKind.SYSTEM,
    ActorKind.DEPARTMENT_HANDLER,
    ActorKind.GRID_WORKER,
    ActorKind.PART_TIME_GRID_WORKER,
    ActorKind.DISPATCHER,
    ActorKind.LEADER,
    ActorKind.COMMUNITY_STAFF,
    ActorKind.BUILDING_VOLUNTEER,
    ActorKind.ADMINISTRATOR,
    ActorKind.REPORTER,
]


@dataclass
class ActionInput:
    """What an action may be given; which of these it needs is the table's `requires`."""

    note: str = ""
    reason: str = ""
    department: str = ""  # unit code: a department, or a grid for grid-entry work
    assisting: Sequence[str] = ()  # unit codes of assisting departments (协办)
    new_deadline: datetime | None = None
    rating: str = ""
    rating_comment: str = ""
    master: str = ""  # number of the case this one duplicates
    category: str = ""  # code; accepting may reclassify
    supervision_level: int | None = None
    grid: str = ""  # grid code
    attachments: Sequence[str] = ()  # uids of uploads
    resolved: bool = True  # closing: resolved or closed with an explanation


@dataclass
class Step:
    case: Case
    actor: CaseActor
    acted_as: Actor
    given: ActionInput
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)
    _calendar: WorkingCalendar | None = None
    before: tuple[str, datetime | None] = ("", None)
    after: list[Callable[[CaseEvent], None]] = field(default_factory=list)

    @property
    def calendar(self) -> WorkingCalendar:
        """One read of office hours and holidays for every deadline this step sets."""
        if self._calendar is None:
            self._calendar = WorkingCalendar()
        return self._calendar


# --- entry point -------------------------------------------------------------------------------


def perform(
    actor: CaseActor,
    case: Case,
    action: CaseAction | str,
    given: ActionInput | None = None,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """Do `action` on `case` as `actor` (None: the system). `expected_version` defaults to the
    version of the `case` passed in: a writer that read it before someone else's change gets
    Conflict, so of two people acting at once exactly one wins. `at`: the moment the step is
    recorded at (default now; the deadline sweep passes the moment it judged lateness at)."""
    given = given or ActionInput()
    expected = case.version if expected_version is None else expected_version
    with transaction.atomic(), generations.snapshot():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to
        # `department`, and only the case row needs the lock.
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "area", "department")
            .get(pk=case.pk)
        )
        if locked.version != expected:
            raise Conflict()
        event = _perform_locked(actor, locked, action, given, at or clock.now())
    case.refresh_from_db()
    return event


def _perform_locked(
    actor: CaseActor, case: Case, action: CaseAction | str, given: ActionInput, now: datetime
) -> CaseEvent:
    step_def = transition(action, case.state)
    acted_as = _acting_as(actor, case, step_def)
    _check_requirements(step_def, case, given)
    step = Step(case=case, actor=actor, acted_as=acted_as, given=given, now=now)
    step.before = (case.stage, case.due_at)
    _EFFECTS.get(step_def.action, _no_effect)(step)
    return _finish_step(step, step_def)


def _acting_as(actor: CaseActor, case: Case, step_def: Transition) -> Actor:
    allowed = step_def.actors & actor_kinds_for(actor, case)
    if not allowed:
        raise NotAllowed()
    return choose_kind(allowed)


def choose_kind(allowed: set[Actor] | frozenset[Actor]) -> Actor:
    """The kind an actor holding several acts as: the most specific."""
    return min(allowed, key=lambda a: (_KIND_ORDER.index(a.kind), a.relation.value))


def _check_texts(given: ActionInput) -> None:
    """Every text given is a string without NUL characters (PostgreSQL cannot store one, and
    would end the transaction with a DataError instead of a refusal)."""
    texts = [
        ("note", given.note),
        ("reason", given.reason),
        ("department", given.department),
        ("rating", given.rating),
        ("rating_comment", given.rating_comment),
        ("master", given.master),
        ("category", given.category),
        ("grid", given.grid),
    ]
    if not isinstance(given.assisting, list | tuple):
        raise CaseInvalid("assisting", _("This must be text."))
    texts += [("assisting", code) for code in given.assisting]
    for name, value in texts:
        if not isinstance(value, str):
            raise CaseInvalid(name, _("This must be text."))
        if "\x00" in value:
            raise CaseInvalid(name, _("This text holds characters that are not allowed."))


def _check_requirements(step_def: Transition, case: Case, given: ActionInput) -> None:
    _check_texts(given)
    needs = step_def.requires
    checks: list[tuple[Requirement, str, bool]] = [
        (Requirement.REASON, "reason", bool(given.reason.strip())),
        (Requirement.NOTE, "note", bool(given.note.strip())),
        (Requirement.EVIDENCE, "attachments", bool(given.attachments)),
        (Requirement.DEPARTMENT, "department", bool(given.department.strip())),
        (Requirement.NEW_DEADLINE, "new_deadline", given.new_deadline is not None),
        (Requirement.RATING, "rating", bool(given.rating)),
        (Requirement.MASTER_CASE, "master", bool(given.master.strip())),
        (Requirement.CATEGORY, "category", bool(given.category) or case.category_id is not None),
        (Requirement.SUPERVISION_LEVEL, "supervision_level", given.supervision_level is not None),
        (Requirement.GRID, "grid", bool(given.grid.strip())),
    ]
    for requirement, name, present in checks:
        if requirement in needs and not present:
            raise MissingRequirement(name)
    for name, text in (("note", given.note), ("reason", given.reason)):
        if len(text) > NOTE_MAX:
            raise CaseInvalid(
                name, _("At most %(count)d characters are allowed.") % {"count": NOTE_MAX}
            )


def _finish_step(step: Step, step_def: Transition) -> CaseEvent:
    case = step.case
    from_state = CaseState(case.state)
    to_state = next_state(step_def, from_state)
    case.state = to_state
    case.version += 1
    case.updated_at = step.now
    _follow_stage(case, step.now, step.before, step.calendar)
    case.save()
    event = append_event(step, step_def.action, from_state.value, to_state.value)
    announce.case_event(case, event)
    for callback in step.after:
        callback(event)
    return event


def finish_created(step: Step, action: CaseAction, to_state: str) -> CaseEvent:
    """The first event of a case just written by intake."""
    event = append_event(step, action, "", to_state)
    announce.case_event(step.case, event)
    return event


def append_event(step: Step, action: str, from_state: str, to_state: str) -> CaseEvent:
    """Write the step's line of the log, whole: the log is append-only (a database trigger
    refuses any UPDATE), so everything it records, the attachments it cites included, goes
    into the one INSERT."""
    actor = step.actor
    uids = _attachment_uids(step)
    data = {**step.data, "attachments": [str(uid) for uid in uids]} if uids else step.data
    event = CaseEvent.objects.create(
        case=step.case,
        seq=step.case.version,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if isinstance(actor, User) else None,
        actor_kind=step.acted_as.kind.value,
        actor_name=_actor_name(actor),
        note=(step.given.note or step.given.reason).strip(),
        data=data,
        created_at=step.now,
    )
    link_attachments(step, event, uids)
    return event


def _actor_name(actor: CaseActor) -> str:
    """The user's name; nothing for the reporter and the system (CaseEvent.actor_label)."""
    if actor is None or isinstance(actor, Resident):
        return ""
    return actor.display_name[:64]


def _attachment_uids(step: Step) -> list[uuid.UUID]:
    """The uploads the step cites, each once, in order."""
    try:
        return list(dict.fromkeys(uuid.UUID(str(uid)) for uid in step.given.attachments))
    except ValueError as error:
        raise CaseInvalid("attachments", _("An attachment reference is malformed.")) from error


def link_attachments(step: Step, event: CaseEvent, uids: list[uuid.UUID]) -> None:
    """Tie the cited uploads to the case and its new event; refused (and the whole step rolled
    back) when one is unknown, another's, or used already."""
    if not uids:
        return
    uploader = step.actor if isinstance(step.actor, User) else None
    count = Attachment.objects.filter(uid__in=uids, case__isnull=True, uploaded_by=uploader).update(
        case=step.case, event=event
    )
    if count != len(uids):
        raise CaseInvalid(
            "attachments", _("An attachment is unknown, yours not to use, or already used.")
        )


# --- deadlines ---------------------------------------------------------------------------------


def _follow_stage(
    case: Case, now: datetime, before: tuple[str, datetime | None], calendar: WorkingCalendar
) -> None:
    """Point `stage`/`due_at` at the deadline the new state runs against; an effect that
    starts a stage afresh clears `case.stage` first. A new deadline restarts the ladder."""
    stage = _STAGE_OF_STATE.get(CaseState(case.state), "")
    if stage == Stage.ACCEPT:
        case.stage, case.stage_started_at, case.due_at = stage, case.reported_at, case.accept_due_at
    elif stage == Stage.DISPATCH:
        if case.stage != Stage.DISPATCH:
            case.stage, case.stage_started_at = stage, now
            case.due_at = stage_due_at(case.category, "dispatch", now, calendar)
    elif stage == Stage.HANDLE:
        if case.handle_due_at is None:
            case.handle_due_at = stage_due_at(case.category, "handle", now, calendar)
        if case.stage != Stage.HANDLE:
            case.stage, case.stage_started_at = stage, now
        case.due_at = case.handle_due_at
    else:
        case.stage, case.stage_started_at, case.due_at = "", None, None
    if (case.stage, case.due_at) != before:
        restart_stage_clock(case)
        case.warn_at = stage_warn_at(case, calendar)


def stage_warn_at(case: Case, calendar: WorkingCalendar | None = None) -> datetime | None:
    if case.due_at is None or case.stage_started_at is None or not case.stage:
        return None
    unit = getattr(case.category, f"{case.stage}_unit")
    return warn_moment(case.stage_started_at, case.due_at, unit, calendar)


def restart_stage_clock(case: Case) -> None:
    """A new deadline for the current stage: cards and the due-soon notice start over."""
    case.supervision_level = 0
    case.warned_at = None


# --- helpers for effects ---------------------------------------------------------------------


def _unit(code: str, field_name: str, kinds: set[str]) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code.strip(), is_active=True).first()
    if unit is None or unit.kind not in kinds:
        raise CaseInvalid(field_name, _("Unknown unit “%(code)s”.") % {"code": code.strip()[:40]})
    return unit


def _handling_unit(case: Case, code: str, field_name: str = "department") -> OrgUnit:
    unit = _unit(code, field_name, {UnitKind.DEPARTMENT, UnitKind.GRID})
    if unit.kind == UnitKind.GRID and not case.category.is_grid_entry:
        raise CaseInvalid(
            field_name,
            _("“%(category)s” is not on the grid-entry list: it cannot go to a grid.")
            % {"category": case.category.name},
        )
    return unit


def _assign(step: Step, lead: OrgUnit, assisting: Sequence[str]) -> None:
    case, now = step.case, step.now
    CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False)
    case.department = lead
    case.handler = None
    case.dispatched_at = now
    case.handle_due_at = stage_due_at(case.category, "handle", now, step.calendar)
    # A request or deferral of the unit that had the case does not bind the new one.
    case.pending_request, case.pending_due_at, case.pending_reason = "", None, ""
    case.is_deferred = False
    case.stage = ""  # the handling clock starts now
    restart_stage_clock(case)
    rows = [
        CaseAssignment(
            case=case,
            unit=lead,
            role=AssignmentRole.LEAD,
            due_at=case.handle_due_at,
            created_at=now,
        )
    ]
    seen = {lead.pk}
    for code in assisting:
        unit = _unit(code, "assisting", {UnitKind.DEPARTMENT})
        if unit.pk in seen:
            raise CaseInvalid("assisting", _("A department is named twice."))
        seen.add(unit.pk)
        rows.append(
            CaseAssignment(
                case=case,
                unit=unit,
                role=AssignmentRole.ASSIST,
                due_at=case.handle_due_at,
                created_at=now,
            )
        )
    CaseAssignment.objects.bulk_create(rows)
    step.data.update(
        department=lead.code,
        department_name=lead.name,
        assisting=[row.unit.code for row in rows[1:]],
        handle_due_at=case.handle_due_at.isoformat(),
    )


def _future_deadline(step: Step) -> datetime:
    deadline = step.given.new_deadline
    assert deadline is not None
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    current = step.case.due_at or step.now
    if deadline <= max(current, step.now):
        raise CaseInvalid("new_deadline", _("The new deadline must be later than the current one."))
    return deadline


def loop_rules() -> LoopRules:
    rules, _created = LoopRules.objects.get_or_create(pk=1)
    return rules


# --- the effects of each action ---------------------------------------------------------------


def _no_effect(step: Step) -> None:
    return None


def _accept(step: Step) -> None:
    case = step.case
    if step.given.category and step.given.category != case.category.code:
        category = Category.objects.filter(code=step.given.category, is_active=True).first()
        if category is None or category.is_top_level:
            raise CaseInvalid("category", _("Choose an active subcategory."))
        step.data["category_from"] = case.category.code
        step.data["category"] = category.code
        case.category = category
    case.responded_at = step.now


def _decline(step: Step) -> None:
    step.case.responded_at = step.now


def _merge(step: Step) -> None:
    case = step.case
    number = step.given.master.strip()
    master_query = Case.objects.filter(number=number)
    if isinstance(step.actor, User):
        master_query = visible_cases(step.actor).filter(number=number)
    master = master_query.first()
    if master is None:
        raise CaseInvalid("master", _("No such case: %(number)s.") % {"number": number[:20]})
    if master.pk == case.pk:
        raise CaseInvalid("master", _("A case cannot duplicate itself."))
    if master.state in (CaseState.MERGED, CaseState.DECLINED):
        raise CaseInvalid("master", _("That case is itself merged or declined."))
    case.master = master
    if case.responded_at is None:
        case.responded_at = step.now
    step.data["master"] = master.number
    if master.state == CaseState.CLOSED:
        # The master is closed already: this reporter hears now, not at a closing to come.
        step.after.append(lambda event: announce.duplicate_of_closed(case, master))


def _dispatch(step: Step) -> None:
    lead = _handling_unit(step.case, step.given.department)
    _assign(step, lead, step.given.assisting)


def _reassign(step: Step) -> None:
    lead = _handling_unit(step.case, step.given.department)
    if lead.pk == step.case.department_id and not step.given.assisting:
        raise CaseInvalid("department", _("The case is already with this unit."))
    step.data["department_from"] = step.case.department.code if step.case.department else ""
    _assign(step, lead, step.given.assisting)


def _assign_grid(step: Step) -> None:
    case = step.case
    grid = _unit(step.given.grid, "grid", {UnitKind.GRID})
    dispatches_there = Actor(ActorKind.DISPATCHER, Relation.SCOPED)
    if isinstance(step.actor, User) and dispatches_there not in creator_kinds_for(
        step.actor, grid.path
    ):
        raise CaseInvalid("grid", _("That grid is outside your area."))
    step.data.update(grid_from=case.area.code, grid=grid.code, grid_name=grid.name)
    case.area = grid
    case.needs_grid = False


def _sign(step: Step) -> None:
    case = step.case
    case.handler = step.actor if isinstance(step.actor, User) else None
    CaseAssignment.objects.filter(case=case, is_active=True, role=AssignmentRole.LEAD).update(
        signed_at=step.now
    )


def _return(step: Step) -> None:
    case = step.case
    step.data["department"] = case.department.code if case.department else ""
    CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False)
    case.department = None
    case.handler = None
    case.handle_due_at = None
    case.dispatched_at = None
    case.pending_request, case.pending_due_at, case.pending_reason = "", None, ""
    case.stage = ""  # a fresh dispatch clock
    restart_stage_clock(case)


def _request(kind: PendingRequest) -> Callable[[Step], None]:
    def effect(step: Step) -> None:
        case = step.case
        if case.pending_request:
            raise CaseInvalid(
                "new_deadline", _("A request for more time is already waiting for a decision.")
            )
        deadline = _future_deadline(step)
        case.pending_request = kind
        case.pending_due_at = deadline
        case.pending_reason = step.given.reason.strip()
        step.data.update(request=kind.value, new_deadline=deadline.isoformat())

    return effect


def _decide(kind: PendingRequest, approve: bool) -> Callable[[Step], None]:
    def effect(step: Step) -> None:
        case = step.case
        if case.pending_request != kind:
            raise CaseInvalid(
                "request", _("There is no %(kind)s request waiting.") % {"kind": kind.label}
            )
        step.data.update(request=kind.value, new_deadline=case.pending_due_at.isoformat())
        if approve:
            case.handle_due_at = case.pending_due_at
            if kind == PendingRequest.DEFERRAL:
                case.is_deferred = True
            CaseAssignment.objects.filter(
                case=case, is_active=True, role=AssignmentRole.LEAD
            ).update(due_at=case.pending_due_at)
        step.data["approved"] = approve
        case.pending_request, case.pending_due_at, case.pending_reason = "", None, ""

    return effect


def _finish(step: Step) -> None:
    case = step.case
    waiting = list(
        CaseAssignment.objects.filter(
            case=case, is_active=True, role=AssignmentRole.ASSIST, finished_at__isnull=True
        ).values_list("unit__name", flat=True)
    )
    if waiting:
        raise CaseInvalid(
            "assisting",
            _("Waiting for the assisting departments to finish: %(names)s.")
            % {"names": "、".join(waiting)},
        )
    CaseAssignment.objects.filter(case=case, is_active=True, role=AssignmentRole.LEAD).update(
        finished_at=step.now, finished_note=step.given.note.strip()
    )
    case.handled_at = step.now
    case.pending_request, case.pending_due_at, case.pending_reason = "", None, ""


def _finish_part(step: Step) -> None:
    case = step.case
    assert isinstance(step.actor, User)
    memberships = active_memberships(step.actor)
    roots = [path for role, path in memberships if role == Role.DEPARTMENT_HANDLER]
    mine = [
        a
        for a in CaseAssignment.objects.select_related("unit").filter(
            case=case, is_active=True, role=AssignmentRole.ASSIST, finished_at__isnull=True
        )
        if any(a.unit.path.startswith(root) for root in roots)
    ]
    for assignment in mine:
        assignment.finished_at = step.now
        assignment.finished_note = step.given.note.strip()
        assignment.save(update_fields=["finished_at", "finished_note"])
    step.data["assisting"] = [a.unit.code for a in mine]


def _fail_verification(step: Step) -> None:
    step.case.handled_at = None
    CaseAssignment.objects.filter(case=step.case, is_active=True, role=AssignmentRole.LEAD).update(
        finished_at=None
    )


def _close(step: Step) -> None:
    case = step.case
    if not step.given.resolved and not step.given.reason.strip():
        raise MissingRequirement("reason")
    case.closed_at = step.now
    case.is_resolved = step.given.resolved
    step.data["resolved"] = step.given.resolved
    step.after.append(lambda event: announce.duplicates_closed(case, event))


def _rate(step: Step) -> None:
    case = step.case
    if step.given.rating not in Rating.values:
        raise CaseInvalid("rating", _("Choose satisfied, basically satisfied or dissatisfied."))
    if case.rating:
        raise CaseInvalid("rating", _("This case has been rated already."))
    case.rating = step.given.rating
    case.rating_comment = (step.given.rating_comment or step.given.note).strip()[:NOTE_MAX]
    case.rated_at = step.now
    step.data["rating"] = case.rating
    if case.rating == Rating.DISSATISFIED:
        rules = loop_rules()
        reopenable = case.reopen_count < rules.max_reopens and _reopen_unit(case) is not None
        if rules.reopen_on_dissatisfied and reopenable:
            step.after.append(lambda event: _reopen_after_rating(case, step.now))


def _reopen_after_rating(case: Case, now: datetime) -> None:
    reason = ActionInput(reason=_("The reporter was dissatisfied."))
    _perform_locked(None, case, CaseAction.REOPEN, reason, now)


def _reopen_unit(case: Case) -> OrgUnit | None:
    """Who handles a reopened case: its handling unit, or for a case resolved on the spot (it
    never had one), the grid whose worker resolved it."""
    if case.department_id is not None:
        return case.department
    if case.area.kind == UnitKind.GRID and case.category.is_grid_entry:
        return case.area
    return None


def _reopen(step: Step) -> None:
    case = step.case
    rules = loop_rules()
    unit = _reopen_unit(case)
    if unit is None:
        raise CaseInvalid("reason", _("This case has no unit to handle it again: report it anew."))
    if case.department_id is None:
        _assign(step, unit, ())  # resolved on the spot: back to the grid that resolved it
    if case.reopen_count >= rules.max_reopens:
        raise CaseInvalid(
            "reason",
            _("This case has been reopened %(count)d time(s), the most allowed.")
            % {"count": case.reopen_count},
        )
    case.reopen_count += 1
    case.closed_at = None
    case.is_resolved = None
    case.handled_at = None
    case.rating, case.rating_comment, case.rated_at = "", "", None
    case.handle_due_at = stage_due_at(case.category, "handle", step.now, step.calendar)
    case.is_deferred = False  # a fresh handling deadline replaces any deferred one
    case.stage = ""
    restart_stage_clock(case)
    CaseAssignment.objects.filter(case=case, is_active=True).update(
        finished_at=None, due_at=case.handle_due_at
    )


def _supervise(step: Step) -> None:
    case = step.case
    level = step.given.supervision_level
    if level not in SupervisionLevel.values:
        raise CaseInvalid("supervision_level", _("Choose a reminder, a yellow or a red card."))
    stage = case.stage or Stage.HANDLE
    stage_due = case.due_at or step.now
    issued_by = step.actor if isinstance(step.actor, User) else None
    # The system (the deadline sweep) issues each card once per deadline; the table's unique
    # constraint would otherwise end the transaction with an IntegrityError, not a refusal.
    if (
        issued_by is None
        and SupervisionOrder.objects.filter(
            case=case, stage=stage, level=level, stage_due_at=stage_due, issued_by__isnull=True
        ).exists()
    ):
        raise CaseInvalid(
            "supervision_level", _("This card was already issued for the current deadline.")
        )
    responsible = responsible_unit(case, stage)
    escalated = _parent(responsible)
    case.supervision_level = max(case.supervision_level, level)
    step.data.update(
        level=level,
        stage=stage,
        responsible=responsible.code if responsible else "",
        escalated_to=escalated.code if escalated else "",
    )

    def record(event: CaseEvent) -> None:
        SupervisionOrder.objects.create(
            case=case,
            event=event,
            stage=stage,
            level=level,
            responsible_unit=responsible,
            escalated_to=escalated,
            issued_by=issued_by,
            stage_due_at=stage_due,
            note=step.given.note.strip(),
            created_at=step.now,
        )

    step.after.append(record)


def responsible_unit(case: Case, stage: str | None = None) -> OrgUnit | None:
    """Who answers for `stage` (default: the current one): the handling unit while it is
    handled, or else the nearest dispatch centre above the case (the unit of the deepest
    dispatcher membership over it)."""
    stage = case.stage if stage is None else stage
    if stage == Stage.HANDLE and case.department is not None:
        return case.department
    ancestor_pks = [int(pk) for pk in case.area.path.strip("/").split("/")]
    centre = (
        OrgUnit.objects.filter(
            pk__in=Membership.objects.filter(
                role=Role.DISPATCHER, is_active=True, unit_id__in=ancestor_pks
            ).values("unit_id")
        )
        .order_by("-depth")
        .first()
    )
    return centre or OrgUnit.objects.filter(pk=ancestor_pks[0]).first()


def _parent(unit: OrgUnit | None) -> OrgUnit | None:
    if unit is None:
        return None
    return unit.parent if unit.parent_id is not None else unit


_EFFECTS: dict[CaseAction, Callable[[Step], None]] = {
    CaseAction.ACCEPT: _accept,
    CaseAction.DECLINE: _decline,
    CaseAction.MERGE: _merge,
    CaseAction.DISPATCH: _dispatch,
    CaseAction.REASSIGN: _reassign,
    CaseAction.ASSIGN_GRID: _assign_grid,
    CaseAction.SIGN: _sign,
    CaseAction.RETURN_: _return,
    CaseAction.REQUEST_EXTENSION: _request(PendingRequest.EXTENSION),
    CaseAction.APPROVE_EXTENSION: _decide(PendingRequest.EXTENSION, approve=True),
    CaseAction.REJECT_EXTENSION: _decide(PendingRequest.EXTENSION, approve=False),
    CaseAction.REQUEST_DEFERRAL: _request(PendingRequest.DEFERRAL),
    CaseAction.APPROVE_DEFERRAL: _decide(PendingRequest.DEFERRAL, approve=True),
    CaseAction.REJECT_DEFERRAL: _decide(PendingRequest.DEFERRAL, approve=False),
    CaseAction.FINISH: _finish,
    CaseAction.FINISH_PART: _finish_part,
    CaseAction.FAIL_VERIFICATION: _fail_verification,
    CaseAction.CLOSE: _close,
    CaseAction.RATE: _rate,
    CaseAction.REOPEN: _reopen,
    CaseAction.SUPERVISE: _supervise,
}


def update_loop_rules(
    actor: User | None, *, max_reopens: int, reopen_on_dissatisfied: bool
) -> LoopRules:
    """Change the city's loop rules (city-wide administrators only); audited."""
    require_category_admin(actor)
    if (
        not isinstance(max_reopens, int)
        or isinstance(max_reopens, bool)
        or not 0 <= max_reopens <= 10
    ):
        raise CaseInvalid("max_reopens", _("Enter a whole number from 0 to 10."))
    with transaction.atomic():
        rules = loop_rules()
        rules.max_reopens = max_reopens
        rules.reopen_on_dissatisfied = bool(reopen_on_dissatisfied)
        rules.save(update_fields=["max_reopens", "reopen_on_dissatisfied"])
        audit.record(
            actor,
            "cases.loop_rules",
            rules,
            f"max_reopens={max_reopens} reopen_on_dissatisfied={bool(reopen_on_dissatisfied)}",
        )
    return rules
