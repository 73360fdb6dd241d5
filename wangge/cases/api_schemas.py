"""The shapes of the cases API (`wangge.cases.api`): what a client sends, what it gets back, and
the functions that turn cases, events, categories and the transition table into those shapes.

Personal data leaves only masked (`mask_name`, `mask_phone`): the whole values never do. The
builders read nothing the caller did not load, except where a docstring says so, so that a
list costs the same number of queries whatever its length.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.urls import reverse
from ninja import Field, Schema

from wangge.cases.deadlines import deadline_light
from wangge.cases.models import (
    STAGES,
    Attachment,
    Case,
    CaseEvent,
    Category,
    Channel,
    PendingRequest,
    Rating,
    Urgency,
)
from wangge.cases.permissions import actions_for
from wangge.cases.queries import timeline
from wangge.cases.services import ActionInput
from wangge.cases.workflow import (
    FINAL_STATES,
    TRANSITIONS,
    ActorKind,
    CaseAction,
    CaseState,
    Transition,
)
from wangge.core.api_schemas import (  # noqa: F401 (re-exported)
    BodyBool,
    BodyFloat,
    BodyIn,
    BodyInt,
    Detail,
    FieldError,
    FieldErrors,
    Text,
)
from wangge.core.masking import mask_name, mask_phone
from wangge.core.models import User
from wangge.org.models import OrgUnit

# The transition table names a requirement by its flag; a few flags are sent under another name.


def action_endpoint_actions() -> list[CaseAction]:
    """Every action done to an existing case, in table order: each gets its own endpoint."""
    actions = [t.action for t in TRANSITIONS if not t.creates]
    return list(dict.fromkeys(actions))


# --- errors -----------------------------------------------------------------------------------


class CodedDetail(Schema):
    detail: str
    code: Literal["invalid_transition", "conflict"]


# --- input ------------------------------------------------------------------------------------


class CaseIn(BodyIn):
    category: Text = Field(description="Subcategory code, e.g. C0104")
    description: Text
    title: Text = Field("", description="Defaults to the description's first line")
    lon: BodyFloat | None = Field(None, description="Longitude, WGS84")
    lat: BodyFloat | None = Field(None, description="Latitude, WGS84")
    address: Text = ""
    grid: Text = Field("", description="A grid code, when staff choose the grid themselves")
    channel: Channel | None = Field(None, description="Defaults from who reports")
    urgency: Urgency = Urgency.NORMAL
    reporter_name: Text = ""
    reporter_phone: Text = ""
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="The category's Open311 attributes, by code"
    )
    attachments: list[UUID] = Field(
        default_factory=list, description="uids of files uploaded to /attachments"
    )
    source_ref: Text = Field("", description="The case's reference in the sending system")
    resolve_on_the_spot: BodyBool = Field(
        False, description="A grid worker resolved it on the spot (自行处置): needs note, photo"
    )
    note: Text = Field("", description="What was done on the spot")


class ActionIn(BodyIn):
    note: Text = ""
    reason: Text = ""
    department: Text = Field("", description="Unit code: a department, or a grid")
    assisting: list[Text] = Field(default_factory=list, description="Assisting department codes")
    new_deadline: datetime | None = None
    rating: Rating | None = None
    rating_comment: Text = ""
    master: Text = Field("", description="Number of the case this one duplicates")
    category: Text = Field("", description="Subcategory code (accepting may reclassify)")
    supervision_level: BodyInt | None = Field(None, description="1 reminder, 2 yellow, 3 red card")
    grid: Text = Field("", description="Grid code")
    attachments: list[UUID] = Field(default_factory=list, description="uids of uploaded files")
    resolved: BodyBool = Field(True, description="Closing: resolved, or closed with a reason")
    version: BodyInt | None = Field(
        None, description="The case version you saw: refused with 409 if it has moved since"
    )

    def action_input(self) -> ActionInput:
        return ActionInput(
            note=self.note,
            reason=self.reason,
            department=self.department,
            assisting=list(self.assisting),
            new_deadline=self.new_deadline,
            rating=self.rating.value if self.rating else "",
            rating_comment=self.rating_comment,
            master=self.master,
            category=self.category,
            supervision_level=self.supervision_level,
            grid=self.grid,
            attachments=[str(uid) for uid in self.attachments],
            resolved=self.resolved,
        )


class CaseListQuery(Schema):
    state: list[CaseState] = Field(default_factory=list, description="Repeat for several")
    category: Text = Field("", description="A class or subcategory code")
    unit: Text = Field("", description="An org unit code: cases anywhere under it")
    overdue: bool | None = None
    reported_from: date | None = None
    reported_to: date | None = Field(None, description="Inclusive")
    text: Text = Field("", max_length=100, description="Number, or words of the title/address")
    channel: Channel | None = None
    needs_grid: bool | None = None
    cursor: Text = Field("", max_length=200, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


# --- output: cases ----------------------------------------------------------------------------


class Ref(Schema):
    code: str
    name: str


class CaseSummary(Schema):
    number: str
    title: str
    state: CaseState
    state_label: str
    category: Ref
    channel: Channel
    urgency: Urgency
    area: Ref = Field(description="The grid, or the unit filed under while it needs one")
    needs_grid: bool
    department: Ref | None = Field(description="The handling unit: a department or a grid")
    reported_at: datetime
    due_at: datetime | None
    light: Literal["green", "yellow", "red", ""] = Field(
        description="The current deadline: yellow past 80 % of it, red past it"
    )
    supervision_level: int = Field(description="0 none, 1 reminder, 2 yellow, 3 red card")
    version: int


class CasePage(Schema):
    items: list[CaseSummary]
    next_cursor: str | None


class QueuePage(CasePage):
    tab: str


class Reporter(Schema):
    name: str = Field(description="Masked, e.g. 张**")
    phone: str = Field(description="Masked, e.g. 138****5678")


class Deadlines(Schema):
    stage: str = Field(description="accept, dispatch, handle, or empty while none runs")
    accept_due_at: datetime
    handle_due_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None = Field(description="When the current deadline turns yellow")


class PendingRequestOut(Schema):
    kind: PendingRequest
    label: str
    due_at: datetime | None
    reason: str


class AssignmentOut(Schema):
    unit: Ref
    role: str
    due_at: datetime
    signed_at: datetime | None
    finished_at: datetime | None
    is_active: bool


class AttachmentOut(Schema):
    uid: UUID
    name: str
    content_type: str
    size: int
    url: str


class UploadOut(Schema):
    uid: UUID
    name: str
    content_type: str
    size: int


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_state: str = Field(description="Empty for the event that created the case")
    to_state: str
    actor_name: str
    actor_kind: str
    note: str
    data: dict[str, Any]
    created_at: datetime
    attachments: list[AttachmentOut]


class AllowedAction(Schema):
    action: CaseAction
    label: str
    requires: list[str] = Field(description="ActionIn fields this action needs")
    url: str = Field(description="Where to POST it")


class CaseDetail(CaseSummary):
    description: str
    lon: float | None
    lat: float | None
    address: str
    reporter: Reporter
    attributes: dict[str, Any]
    handler: str | None = Field(description="Who signed for it")
    deadlines: Deadlines
    is_resolved: bool | None
    rating: Rating | Literal[""]
    rating_comment: str
    rated_at: datetime | None
    reopen_count: int
    pending_request: PendingRequestOut | None
    master: str | None = Field(description="Number of the case this one was merged into")
    assignments: list[AssignmentOut]
    attachments: list[AttachmentOut]
    timeline: list[EventOut]
    allowed_actions: list[AllowedAction] = Field(description="What you may do now")


def _ref(unit: OrgUnit | Category | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def case_summary(case: Case, now: datetime) -> dict[str, Any]:
    """Reads case.category, case.area and case.department: select them with the case."""
    return {
        "number": case.number,
        "title": case.title,
        "state": case.state,
        "state_label": str(CaseState(case.state).label),
        "category": _ref(case.category),
        "channel": case.channel,
        "urgency": case.urgency,
        "area": _ref(case.area),
        "needs_grid": case.needs_grid,
        "department": _ref(case.department),
        "reported_at": case.reported_at,
        "due_at": case.due_at,
        "light": deadline_light(case.due_at, case.warn_at, now),
        "supervision_level": case.supervision_level,
        "version": case.version,
    }


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {
        "uid": attachment.uid,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("api:attachment_file", kwargs={"uid": attachment.uid}),
    }


def upload_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "uid": attachment.uid,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
    }


def _event(event: CaseEvent, files: list[Attachment]) -> dict[str, Any]:
    try:
        label = str(CaseAction(event.action).label)
    except ValueError:  # an action since removed from the table: its log line stays
        label = event.action
    return {
        "seq": event.seq,
        "action": event.action,
        "action_label": label,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor_name": event.actor_label,
        "actor_kind": event.actor_kind,
        "note": event.note,
        "data": event.data,
        "created_at": event.created_at,
        "attachments": [_attachment(a) for a in files],
    }


def _allowed(t: Transition, number: str) -> dict[str, Any]:
    return {
        "action": t.action,
        "label": str(t.label),
        "requires": list(t.requires.fields),
        "url": reverse(f"api:case_{t.action.value}", kwargs={"number": number}),
    }


def case_detail(
    user: User, case: Case, now: datetime, *, filed: CaseEvent | None = None
) -> dict[str, Any]:
    """Everything about one case `user` may see, with the actions open to them now. Reads the
    timeline, the assignments and who the user is to the case (a handful of queries).
    `filed`: the first event of a case this request has just filed, which is answered from
    memory (one event, nobody assigned yet) instead of being read back."""
    if filed is None:
        events = timeline(case)
        files = {event.pk: list(event.attachments.all()) for event in events}
        assignments = list(case.assignments.select_related("unit").order_by("id"))
        assists = None
    else:
        events = [filed]
        files = {filed.pk: list(filed.attachments.all()) if "attachments" in filed.data else []}
        assignments, assists = [], []
    pending = None
    if case.pending_request:
        pending = {
            "kind": case.pending_request,
            "label": str(PendingRequest(case.pending_request).label),
            "due_at": case.pending_due_at,
            "reason": case.pending_reason,
        }
    return {
        **case_summary(case, now),
        "description": case.description,
        "lon": case.lon,
        "lat": case.lat,
        "address": case.address,
        "reporter": {
            "name": mask_name(case.reporter_name),
            "phone": mask_phone(case.reporter_phone),
        },
        "attributes": case.attributes,
        "handler": case.handler.display_name if case.handler else None,
        "deadlines": {
            "stage": case.stage,
            "accept_due_at": case.accept_due_at,
            "handle_due_at": case.handle_due_at,
            "due_at": case.due_at,
            "warn_at": case.warn_at,
        },
        "is_resolved": case.is_resolved,
        "rating": case.rating,
        "rating_comment": case.rating_comment,
        "rated_at": case.rated_at,
        "reopen_count": case.reopen_count,
        "pending_request": pending,
        "master": case.master.number if case.master else None,
        "assignments": [
            {
                "unit": _ref(a.unit),
                "role": a.role,
                "due_at": a.due_at,
                "signed_at": a.signed_at,
                "finished_at": a.finished_at,
                "is_active": a.is_active,
            }
            for a in assignments
        ],
        # Every linked file belongs to an event, so the timeline already holds them all.
        "attachments": [_attachment(a) for e in events for a in files[e.pk]],
        "timeline": [_event(e, files[e.pk]) for e in events],
        "allowed_actions": [
            _allowed(t, case.number) for t in actions_for(user, case, assists=assists)
        ],
    }


# --- output: categories -----------------------------------------------------------------------


class StageDeadline(Schema):
    amount: float
    unit: str = Field(description="working_hours, working_days or hours")


class CategoryDeadlines(Schema):
    accept: StageDeadline
    dispatch: StageDeadline
    handle: StageDeadline


class CategoryOut(Schema):
    code: str
    name: str
    kind: str
    is_grid_entry: bool = Field(description="May be pushed down to grid workers (入格事项)")
    default_department: str | None = Field(description="Unit code")
    deadlines: CategoryDeadlines
    open311_attributes: list[dict[str, Any]]


class CategoryClassOut(CategoryOut):
    children: list[CategoryOut]


class CategoryDetail(CategoryClassOut):
    parent: Ref | None
    is_active: bool


def category_out(category: Category) -> dict[str, Any]:
    """Reads category.default_department: select it with the category."""
    department = category.default_department
    return {
        "code": category.code,
        "name": category.name,
        "kind": category.kind,
        "is_grid_entry": category.is_grid_entry,
        "default_department": department.code if department else None,
        "deadlines": {
            stage: {
                "amount": float(getattr(category, f"{stage}_amount")),
                "unit": getattr(category, f"{stage}_unit"),
            }
            for stage in STAGES
        },
        "open311_attributes": category.open311_attributes,
    }


def category_tree(categories: list[Category]) -> list[dict[str, Any]]:
    """Classes with their subcategories, from a list in tree order."""
    classes: dict[int, dict[str, Any]] = {}
    for category in categories:
        if category.parent_id is None:
            classes[category.pk] = {**category_out(category), "children": []}
        elif category.parent_id in classes:
            classes[category.parent_id]["children"].append(category_out(category))
    return list(classes.values())


# --- output: the workflow ---------------------------------------------------------------------


class StateOut(Schema):
    state: CaseState
    label: str
    is_final: bool


class WhoOut(Schema):
    kind: str
    relation: str


class TransitionOut(Schema):
    action: CaseAction
    label: str
    from_states: list[CaseState] = Field(description="Empty: the action creates a case")
    to_state: CaseState | None = Field(description="null: the case stays in its state")
    who: list[WhoOut] = Field(description="Any one of these may do it")
    requires: list[str] = Field(description="ActionIn (or CaseIn) fields it needs")


class WorkflowOut(Schema):
    states: list[StateOut]
    transitions: list[TransitionOut]
    actor_kinds: dict[str, str] = Field(description="Label of each kind")


def workflow_out() -> dict[str, Any]:
    return {
        "states": [
            {"state": state, "label": str(state.label), "is_final": state in FINAL_STATES}
            for state in CaseState
        ],
        "transitions": [
            {
                "action": t.action,
                "label": str(t.label),
                "from_states": [state for state in CaseState if state in t.from_states],
                "to_state": t.to_state,
                "who": [
                    {"kind": actor.kind.value, "relation": actor.relation.value}
                    for actor in sorted(t.actors)
                ],
                "requires": list(t.requires.fields),
            }
            for t in TRANSITIONS
        ],
        "actor_kinds": {kind.value: str(kind.label) for kind in ActorKind},
    }
