"""The shapes of the registry API (`wangge.people.api`): what a client sends, what it gets back,
and the functions that turn persons, houses, residences and reveals into those shapes.

ID and phone numbers leave only masked (`mask_id_number`, `mask_phone`); the one exception is the
answer to a reveal, which the reveal service logs. Sensitive tags never appear here except in the
answer to opening them with a purpose. The builders read nothing the caller did not load, except
where a docstring says so, so that a list costs the same number of queries whatever its length.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime

from wangge.core.api_schemas import (  # noqa: F401 (re-exported)
    BodyBool,
    BodyId,
    BodyIn,
    BodyInt,
    Detail,
    FieldError,
    FieldErrors,
    Text,
)
from wangge.core.masking import mask_id_number, mask_phone
from wangge.org.models import OrgUnit
from wangge.people.models import (
    CareVisit,
    DocumentType,
    House,
    HouseUse,
    Person,
    PersonTag,
    Registration,
    Relation,
    Residence,
    Reveal,
    Sex,
    VisitOutcome,
)
from wangge.people.services import LedgerLine, VisitDue

# --- errors -----------------------------------------------------------------------------------


class AlreadyRegisteredOut(Schema):
    detail: str
    code: Literal["already_registered"]
    person_id: int | None = Field(
        description="The person holding the document; null when you may not see them"
    )


# --- input ------------------------------------------------------------------------------------


class PersonListQuery(Schema):
    grid: Text = Field("", max_length=32, description="A grid code")
    name: Text = Field("", max_length=64, description="Part of the name")
    registration: Registration | None = None
    tag: Text = Field("", max_length=32, description="An ordinary tag's code")
    document_type: DocumentType = DocumentType.ID_CARD
    document_number: Text = Field("", max_length=64, description="The whole number: exact match")
    phone: Text = Field("", max_length=32, description="The whole number: exact match")
    cursor: Text = Field("", max_length=400, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


class PersonIn(BodyIn):
    grid: Text = Field(max_length=32, description="The code of the grid the person lives in")
    name: Text = Field(max_length=200)
    document_type: DocumentType = DocumentType.ID_CARD
    document_number: Text = Field("", max_length=64)
    phone: Text = Field("", max_length=32)
    sex: Sex | None = Field(None, description="Taken from a resident ID number when one is given")
    birth_date: date | None = Field(None, description="Taken from a resident ID number too")
    ethnicity: Text = Field("", max_length=200)
    registered_region: Text = Field(
        "", max_length=32, description="Division code (6, 9 or 12 digits) of the 户籍"
    )
    registered_address: Text = Field("", max_length=400)
    overseas: BodyBool = Field(False, description="From outside the mainland (境外人员)")
    workplace: Text = Field("", max_length=200)
    note: Text = Field("", max_length=4000)


class PersonPatch(BodyIn):
    """Only the fields sent are changed."""

    name: Text | None = Field(None, max_length=200)
    document_type: DocumentType | None = None
    document_number: Text | None = Field(None, max_length=64)
    phone: Text | None = Field(None, max_length=32)
    sex: Sex | None = None
    birth_date: date | None = None
    ethnicity: Text | None = Field(None, max_length=200)
    registered_region: Text | None = Field(None, max_length=32)
    registered_address: Text | None = Field(None, max_length=400)
    overseas: BodyBool | None = None
    workplace: Text | None = Field(None, max_length=200)
    note: Text | None = Field(None, max_length=4000)


class RevealIn(BodyIn):
    field: Literal["document_number", "phone"]
    reason: Text = Field("", max_length=1000, description="Why you need the whole number")


class RevealOut(Schema):
    value: str


class PurposeIn(BodyIn):
    purpose: Text = Field("", max_length=1000, description="Why you need to see them")


class HouseListQuery(Schema):
    grid: Text = Field("", max_length=32, description="A grid code")
    use: HouseUse | None = None
    crowded: bool | None = Field(None, description="Rented with too many residents per room")
    cursor: Text = Field("", max_length=400, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


class HouseIn(BodyIn):
    grid: Text = Field(max_length=32, description="The grid code")
    compound: Text = Field("", max_length=200, description="Compound name; empty: none")
    compound_address: Text | None = Field(None, max_length=400)
    building: Text = Field(max_length=200, description="Building name")
    building_address: Text | None = Field(None, max_length=400)
    floors: BodyInt | None = Field(None, description="Floors of the building")
    number: Text = Field(max_length=64, description="House number in the building")
    floor: BodyInt | None = None
    address: Text = Field("", max_length=400, description="Defaults to the building's + number")
    area_m2: Decimal | None = Field(None, description="Floor area in m²")
    use: HouseUse | None = Field(None, description="Defaults to other (kept on an update)")
    rooms: BodyInt | None = None
    owner_id: BodyId | None = None
    landlord_id: BodyId | None = Field(None, description="Rented houses only")


class MoveInIn(BodyIn):
    person_id: BodyId
    relation: Relation
    moved_in: date


class MoveOutIn(BodyIn):
    moved_out: date
    reason: Text = Field("", max_length=1000)


class LedgerQuery(Schema):
    grid: Text = Field("", max_length=32, description="A grid code; empty: every grid you see")
    since: date | None = None
    limit: int = Field(200, ge=1, le=500)


class CareVisitIn(BodyIn):
    outcome: VisitOutcome
    found: Text = Field("", max_length=4000)
    visited_at: AwareDatetime | None = Field(None, description="Defaults to now")
    follow_up_category: Text = Field(
        "", max_length=32, description="A case category code: reports a case for what was found"
    )


class VisitsDueQuery(Schema):
    within_days: int = Field(0, ge=0, le=366, description="Also those due within these days")
    limit: int = Field(100, ge=1, le=500)


class RevealListQuery(Schema):
    cursor: Text = Field("", max_length=400, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


# --- output -----------------------------------------------------------------------------------


class Ref(Schema):
    code: str
    name: str


class PersonRef(Schema):
    id: int
    name: str


class HouseRef(Schema):
    id: int
    address: str


class PersonSummary(Schema):
    id: int
    name: str
    grid: Ref
    sex: Sex
    registration: Registration
    document_type: DocumentType
    document_number: str = Field(description="Masked, e.g. 440703********1234")
    phone: str = Field(description="Masked, e.g. 138****5678")


class PersonPage(Schema):
    items: list[PersonSummary]
    next_cursor: str | None


class ResidenceOut(Schema):
    id: int
    house: HouseRef
    relation: Relation
    moved_in: date
    moved_out: date | None


class TagOut(Schema):
    code: str
    name: str
    since: date
    note: str


class SensitiveTagOut(TagOut):
    expires_at: datetime | None


class PersonDetail(PersonSummary):
    birth_date: date | None
    ethnicity: str
    registered_region: str
    registered_address: str
    workplace: str
    note: str
    residences: list[ResidenceOut] = Field(description="Where the person lives now")
    tags: list[TagOut] = Field(description="Ordinary tags; sensitive ones are opened apart")
    created_at: datetime
    updated_at: datetime


class HouseSummary(Schema):
    id: int
    address: str
    number: str
    floor: int | None
    area_m2: float | None
    use: HouseUse
    rooms: int | None
    grid: Ref
    building: str
    compound: str | None
    residents: int = Field(description="How many live there now")


class HousePage(Schema):
    items: list[HouseSummary]
    next_cursor: str | None


class ResidentOut(Schema):
    residence_id: int
    person_id: int
    name: str
    relation: Relation
    moved_in: date
    phone: str = Field(description="Masked")


class LedgerLineOut(Schema):
    day: date
    moved: Literal["in", "out"]
    residence_id: int
    person: PersonRef
    house: HouseRef
    relation: Relation
    reason: str = Field(description="Why they moved out")


class HouseDetail(HouseSummary):
    owner: PersonRef | None
    landlord: PersonRef | None
    crowded: bool = Field(description="Rented with too many residents per room (群租)")
    current_residents: list[ResidentOut]
    ledger: list[LedgerLineOut] = Field(description="Moves in and out, newest first")


class CareVisitOut(Schema):
    id: int
    person_id: int
    outcome: VisitOutcome
    found: str
    visited_at: datetime
    follow_up: str | None = Field(description="Number of the case opened to follow it up")


class VisitDueOut(Schema):
    person: PersonRef
    grid: Ref
    tag: Ref | None = Field(description="The tag asking for the visit; null for a sensitive one")
    last_visit: datetime | None
    due: date
    overdue_days: int


class RevealLogOut(Schema):
    id: int
    at: datetime
    actor: str
    person: PersonRef
    field: Reveal.Field
    reason: str
    grid: Ref


class RevealPage(Schema):
    items: list[RevealLogOut]
    next_cursor: str | None


# --- builders ---------------------------------------------------------------------------------


def _ref(unit: OrgUnit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def person_summary(person: Person) -> dict[str, Any]:
    """Reads person.grid: select it with the person."""
    return {
        "id": person.pk,
        "name": person.name,
        "grid": _ref(person.grid),
        "sex": person.sex,
        "registration": person.registration,
        "document_type": person.document_type,
        "document_number": mask_id_number(person.document_number),
        "phone": mask_phone(person.phone),
    }


def residence_out(residence: Residence) -> dict[str, Any]:
    """Reads residence.house: select it with the residence."""
    return {
        "id": residence.pk,
        "house": {"id": residence.house_id, "address": residence.house.address},
        "relation": residence.relation,
        "moved_in": residence.moved_in,
        "moved_out": residence.moved_out,
    }


def tag_out(tag: PersonTag) -> dict[str, Any]:
    """Reads tag.kind: select it with the tag."""
    return {"code": tag.kind.code, "name": tag.kind.name, "since": tag.since, "note": tag.note}


def sensitive_tag_out(tag: PersonTag) -> dict[str, Any]:
    return {**tag_out(tag), "expires_at": tag.expires_at}


def person_detail(
    person: Person, residences: list[Residence], tags: list[PersonTag]
) -> dict[str, Any]:
    return {
        **person_summary(person),
        "birth_date": person.birth_date,
        "ethnicity": person.ethnicity,
        "registered_region": person.registered_region,
        "registered_address": person.registered_address,
        "workplace": person.workplace,
        "note": person.note,
        "residences": [residence_out(residence) for residence in residences],
        "tags": [tag_out(tag) for tag in tags],
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def house_summary(house: House) -> dict[str, Any]:
    """Reads house.grid and house.building.compound, and the `residents` annotation."""
    compound = house.building.compound
    return {
        "id": house.pk,
        "address": house.address,
        "number": house.number,
        "floor": house.floor,
        "area_m2": float(house.area_m2) if house.area_m2 is not None else None,
        "use": house.use,
        "rooms": house.rooms,
        "grid": _ref(house.grid),
        "building": house.building.name,
        "compound": compound.name if compound else None,
        "residents": house.residents,  # type: ignore[attr-defined]
    }


def _person_ref(person: Person | None) -> dict[str, Any] | None:
    return {"id": person.pk, "name": person.name} if person is not None else None


def resident_out(residence: Residence) -> dict[str, Any]:
    """Reads residence.person: select it with the residence."""
    return {
        "residence_id": residence.pk,
        "person_id": residence.person_id,
        "name": residence.person.name,
        "relation": residence.relation,
        "moved_in": residence.moved_in,
        "phone": mask_phone(residence.person.phone),
    }


def ledger_line_out(line: LedgerLine) -> dict[str, Any]:
    residence = line.residence
    return {
        "day": line.day,
        "moved": line.moved,
        "residence_id": residence.pk,
        "person": _person_ref(residence.person),
        "house": {"id": residence.house_id, "address": residence.house.address},
        "relation": residence.relation,
        "reason": residence.move_out_reason if line.moved == "out" else "",
    }


def house_detail(
    house: House,
    *,
    residents: list[Residence],
    lines: list[LedgerLine],
    crowded: bool,
) -> dict[str, Any]:
    """Reads house.owner and house.landlord (select them with the house)."""
    return {
        **house_summary(house),
        "owner": _person_ref(house.owner),
        "landlord": _person_ref(house.landlord),
        "crowded": crowded,
        "current_residents": [resident_out(residence) for residence in residents],
        "ledger": [ledger_line_out(line) for line in lines],
    }


def visit_out(visit: CareVisit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "person_id": visit.person_id,
        "outcome": visit.outcome,
        "found": visit.found,
        "visited_at": visit.visited_at,
        "follow_up": visit.follow_up.number if visit.follow_up else None,
    }


def visit_due_out(item: VisitDue, today: date) -> dict[str, Any]:
    """Reads item.person.grid: select it with the person. A sensitive tag is not named: the
    list says a visit is due, opening the tag asks for a purpose."""
    kind = item.kind
    return {
        "person": _person_ref(item.person),
        "grid": _ref(item.person.grid),
        "tag": None if kind.is_sensitive else {"code": kind.code, "name": kind.name},
        "last_visit": item.last_visit,
        "due": item.due,
        "overdue_days": item.overdue_days(today),
    }


def reveal_log_out(reveal: Reveal) -> dict[str, Any]:
    """Reads reveal.actor, reveal.person and reveal.grid: select them with the reveal."""
    return {
        "id": reveal.pk,
        "at": reveal.at,
        "actor": reveal.actor.display_name,
        "person": _person_ref(reveal.person),
        "field": reveal.field,
        "reason": reveal.reason,
        "grid": _ref(reveal.grid),
    }
