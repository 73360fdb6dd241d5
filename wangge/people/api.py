"""Registry endpoints (mounted under /api/v1/ by wangge.api): persons, houses, who lives where
and the change ledger, care visits, revealing a whole number and the log of reveals.

Thin adapters: lists are scoped by `permissions.visible_*`, one record goes through
`get_*_for_user` (a record outside the user's reach is a 404, as an unknown one is: existence
is not told), every write through `services`. The registry's refusals are mapped to HTTP once,
by `answer_refusals` (from wangge.core), which wraps every operation of this router.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from wangge.cases.exceptions import CaseError
from wangge.core import clock
from wangge.core.api_refusals import answer_refusals
from wangge.core.api_schemas import RecordId
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability, UnitKind
from wangge.people import services
from wangge.people.api_schemas import (
    AlreadyRegisteredOut,
    CareVisitIn,
    CareVisitOut,
    Detail,
    FieldErrors,
    HouseDetail,
    HouseIn,
    HouseListQuery,
    HousePage,
    LedgerLineOut,
    LedgerQuery,
    MoveInIn,
    MoveOutIn,
    PersonDetail,
    PersonIn,
    PersonListQuery,
    PersonPage,
    PersonPatch,
    PurposeIn,
    ResidenceOut,
    RevealIn,
    RevealListQuery,
    RevealOut,
    RevealPage,
    SensitiveTagOut,
    VisitDueOut,
    VisitsDueQuery,
    house_detail,
    house_summary,
    ledger_line_out,
    person_detail,
    person_summary,
    residence_out,
    reveal_log_out,
    sensitive_tag_out,
    visit_due_out,
    visit_out,
)
from wangge.people.documents import document_index
from wangge.people.exceptions import AlreadyRegistered, Invalid, NotAllowed, NotFound, PeopleError
from wangge.people.models import Compound, House, HouseUse, Person, Residence
from wangge.people.permissions import (
    get_house_for_user,
    get_person_for_user,
    get_residence_for_user,
    may,
    visible_houses,
    visible_persons,
    visible_tags,
)
from wangge.people.services.persons import phone_index
from wangge.people.services.places import check_grid

router = Router(tags=["people"])

_READ: dict[int, Any] = {404: Detail, 422: FieldErrors}
_WRITE: dict[int, Any] = {403: Detail, 404: Detail, 422: FieldErrors}
_LIST: dict[int, Any] = {422: FieldErrors}


router.add_decorator(answer_refusals(PeopleError, {NotFound: 404, NotAllowed: 403}))


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's auth lets no anonymous request through
    return user


# --- pages ------------------------------------------------------------------------------------


def _encode_cursor(value: Any, pk: int) -> str:
    raw = json.dumps([value, pk], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
            raise ValueError(pk)
        return value, pk
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise Invalid(_("The cursor is not valid; start again without it."), "cursor") from None


def _page_by(rows: QuerySet, key: str, cursor: str, limit: int) -> tuple[list[Any], str | None]:
    """One page of `rows` ordered by (`key`, id), after `cursor`: keyset paging, so deep pages
    cost what the first does and new rows do not shift the pages being read."""
    if cursor:
        value, pk = _decode_cursor(cursor)
        if not isinstance(value, str):
            raise Invalid(_("The cursor is not valid; start again without it."), "cursor")
        rows = rows.filter(Q(**{f"{key}__gt": value}) | Q(**{key: value, "pk__gt": pk}))
    found = list(rows.order_by(key, "pk")[: limit + 1])
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], _encode_cursor(getattr(last, key), last.pk)


def _newest_first(rows: QuerySet, cursor: str, limit: int) -> tuple[list[Any], str | None]:
    """One page of an append-only log, the newest (highest id) first."""
    if cursor:
        _value, pk = _decode_cursor(cursor)
        rows = rows.filter(pk__lt=pk)
    found = list(rows.order_by("-pk")[: limit + 1])
    if len(found) <= limit:
        return found, None
    return found[:limit], _encode_cursor(None, found[limit - 1].pk)


def _grid(code: str) -> OrgUnit:
    """The grid of that code, or Invalid naming `grid`."""
    return check_grid(OrgUnit.objects.filter(code=code, kind=UnitKind.GRID).first())


# --- persons ----------------------------------------------------------------------------------


@router.get(
    "/people/persons",
    response={200: PersonPage, **_LIST},
    summary="Persons you may see, by name; numbers masked",
    url_name="person_list",
)
def list_persons(request: HttpRequest, filters: Query[PersonListQuery]) -> dict[str, Any]:
    persons = visible_persons(request.user).select_related("grid")
    if filters.grid:
        persons = persons.filter(grid__code=filters.grid)
    if filters.name:
        persons = persons.filter(name__contains=filters.name.strip())
    if filters.registration:
        persons = persons.filter(registration=filters.registration)
    if filters.tag:
        # Ordinary tags only: filtering by a sensitive one would tell who holds it.
        persons = persons.filter(
            tags__kind__code=filters.tag, tags__kind__is_sensitive=False
        ).distinct()
    if filters.document_number:
        persons = persons.filter(
            document_index=document_index(filters.document_type, filters.document_number)
        )
    if filters.phone:
        persons = persons.filter(phone_index=phone_index(filters.phone))
    items, next_cursor = _page_by(persons, "name", filters.cursor, filters.limit)
    return {"items": [person_summary(person) for person in items], "next_cursor": next_cursor}


def _person_detail(user: User, person: Person) -> dict[str, Any]:
    residences = list(
        person.residences.filter(moved_out__isnull=True).select_related("house").order_by("pk")
    )
    return person_detail(person, residences, visible_tags(user, person))


@router.get(
    "/people/persons/{person_id}",
    response={200: PersonDetail, **_READ},
    summary="One person, where they live and their ordinary tags; numbers masked",
    url_name="person_detail",
)
def get_person(request: HttpRequest, person_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    return _person_detail(user, get_person_for_user(user, person_id))


def _already_registered(user: User, error: AlreadyRegistered) -> Status[dict[str, Any]]:
    """409, with the record's id only when the caller may see it: the document's existence is
    told (one record per person), whose it is is not."""
    visible = visible_persons(user).filter(pk=error.person_id).exists()
    return Status(
        409,
        {
            "detail": error.message,
            "code": "already_registered",
            "person_id": error.person_id if visible else None,
        },
    )


@router.post(
    "/people/persons",
    response={201: PersonDetail, 409: AlreadyRegisteredOut, **_WRITE},
    summary="Register a person in a grid (one record per document)",
    url_name="person_register",
)
def register(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    user = _user(request)
    grid = _grid(payload.grid)
    given = services.PersonInput(
        name=payload.name,
        document_type=payload.document_type,
        document_number=payload.document_number,
        phone=payload.phone,
        sex=payload.sex or "",
        birth_date=payload.birth_date,
        ethnicity=payload.ethnicity,
        registered_region=payload.registered_region,
        registered_address=payload.registered_address,
        overseas=payload.overseas,
        workplace=payload.workplace,
        note=payload.note,
    )
    try:
        person, _created = services.register_person(user, grid, given)
    except AlreadyRegistered as error:
        return _already_registered(user, error)
    return Status(201, _person_detail(user, person))


@router.patch(
    "/people/persons/{person_id}",
    response={200: PersonDetail, 409: AlreadyRegisteredOut, **_WRITE},
    summary="Change the fields sent of a person",
    url_name="person_update",
)
def update(
    request: HttpRequest, person_id: Path[RecordId], payload: PersonPatch
) -> Status[dict[str, Any]]:
    user = _user(request)
    person = get_person_for_user(user, person_id)
    sent = {name for name in payload.model_fields_set if getattr(payload, name) is not None}
    # Fields not sent are given as stored, so the whole record is checked, and only those
    # sent are written (`overseas` is not stored: the registration is derived from it).
    stored = services.stored_input(person)
    values = {name: getattr(payload, name) if name in sent else stored[name] for name in stored}
    values["sex"] = values["sex"] or ""
    if "overseas" not in sent:
        values["overseas"] = None
    given = services.PersonInput(**values, given=sent - {"overseas"})
    try:
        person = services.update_person(user, person, given)
    except AlreadyRegistered as error:
        return _already_registered(user, error)
    return Status(200, _person_detail(user, person))


@router.post(
    "/people/persons/{person_id}/reveal",
    response={200: RevealOut, **_WRITE},
    summary="The whole ID or phone number, with a reason; the reveal is logged",
    url_name="person_reveal",
)
def reveal(request: HttpRequest, person_id: Path[RecordId], payload: RevealIn) -> dict[str, str]:
    user = _user(request)
    person = get_person_for_user(user, person_id)
    return {"value": services.reveal(user, person, payload.field, payload.reason)}


@router.post(
    "/people/persons/{person_id}/sensitive-tags",
    response={200: list[SensitiveTagOut], **_WRITE},
    summary="The person's sensitive tags your role may see, with a purpose; the opening is logged",
    url_name="person_sensitive_tags",
)
def open_sensitive_tags(
    request: HttpRequest, person_id: Path[RecordId], payload: PurposeIn
) -> list[dict[str, Any]]:
    user = _user(request)
    person = get_person_for_user(user, person_id)
    return [
        sensitive_tag_out(tag)
        for tag in services.open_sensitive_tags(user, person, payload.purpose)
    ]


@router.post(
    "/people/persons/{person_id}/visits",
    response={201: CareVisitOut, **_WRITE},
    summary="Record a care visit, optionally reporting a case for what was found",
    url_name="person_visit",
)
def record_visit(
    request: HttpRequest, person_id: Path[RecordId], payload: CareVisitIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    person = get_person_for_user(user, person_id)
    try:
        visit = services.record_visit(
            user,
            person,
            outcome=payload.outcome,
            found=payload.found,
            visited_at=payload.visited_at,
            follow_up_category=payload.follow_up_category,
        )
    except CaseError as error:
        # The follow-up case was refused; its category is sent here under another name.
        if getattr(error, "field", "") != "category":
            raise
        raise Invalid(error.message, "follow_up_category") from None
    return Status(201, visit_out(visit))


@router.get(
    "/people/visits-due",
    response={200: list[VisitDueOut], **_LIST},
    summary="Care visits due in your grids, the most overdue first",
    url_name="visits_due",
)
def list_visits_due(request: HttpRequest, params: Query[VisitsDueQuery]) -> list[dict[str, Any]]:
    user = _user(request)
    today = clock.today()
    due = services.visits_due(user, today=today, within_days=params.within_days)[: params.limit]
    grids = OrgUnit.objects.in_bulk({item.person.grid_id for item in due})
    for item in due:
        item.person.grid = grids[item.person.grid_id]
    return [visit_due_out(item, today) for item in due]


# --- houses and residences --------------------------------------------------------------------


def _with_residents(houses: QuerySet[House]) -> QuerySet[House]:
    return houses.select_related("grid", "building", "building__compound").annotate(
        residents=Count("residences", filter=Q(residences__moved_out__isnull=True))
    )


@router.get(
    "/people/houses",
    response={200: HousePage, **_LIST},
    summary="Houses you may see, by address",
    url_name="house_list",
)
def list_houses(request: HttpRequest, filters: Query[HouseListQuery]) -> dict[str, Any]:
    houses = visible_houses(request.user)
    if filters.grid:
        houses = houses.filter(grid__code=filters.grid)
    if filters.use:
        houses = houses.filter(use=filters.use)
    if filters.crowded is not None:
        crowded = services.crowded_rentals(houses).values("pk")
        houses = (
            houses.filter(pk__in=crowded) if filters.crowded else houses.exclude(pk__in=crowded)
        )
    items, next_cursor = _page_by(_with_residents(houses), "address", filters.cursor, filters.limit)
    return {"items": [house_summary(house) for house in items], "next_cursor": next_cursor}


def _house_detail(user: User, house_id: int) -> dict[str, Any]:
    house = get_house_for_user(user, house_id)
    house = (
        _with_residents(House.objects.filter(pk=house.pk)).select_related("owner", "landlord").get()
    )
    return house_detail(
        house,
        residents=list(services.current_residents(house)),
        lines=services.ledger(Residence.objects.filter(house=house)),
        crowded=services.is_crowded(house),
    )


@router.get(
    "/people/houses/{house_id}",
    response={200: HouseDetail, **_READ},
    summary="One house, who lives there now (numbers masked) and its change ledger",
    url_name="house_detail",
)
def get_house(request: HttpRequest, house_id: Path[RecordId]) -> dict[str, Any]:
    return _house_detail(_user(request), house_id)


def _kept(sent: Any, existing: Any, field: str, default: Any = "") -> Any:
    """A value the request did not send keeps the stored one (the services overwrite all)."""
    if sent is not None:
        return sent
    return getattr(existing, field) if existing is not None else default


@router.post(
    "/people/houses",
    response={200: HouseDetail, 201: HouseDetail, **_WRITE},
    summary="Record a house (with its compound and building, by name): 201 new, 200 updated",
    url_name="house_save",
)
def save_house(request: HttpRequest, payload: HouseIn) -> Status[dict[str, Any]]:
    user = _user(request)
    grid = _grid(payload.grid)
    owner = get_person_for_user(user, payload.owner_id) if payload.owner_id else None
    landlord = get_person_for_user(user, payload.landlord_id) if payload.landlord_id else None
    with transaction.atomic():  # a refused house leaves no new compound or building behind
        compound = None
        if payload.compound.strip():
            known = Compound.objects.filter(grid=grid, name=payload.compound.strip()).first()
            compound = services.save_compound(
                user,
                grid,
                name=payload.compound,
                address=_kept(payload.compound_address, known, "address"),
                property_manager=known.property_manager if known else "",
            )
        known_building = grid.buildings.filter(
            compound=compound, name=payload.building.strip()
        ).first()
        building = services.save_building(
            user,
            grid,
            name=payload.building,
            compound=compound,
            address=_kept(payload.building_address, known_building, "address"),
            floors=_kept(payload.floors, known_building, "floors", None),
        )
        known_house = House.objects.filter(building=building, number=payload.number.strip()).first()
        house = services.save_house(
            user,
            building,
            services.HouseInput(
                number=payload.number,
                address=payload.address or (known_house.address if known_house else ""),
                floor=_kept(payload.floor, known_house, "floor", None),
                area_m2=_kept(payload.area_m2, known_house, "area_m2", None),
                use=_kept(payload.use, known_house, "use", HouseUse.OTHER),
                rooms=_kept(payload.rooms, known_house, "rooms", None),
                owner=owner or (known_house.owner if known_house else None),
                landlord=landlord or (known_house.landlord if known_house else None),
            ),
        )
    return Status(200 if known_house else 201, _house_detail(user, house.pk))


@router.post(
    "/people/houses/{house_id}/residents",
    response={201: ResidenceOut, **_WRITE},
    summary="A person you may see moves into the house",
    url_name="house_move_in",
)
def move_in(
    request: HttpRequest, house_id: Path[RecordId], payload: MoveInIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    house = get_house_for_user(user, house_id)
    person = get_person_for_user(user, payload.person_id)
    residence = services.move_in(
        user, person, house, relation=payload.relation, moved_in=payload.moved_in, source="api"
    )
    return Status(201, residence_out(residence))


@router.post(
    "/people/residences/{residence_id}/move-out",
    response={200: ResidenceOut, **_WRITE},
    summary="End a residence (nothing is deleted)",
    url_name="residence_move_out",
)
def move_out(
    request: HttpRequest, residence_id: Path[RecordId], payload: MoveOutIn
) -> dict[str, Any]:
    user = _user(request)
    residence = get_residence_for_user(user, residence_id)
    residence = services.move_out(
        user, residence, moved_out=payload.moved_out, reason=payload.reason
    )
    return residence_out(residence)


@router.get(
    "/people/ledger",
    response={200: list[LedgerLineOut], **_READ},
    summary="The change ledger (人员变动台账): moves in and out, newest first",
    url_name="ledger",
)
def change_ledger(request: HttpRequest, params: Query[LedgerQuery]) -> list[dict[str, Any]]:
    user = _user(request)
    residences = Residence.objects.filter(house__in=visible_houses(user))
    if params.grid:
        grid = OrgUnit.objects.filter(code=params.grid, kind=UnitKind.GRID).first()
        if grid is None or not may(user, Capability.VIEW_PEOPLE, grid):
            raise NotFound()
        residences = residences.filter(grid=grid)
    lines = services.ledger(residences, since=params.since, limit=params.limit)
    return [ledger_line_out(line) for line in lines]


# --- reveals ----------------------------------------------------------------------------------


@router.get(
    "/people/reveals",
    response={200: RevealPage, **_LIST},
    summary="Who saw a whole number or opened sensitive tags, newest first (audit readers)",
    url_name="reveal_list",
)
def list_reveals(request: HttpRequest, params: Query[RevealListQuery]) -> dict[str, Any]:
    reveals = services.visible_reveals(_user(request))
    items, next_cursor = _newest_first(reveals, params.cursor, params.limit)
    return {"items": [reveal_log_out(item) for item in items], "next_cursor": next_cursor}
