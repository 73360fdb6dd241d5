"""The shapes of the claiming API (`wangge.claims.api`): what a client sends, what it gets back,
and the functions that turn rows into those shapes. Phones leave only masked; evidence files are
fetched through the cases API's attachment endpoint, or the page's evidence link."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from wangge.claims.models import (
    Agreement,
    AgreementState,
    MemberUnit,
    MemberUnitKind,
    Need,
    NeedSource,
    NeedState,
    Project,
    ProjectState,
    Resource,
    ResourceKind,
    Urgency,
    Volunteer,
    VolunteerState,
)
from wangge.claims.services import Suggestion
from wangge.core.api_schemas import BodyBool, BodyId, BodyIn, RecordId, Text
from wangge.core.masking import mask_phone

Quantity = Annotated[int, Field(ge=1, le=100_000_000, strict=True)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class ClaimsDetail(Schema):
    detail: str


class ClaimsFieldError(Schema):
    loc: list[str | int]
    msg: str


class ClaimsFieldErrors(Schema):
    detail: list[ClaimsFieldError]


class ClaimsRef(Schema):
    id: int
    name: str


class ClaimsCommunityRef(Schema):
    code: str
    name: str


# --- input ------------------------------------------------------------------------------------


class ClaimsPageQuery(Schema):
    before: RecordId | None = Field(None, description="next_before of the previous page")
    limit: int = Field(50, ge=1, le=200)


class ClaimsNeedListQuery(ClaimsPageQuery):
    state: NeedState | None = None
    kind: ResourceKind | None = None
    community: Text = Field("", max_length=32, description="A community code")


class ClaimsAgreementListQuery(ClaimsPageQuery):
    state: AgreementState | None = None
    overdue: bool = Field(False, description="Only live agreements past a date")
    member_unit_id: RecordId | None = None


class ClaimsVolunteerListQuery(ClaimsPageQuery):
    state: VolunteerState | None = None


class ClaimsMemberUnitIn(BodyIn):
    name: Text = Field(max_length=200)
    kind: MemberUnitKind = MemberUnitKind.OTHER
    communities: list[Annotated[Text, Field(max_length=32)]] = Field(
        max_length=50, description="Codes of the communities the unit serves"
    )
    credit_code: Text = Field("", max_length=32)
    address: Text = Field("", max_length=400)
    note: Text = Field("", max_length=4000)


class ClaimsResourceIn(BodyIn):
    kind: ResourceKind
    title: Text = Field(max_length=200)
    community: Text = Field(max_length=32, description="Where it is offered: a community code")
    description: Text = Field("", max_length=8000)
    quantity: Quantity | None = None
    unit: Text = Field("", max_length=32)
    place: Text = Field("", max_length=200)
    available_from: date | None = None
    available_until: date | None = None


class ClaimsNeedIn(BodyIn):
    community: Text = Field("", max_length=32, description="A community code (not with case)")
    case: Text = Field("", max_length=32, description="A case number you can see")
    kind: ResourceKind
    title: Text = Field(max_length=200)
    description: Text = Field("", max_length=8000)
    quantity: Quantity | None = None
    unit: Text = Field("", max_length=32)
    place: Text = Field("", max_length=200)
    urgency: Urgency = Urgency.NORMAL
    wanted_by: date | None = None
    contact_name: Text = Field("", max_length=128)
    contact_phone: Text = Field("", max_length=32)


class ClaimsProjectIn(BodyIn):
    community: Text = Field(max_length=32)
    title: Text = Field(max_length=200)
    description: Text = Field("", max_length=8000)
    budget: Money | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class ClaimsDeliverableIn(BodyIn):
    title: Text = Field(max_length=400)
    due_on: date


class ClaimsClaimIn(BodyIn):
    member_unit_id: BodyId
    title: Text = Field("", max_length=200)
    terms: Text = Field("", max_length=8000)
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: list[ClaimsDeliverableIn] = Field([], max_length=20)


class ClaimsProgressIn(BodyIn):
    note: Text = Field(max_length=8000)
    deliverable_id: BodyId | None = None
    evidence: list[UUID] = Field(
        [], max_length=6, description="uids of your uploads (POST /api/v1/attachments)"
    )


class ClaimsCompleteIn(BodyIn):
    outcome: Text = Field(max_length=8000)
    evidence: list[UUID] = Field([], max_length=6)


class ClaimsReasonIn(BodyIn):
    reason: Text = Field(max_length=400)


class ClaimsHoursIn(BodyIn):
    served_on: date
    hours: Annotated[Decimal, Field(ge=0, le=100, max_digits=4, decimal_places=1)]
    what: Text = Field(max_length=400)


class ClaimsDecisionIn(BodyIn):
    confirmed: BodyBool = True


class ClaimsFiguresQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Funds of this year only")


# --- output -----------------------------------------------------------------------------------


class ClaimsMemberUnitOut(Schema):
    id: int
    name: str
    kind: MemberUnitKind
    credit_code: str
    address: str
    is_active: bool
    communities: list[ClaimsCommunityRef]


class ClaimsMemberUnitPage(Schema):
    items: list[ClaimsMemberUnitOut]
    next_before: int | None


class ClaimsResourceOut(Schema):
    id: int
    member_unit: ClaimsRef
    community: ClaimsCommunityRef
    kind: ResourceKind
    title: str
    description: str
    quantity: int | None
    unit: str
    place: str
    available_from: date | None
    available_until: date | None
    is_active: bool


class ClaimsResourcePage(Schema):
    items: list[ClaimsResourceOut]
    next_before: int | None


class ClaimsNeedOut(Schema):
    id: int
    community: ClaimsCommunityRef
    kind: ResourceKind
    title: str
    description: str
    quantity: int | None
    unit: str
    place: str
    urgency: Urgency
    wanted_by: date | None
    state: NeedState
    source: NeedSource
    case: str | None = Field(description="The case number it was raised from")
    contact_phone: str = Field(description="Masked, e.g. 138****5678")
    created_at: datetime


class ClaimsNeedPage(Schema):
    items: list[ClaimsNeedOut]
    next_before: int | None


class ClaimsSuggestionOut(Schema):
    resource: ClaimsResourceOut
    score: int = Field(description="Out of 100")
    reasons: list[str]


class ClaimsProjectOut(Schema):
    id: int
    community: ClaimsCommunityRef
    title: str
    description: str
    budget: Decimal | None
    starts_on: date | None
    ends_on: date | None
    state: ProjectState


class ClaimsProjectPage(Schema):
    items: list[ClaimsProjectOut]
    next_before: int | None


class ClaimsDeliverableOut(Schema):
    id: int
    title: str
    due_on: date
    done_at: datetime | None
    is_overdue: bool


class ClaimsProgressOut(Schema):
    id: int
    note: str
    is_completion: bool
    deliverable_id: int | None
    recorded_at: datetime
    evidence: list[UUID]


class ClaimsAgreementOut(Schema):
    id: int
    community: ClaimsCommunityRef
    member_unit: ClaimsRef
    title: str
    state: AgreementState
    starts_on: date
    ends_on: date
    is_overdue: bool
    need_id: int | None
    project_id: int | None
    claimed_at: datetime
    fulfilled_at: datetime | None


class ClaimsAgreementDetail(ClaimsAgreementOut):
    terms: str
    outcome: str
    deliverables: list[ClaimsDeliverableOut]
    progress: list[ClaimsProgressOut]


class ClaimsAgreementPage(Schema):
    items: list[ClaimsAgreementOut]
    next_before: int | None


class ClaimsVolunteerOut(Schema):
    id: int
    community: ClaimsCommunityRef
    name: str
    phone: str = Field(description="Masked")
    is_party_member: bool
    skills: str
    state: VolunteerState
    registered_at: datetime


class ClaimsVolunteerPage(Schema):
    items: list[ClaimsVolunteerOut]
    next_before: int | None


class ClaimsHoursOut(Schema):
    id: int
    volunteer_id: int
    served_on: date
    hours: Decimal
    what: str
    state: str


class ClaimsAgreementFigure(Schema):
    reached: int
    fulfilled: int
    overdue: int


class ClaimsCommunityFigure(ClaimsAgreementFigure):
    community: str
    code: str


class ClaimsMemberUnitFigure(ClaimsAgreementFigure):
    member_unit_id: int
    member_unit: str


class ClaimsFundFigure(Schema):
    allocation_id: int
    community: str
    code: str
    year: int
    allocated: Decimal
    spent: Decimal
    left: Decimal


class ClaimsHoursFigure(Schema):
    community: str
    code: str
    hours: Decimal
    volunteers: int


class ClaimsFiguresOut(Schema):
    by_community: list[ClaimsCommunityFigure]
    by_member_unit: list[ClaimsMemberUnitFigure]
    funds: list[ClaimsFundFigure]
    hours: list[ClaimsHoursFigure]


# --- builders ---------------------------------------------------------------------------------


def _community(unit: Any) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def member_unit_out(unit: MemberUnit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "credit_code": unit.credit_code,
        "address": unit.address,
        "is_active": unit.is_active,
        "communities": [_community(c) for c in unit.communities.all()],
    }


def resource_out(row: Resource) -> dict[str, Any]:
    return {
        "id": row.pk,
        "member_unit": {"id": row.member_unit_id, "name": row.member_unit.name},
        "community": _community(row.community),
        "kind": row.kind,
        "title": row.title,
        "description": row.description,
        "quantity": row.quantity,
        "unit": row.unit,
        "place": row.place,
        "available_from": row.available_from,
        "available_until": row.available_until,
        "is_active": row.is_active,
    }


def need_out(row: Need) -> dict[str, Any]:
    return {
        "id": row.pk,
        "community": _community(row.community),
        "kind": row.kind,
        "title": row.title,
        "description": row.description,
        "quantity": row.quantity,
        "unit": row.unit,
        "place": row.place,
        "urgency": row.urgency,
        "wanted_by": row.wanted_by,
        "state": row.state,
        "source": row.source,
        "case": row.case.number if row.case_id else None,
        "contact_phone": mask_phone(row.contact_phone),
        "created_at": row.created_at,
    }


def suggestion_out(found: Suggestion) -> dict[str, Any]:
    return {
        "resource": resource_out(found.resource),
        "score": found.score,
        "reasons": found.reasons,
    }


def project_out(row: Project) -> dict[str, Any]:
    return {
        "id": row.pk,
        "community": _community(row.community),
        "title": row.title,
        "description": row.description,
        "budget": row.budget,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "state": row.state,
    }


def agreement_out(row: Agreement) -> dict[str, Any]:
    return {
        "id": row.pk,
        "community": _community(row.community),
        "member_unit": {"id": row.member_unit_id, "name": row.member_unit.name},
        "title": row.title,
        "state": row.state,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "is_overdue": bool(getattr(row, "is_overdue", False)),
        "need_id": row.need_id,
        "project_id": row.project_id,
        "claimed_at": row.claimed_at,
        "fulfilled_at": row.fulfilled_at,
    }


def volunteer_out(row: Volunteer) -> dict[str, Any]:
    return {
        "id": row.pk,
        "community": _community(row.community),
        "name": row.name,
        "phone": mask_phone(row.phone),
        "is_party_member": row.is_party_member,
        "skills": row.skills,
        "state": row.state,
        "registered_at": row.registered_at,
    }
