"""The shapes of the campaigns API (`wangge.campaigns.api`): what a client sends and gets back.
A visit body is strict (`BodyIn`: an object, numbers and flags as the schema says); a person's
name in a person target is shown as it is to those who may visit them, never a number."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from wangge.campaigns.models import Campaign, OutcomeCode, Question, Target, Visit
from wangge.campaigns.queries import Figures, Progress
from wangge.core.api_schemas import (  # noqa: F401 (re-exported)
    BodyBool,
    BodyFloat,
    BodyId,
    BodyIn,
    BodyInt,
    Detail,
    FieldError,
    FieldErrors,
    Text,
)

AnswerValue = Text | list[Text] | BodyInt | BodyFloat


class PageQuery(Schema):
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(50, ge=1, le=200)


class CampaignOut(Schema):
    id: int
    title: str
    description: str
    unit_code: str
    unit_name: str
    starts_on: date
    ends_on: date
    state: str
    target_kind: str


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_offset: int | None


class CampaignFiguresOut(Schema):
    unit_code: str
    unit_name: str
    unit_kind: str
    targets: int
    visited: int
    reached: int
    remaining: int
    share: float = Field(description="Share of targets done, 0 to 1")


class ProgressOut(Schema):
    total: CampaignFiguresOut
    towns: list[CampaignFiguresOut]
    communities: list[CampaignFiguresOut]
    grids: list[CampaignFiguresOut]


class TargetOut(Schema):
    id: int
    campaign_id: int
    label: str
    address: str
    compound: str
    building: str
    floor: int | None
    number: str
    grid_code: str
    category: str
    visits: int
    outcome: str | None
    is_reached: bool
    is_done: bool
    last_visited_at: datetime | None
    is_mine: bool


class TargetPage(Schema):
    items: list[TargetOut]
    next_offset: int | None


class OutcomeOut(Schema):
    code: str
    name: str
    counts_as_reached: bool
    is_done: bool


class NewResidentIn(BodyIn):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(..., min_length=1, max_length=64)
    document_type: Text = Field("id_card", max_length=20)
    document_number: Text = Field("", max_length=32)
    phone: Text = Field("", max_length=30)
    relation: Text = Field("tenant", max_length=8)
    moved_in: date | None = None


class CanvassVisitIn(BodyIn):
    model_config = ConfigDict(extra="forbid")

    client_uuid: uuid.UUID = Field(
        ..., description="Made by the client; a resend is the same visit"
    )
    outcome: Text = Field(..., max_length=32, description="An active outcome code")
    answers: dict[Annotated[str, Field(max_length=20)], AnswerValue] = Field(
        default_factory=dict, description="By question id: text, a choice, choices, a number"
    )
    note: Text = Field("", max_length=2000)
    visited_at: AwareDatetime | None = Field(None, description="When it was made (default: now)")
    new_resident: NewResidentIn | None = None


Code = Annotated[Text, Field(max_length=64)]
Choice = Annotated[Text, Field(max_length=200)]


class CampaignIn(BodyIn):
    """A new campaign, saved as a draft; its selectors by org unit code, compound and building
    id, house use and person tag code (none given: the whole unit that runs it)."""

    model_config = ConfigDict(extra="forbid")

    title: Text = Field(..., max_length=100)
    unit_code: Code = Field(..., description="The community, town or district that runs it")
    starts_on: date
    ends_on: date
    description: Text = Field("", max_length=4000)
    target_kind: Text = Field("houses", max_length=16, description="houses or persons")
    unit_codes: list[Code] = Field(default_factory=list, max_length=200)
    compound_ids: list[BodyId] = Field(default_factory=list, max_length=500)
    building_ids: list[BodyId] = Field(default_factory=list, max_length=2000)
    uses: list[Code] = Field(default_factory=list, max_length=20)
    tags: list[Code] = Field(default_factory=list, max_length=50)


class QuestionIn(BodyIn):
    model_config = ConfigDict(extra="forbid")

    label: Text = Field(..., max_length=200)
    kind: Text = Field(
        ..., max_length=16, description="text, single, multiple, number, date or photo"
    )
    choices: list[Choice] = Field(
        default_factory=list, max_length=100, description="For single and multiple: 2 to 30"
    )
    is_required: BodyBool = False
    help_text: Text = Field("", max_length=200)


class QuestionOut(Schema):
    id: int
    campaign_id: int
    order: int
    label: str
    kind: str
    choices: list[str]
    is_required: bool
    help_text: str


class OpenedOut(Schema):
    campaign: CampaignOut
    targets: int = Field(description="How many targets the campaign has now")


class AssignIn(BodyIn):
    """Which targets of an open campaign to give to whom; every criterion given must hold."""

    model_config = ConfigDict(extra="forbid")

    assignee: Code | None = Field(
        ..., description="The username of a helper who may canvass there; null takes them back"
    )
    grid_code: Code | None = None
    building_id: BodyId | None = None
    floor_from: Annotated[BodyInt, Field(ge=-10, le=300)] | None = None
    floor_to: Annotated[BodyInt, Field(ge=-10, le=300)] | None = None
    category: Code = Field("", description="A house use; empty: all")
    target_ids: list[BodyId] | None = Field(None, max_length=5000)
    only_not_done: BodyBool = False
    only_unassigned: BodyBool = False


class AssignedOut(Schema):
    count: int = Field(description="How many targets were given")


class CanvassVisitOut(Schema):
    id: int
    client_uuid: uuid.UUID
    target_id: int
    outcome: str
    visited_at: datetime
    answers: dict[str, Any]
    note: str
    at_the_door: bool
    visitor: str
    new_resident_id: int | None
    recorded_at: datetime


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "description": campaign.description,
        "unit_code": campaign.unit.code,
        "unit_name": campaign.unit.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "state": campaign.state,
        "target_kind": campaign.target_kind,
    }


def question_out(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "campaign_id": question.campaign_id,
        "order": question.order,
        "label": question.label,
        "kind": question.kind,
        "choices": list(question.choices),
        "is_required": question.is_required,
        "help_text": question.help_text,
    }


def figures_out(figures: Figures) -> dict[str, Any]:
    return {
        "unit_code": figures.unit.code,
        "unit_name": figures.unit.name,
        "unit_kind": figures.unit.kind,
        "targets": figures.targets,
        "visited": figures.visited,
        "reached": figures.reached,
        "remaining": figures.remaining,
        "share": round(figures.share, 4),
    }


def progress_out(progress: Progress) -> dict[str, Any]:
    return {
        "total": figures_out(progress.total),
        "towns": [figures_out(f) for f in progress.towns],
        "communities": [figures_out(f) for f in progress.communities],
        "grids": [figures_out(f) for f in progress.grids],
    }


def target_out(target: Target, user_id: int) -> dict[str, Any]:
    """Reads `grid` and `last_outcome`: select them."""
    return {
        "id": target.pk,
        "campaign_id": target.campaign_id,
        "label": target.label,
        "address": target.address,
        "compound": target.compound_name,
        "building": target.building_name,
        "floor": target.floor,
        "number": target.number,
        "grid_code": target.grid.code,
        "category": target.category,
        "visits": target.visits,
        "outcome": target.last_outcome.code if target.last_outcome else None,
        "is_reached": target.is_reached,
        "is_done": target.is_done,
        "last_visited_at": target.last_visited_at,
        "is_mine": target.assignee_id == user_id,
    }


def outcome_out(outcome: OutcomeCode) -> dict[str, Any]:
    return {
        "code": outcome.code,
        "name": outcome.name,
        "counts_as_reached": outcome.counts_as_reached,
        "is_done": outcome.is_done,
    }


def visit_out(visit: Visit) -> dict[str, Any]:
    """Reads `outcome` and `visitor`: select them."""
    return {
        "id": visit.pk,
        "client_uuid": visit.client_uuid,
        "target_id": visit.target_id,
        "outcome": visit.outcome.code,
        "visited_at": visit.visited_at,
        "answers": visit.answers,
        "note": visit.note,
        "at_the_door": bool(visit.proof),
        "visitor": visit.visitor.get_username(),
        "new_resident_id": visit.new_resident_id,
        "recorded_at": visit.recorded_at,
    }
