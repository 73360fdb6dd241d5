"""The shapes of the meetings API (`wangge.meetings.api`). A proposer's phone leaves only
masked; a secret vote's voters never leave at all (only how many there are).

Bodies give their fields defaults where the service checks them anyway: the object or community
named in the path is found (or refused, 404) before the body's content is judged, and a missing
value is then a 422 naming it, from the service, in the same words as on the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AwareDatetime

from wangge.core.api_schemas import BodyBool, BodyId, BodyIn, BodyInt, RecordId, Text
from wangge.core.masking import mask_phone
from wangge.meetings.models import (
    Electorate,
    InviteeKind,
    MajorityBase,
    Meeting,
    MeetingKind,
    Procedure,
    Step,
    Task,
    Threshold,
    Topic,
    TopicSource,
    TopicState,
    Vote,
)


class ListQuery(Schema):
    community: RecordId | None = Field(None, description="A community's or village's id")
    cursor: RecordId | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


class TopicListQuery(ListQuery):
    state: TopicState | None = None


class TaskListQuery(ListQuery):
    mine: bool = False
    overdue: bool = False


# --- topics ---------------------------------------------------------------------------------


class TopicIn(BodyIn):
    title: Text = Field("", max_length=500)
    description: Text = Field("", max_length=5000)
    source: TopicSource = TopicSource.STAFF
    proposer_name: Text = Field("", max_length=200)
    proposer_phone: Text = Field("", max_length=32)


class ReasonIn(BodyIn):
    reason: Text = Field("", max_length=5000)


class CasesIn(BodyIn):
    case_numbers: list[Annotated[Text, Field(max_length=32)]] | None = Field(
        None, max_length=200, description="Those of the stuck cases to take; all when absent"
    )
    open_days: Annotated[int, Field(ge=1, le=3650)] = 30


class TopicOut(Schema):
    id: int
    community: int
    title: str
    description: str
    source: str
    proposer_name: str
    proposer_phone: str = Field(description="Masked")
    case: str | None = Field(description="The case's number, for a topic taken from a case")
    state: str
    meeting: int | None
    outcome_note: str
    created_at: datetime


def topic_out(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "community": topic.community_id,
        "title": topic.title,
        "description": topic.description,
        "source": topic.source,
        "proposer_name": topic.proposer_name,
        "proposer_phone": mask_phone(topic.proposer_phone),
        "case": topic.case.number if topic.case_id else None,
        "state": topic.state,
        "meeting": topic.meeting_id,
        "outcome_note": topic.outcome_note,
        "created_at": topic.created_at,
    }


class TopicPage(Schema):
    items: list[TopicOut]
    next_cursor: int | None


# --- meetings -------------------------------------------------------------------------------


class InviteeIn(Schema):
    kind: InviteeKind
    username: Text = Field("", max_length=150, description="For an account")
    name: Text = Field("", max_length=200)
    organisation: Text = Field("", max_length=200)


class MeetingIn(BodyIn):
    kind: MeetingKind | None = None
    title: Text = Field("", max_length=500)
    scheduled_at: AwareDatetime | None = None
    place: Text = Field("", max_length=500)
    topics: list[BodyId] = Field(default_factory=list, max_length=100)
    invitees: list[InviteeIn] = Field(default_factory=list, max_length=500)


class MinutesIn(BodyIn):
    minutes: Text = Field("", max_length=30000)


class SignInIn(BodyIn):
    invitee: BodyId | None = Field(None, description="The invitee's id (required)")
    present: BodyBool = True


class TaskIn(Schema):
    title: Text = Field(max_length=500)
    owner: Text = Field(max_length=150, description="The owner's user name")
    due_on: date


class DecisionIn(BodyIn):
    text: Text = Field("", max_length=5000)
    topic: BodyId | None = None
    tasks: list[TaskIn] = Field(default_factory=list, max_length=20)


class InviteeOut(Schema):
    id: int
    kind: str
    name: str
    organisation: str
    signed_in_at: datetime | None


class TaskOut(Schema):
    id: int
    decision: int
    meeting: int
    community: int
    title: str
    owner: str
    state: str
    due_at: datetime
    light: str = Field(description="green, yellow or red while open (read from the clock)")
    done_at: datetime | None
    done_note: str


def task_out(task: Task, light: str) -> dict[str, Any]:
    return {
        "id": task.pk,
        "decision": task.decision_id,
        "meeting": task.decision.meeting_id,
        "community": task.community_id,
        "title": task.title,
        "owner": task.owner.username,
        "state": task.state,
        "due_at": task.due_at,
        "light": light,
        "done_at": task.done_at,
        "done_note": task.done_note,
    }


class DecisionOut(Schema):
    id: int
    topic: int | None
    text: str
    tasks: list[TaskOut]


class MeetingOut(Schema):
    id: int
    community: int
    kind: str
    title: str
    scheduled_at: datetime
    place: str
    state: str
    held_at: datetime | None


class MeetingDetail(MeetingOut):
    minutes: str
    topics: list[TopicOut]
    invitees: list[InviteeOut]
    decisions: list[DecisionOut]
    tasks_to_report: list[TaskOut]


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "community": meeting.community_id,
        "kind": meeting.kind,
        "title": meeting.title,
        "scheduled_at": meeting.scheduled_at,
        "place": meeting.place,
        "state": meeting.state,
        "held_at": meeting.held_at,
    }


class MeetingPage(Schema):
    items: list[MeetingOut]
    next_cursor: int | None


class LinkOut(Schema):
    url: str


class CompleteIn(BodyIn):
    note: Text = Field("", max_length=5000)
    evidence: list[Annotated[Text, Field(max_length=64)]] = Field(
        default_factory=list, max_length=5, description="uids of your uploads (/attachments)"
    )


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: int | None


# --- votes ----------------------------------------------------------------------------------


class VoteIn(BodyIn):
    question: Text = Field("", max_length=500)
    options: list[Annotated[Text, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    electorate: Electorate | None = None
    compound_id: BodyId | None = Field(None, description="For the owners of a compound")
    meeting_id: BodyId | None = Field(None, description="For those present at a meeting")
    decision_id: BodyId | None = Field(None, description="The decision voted on, if any")
    names: list[Annotated[Text, Field(max_length=200)]] = Field(
        default_factory=list, max_length=5000
    )
    is_secret: BodyBool = False
    is_changeable: BodyBool = True
    quorum: Threshold = Threshold.MORE_THAN_HALF
    majority: Threshold = Threshold.MORE_THAN_HALF
    majority_base: MajorityBase = MajorityBase.CAST
    closes_at: AwareDatetime | None = None


class ResultOut(Schema):
    counts: list[int]
    cast: int
    eligible: int
    quorum_met: bool
    majority_met: bool
    passed: bool


class VoteOut(Schema):
    id: int
    community: int
    decision: int | None
    question: str
    options: list[str]
    is_secret: bool
    is_changeable: bool
    electorate: str
    quorum: str
    majority: str
    majority_base: str
    closes_at: datetime
    state: str
    eligible: int
    result: ResultOut | None


def vote_out(vote: Vote) -> dict[str, Any]:
    return {
        "id": vote.pk,
        "community": vote.community_id,
        "decision": vote.decision_id,
        "question": vote.question,
        "options": vote.options,
        "is_secret": vote.is_secret,
        "is_changeable": vote.is_changeable,
        "electorate": vote.electorate,
        "quorum": vote.quorum,
        "majority": vote.majority,
        "majority_base": vote.majority_base,
        "closes_at": vote.closes_at,
        "state": vote.state,
        "eligible": vote.eligible_count,
        "result": vote.result,
    }


class VotePage(Schema):
    items: list[VoteOut]
    next_cursor: int | None


class VoterLinkOut(Schema):
    voter: str
    url: str


class BallotIn(BodyIn):
    choice: BodyInt | None = Field(None, ge=0, le=50, description="The option's index, from 0")


class BallotOut(Schema):
    question: str
    options: list[str]
    is_open: bool
    is_changeable: bool
    closes_at: datetime
    my_choice: int | None
    result: ResultOut | None


# --- procedures -----------------------------------------------------------------------------


class ProcedureIn(BodyIn):
    title: Text = Field("", max_length=500)
    description: Text = Field("", max_length=5000)


class StepIn(BodyIn):
    step: Step | None = None
    held_on: date | None = None
    expected: BodyInt | None = Field(None, ge=0, le=100000)
    present: BodyInt | None = Field(None, ge=0, le=100000)
    in_favour: BodyInt | None = Field(None, ge=0, le=100000)
    notes: Text = Field("", max_length=5000)
    documents: list[Annotated[Text, Field(max_length=64)]] = Field(
        default_factory=list, max_length=10, description="uids of your uploads (/attachments)"
    )


class StepOut(Schema):
    step: str
    held_on: date
    expected: int | None
    present: int | None
    in_favour: int | None
    notes: str
    documents: list[str] = Field(description="File names")


class ProcedureOut(Schema):
    id: int
    community: int
    title: str
    description: str
    next_step: str | None
    steps: list[StepOut]


def procedure_out(procedure: Procedure, next_step: str | None) -> dict[str, Any]:
    return {
        "id": procedure.pk,
        "community": procedure.community_id,
        "title": procedure.title,
        "description": procedure.description,
        "next_step": next_step,
        "steps": [
            {
                "step": step.step,
                "held_on": step.held_on,
                "expected": step.expected,
                "present": step.present,
                "in_favour": step.in_favour,
                "notes": step.notes,
                "documents": [doc.attachment.name for doc in step.documents.all()],
            }
            for step in procedure.steps.all()
        ],
    }


class ProcedurePage(Schema):
    items: list[ProcedureOut]
    next_cursor: int | None
