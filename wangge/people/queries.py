"""Reads for the registry's pages: each list starts from a scoped queryset of `permissions`
(`visible_*`, `get_*_for_user`), so nothing outside the user's grids is ever read. Read-only:
every change goes through `services`."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from wangge.core.masking import normalize_phone
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability, UnitKind
from wangge.people import services
from wangge.people.documents import document_index, normalize_document
from wangge.people.exceptions import NotFound
from wangge.people.models import (
    Building,
    CareVisit,
    Compound,
    DocumentType,
    House,
    HouseUse,
    ImportJob,
    Organisation,
    Person,
    PersonTag,
    Registration,
    Residence,
    Reveal,
    TagKind,
)
from wangge.people.permissions import (
    may_see_tag,
    visible_buildings,
    visible_compounds,
    visible_houses,
    visible_organisations,
    visible_persons,
)
from wangge.people.services.landlord import LANDLORD
from wangge.people.services.persons import phone_index

SEARCH_LIMIT = 50
_DOCUMENT_LIKE = re.compile(r"^[0-9A-Z()/]{5,32}$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{7,20}$")


def people_grids(user: User | AnonymousUser) -> QuerySet[OrgUnit]:
    """The active grids where the user may see the registry, in tree order."""
    grids = OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True).order_by("path")
    return scope_for(user, Capability.VIEW_PEOPLE).filter(grids)


def get_grid_for_user(user: User | AnonymousUser, code: str) -> OrgUnit:
    grid = people_grids(user).filter(code=code).first()
    if grid is None:
        raise NotFound()
    return grid


@dataclass
class GridSummary:
    grid: OrgUnit
    houses: int = 0
    residents: int = 0
    floating: int = 0
    rented: int = 0
    crowded: int = 0
    visits_due: int = 0


def grid_summaries(user: User, *, today: date | None = None) -> list[GridSummary]:
    """Each grid of the user's registry with its counts, in a fixed number of queries."""
    summaries = {grid.pk: GridSummary(grid) for grid in people_grids(user)}
    houses = visible_houses(user)
    for row in houses.values("grid").annotate(
        n=Count("pk"), rented=Count("pk", filter=Q(use=HouseUse.RENTED))
    ):
        if row["grid"] in summaries:
            summaries[row["grid"]].houses = row["n"]
            summaries[row["grid"]].rented = row["rented"]
    residents = Residence.objects.filter(moved_out__isnull=True, house__in=houses.values("pk"))
    for row in residents.values("grid").annotate(
        n=Count("person", distinct=True),
        floating=Count(
            "person", distinct=True, filter=Q(person__registration=Registration.FLOATING)
        ),
    ):
        if row["grid"] in summaries:
            summaries[row["grid"]].residents = row["n"]
            summaries[row["grid"]].floating = row["floating"]
    crowded = Counter(services.crowded_rentals(houses).values_list("grid", flat=True))
    due = Counter(item.person.grid_id for item in services.visits_due(user, today=today))
    for pk, summary in summaries.items():
        summary.crowded = crowded[pk]
        summary.visits_due = due[pk]
    return list(summaries.values())


def search_persons(user: User | AnonymousUser, text: str) -> list[Person]:
    """Persons the user may see: exactly by document number (any type) or phone number, through
    their blind indexes, or by part of the name."""
    text = (text or "").strip()
    if not text:
        return []
    persons = visible_persons(user).select_related("grid")
    number = normalize_document(text)
    condition = Q(name__icontains=text)
    if _DOCUMENT_LIKE.match(number):
        indexes = [document_index(kind, number) for kind in DocumentType.values]
        condition |= Q(document_index__in=indexes)
    if _PHONE_LIKE.match(text):
        phone = normalize_phone(text)
        if len(phone) >= 7:
            condition |= Q(phone_index=phone_index(phone))
    return list(persons.filter(condition).order_by("name", "pk")[:SEARCH_LIMIT])


def person_by_document(user: User, document_type: str, number: str) -> Person | None:
    """The person holding this document among those the user may see."""
    return (
        visible_persons(user)
        .filter(document_index=document_index(document_type, number))
        .select_related("grid")
        .first()
    )


@dataclass
class BuildingRows:
    building: Building
    houses: list[House]


@dataclass
class CompoundRows:
    compound: Compound | None
    buildings: list[BuildingRows]


def grid_places(
    grid: OrgUnit, user: User, *, use: str = "", crowded: bool = False
) -> list[CompoundRows]:
    """The grid's compounds → buildings → houses (by building, floor, number), each house with
    `residents` (current) and `is_crowded`. With a filter, only buildings with a match."""
    houses = visible_houses(user).filter(grid=grid)
    crowded_ids = set(services.crowded_rentals(houses).values_list("pk", flat=True))
    if use:
        houses = houses.filter(use=use)
    if crowded:
        houses = houses.filter(pk__in=crowded_ids)
    rows = houses.annotate(
        residents=Count("residences", filter=Q(residences__moved_out__isnull=True))
    ).order_by("building", "floor", "number")
    by_building: dict[int, list[House]] = {}
    for house in rows:
        house.is_crowded = house.pk in crowded_ids
        by_building.setdefault(house.building_id, []).append(house)
    filtered = bool(use or crowded)
    compounds = {c.pk: CompoundRows(c, []) for c in visible_compounds(user).filter(grid=grid)}
    standalone = CompoundRows(None, [])
    for building in visible_buildings(user).filter(grid=grid).order_by("name"):
        found = by_building.get(building.pk, [])
        if filtered and not found:
            continue
        holder = compounds.get(building.compound_id) if building.compound_id else standalone
        (holder or standalone).buildings.append(BuildingRows(building, found))
    result = [rows for rows in compounds.values() if rows.buildings or not filtered]
    if standalone.buildings:
        result.append(standalone)
    return result


def grid_compounds(grid: OrgUnit, user: User) -> QuerySet[Compound]:
    return visible_compounds(user).filter(grid=grid).order_by("name")


def grid_buildings(grid: OrgUnit, user: User) -> QuerySet[Building]:
    return (
        visible_buildings(user)
        .filter(grid=grid)
        .select_related("compound")
        .order_by("compound__name", "name")
    )


def house_residences(house: House) -> QuerySet[Residence]:
    return Residence.objects.filter(house=house)


def get_residence_for_user(user: User, residence_id: int | str) -> Residence:
    """A residence in a house the user may see; NotFound otherwise."""
    try:
        pk = int(residence_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    residence = (
        Residence.objects.select_related("house", "house__grid", "person")
        .filter(pk=pk, house__in=visible_houses(user).values("pk"))
        .first()
    )
    if residence is None:
        raise NotFound()
    return residence


def residences_of(person: Person) -> QuerySet[Residence]:
    """Where the person lives and lived, the current first."""
    return (
        Residence.objects.filter(person=person)
        .select_related("house", "house__building", "house__building__compound")
        .order_by("-moved_out", "-moved_in", "-pk")
    )


def visits_of(person: Person, limit: int = 50) -> list[CareVisit]:
    return list(
        CareVisit.objects.filter(person=person)
        .select_related("visited_by", "follow_up")
        .order_by("-visited_at", "-pk")[:limit]
    )


def may_see_sensitive_tags(user: User) -> bool:
    """Whether the user's role may see some sensitive tag kind (the purpose form is offered)."""
    return any(may_see_tag(user, kind) for kind in TagKind.objects.filter(is_sensitive=True))


def tag_kinds_to_give(user: User) -> list[TagKind]:
    return [kind for kind in TagKind.objects.filter(is_active=True) if may_see_tag(user, kind)]


def reveals_between(
    user: User, since: date | None = None, until: date | None = None
) -> QuerySet[Reveal]:
    """The log of reveals the user may read, newest first, between two days (inclusive)."""
    reveals = services.visible_reveals(user)
    if since:
        reveals = reveals.filter(at__date__gte=since)
    if until:
        reveals = reveals.filter(at__date__lte=until)
    return reveals


# --- organisations and places -----------------------------------------------------------------


def grid_organisations(
    grid: OrgUnit, user: User, *, kind: str = "", key_places: bool = False
) -> QuerySet[Organisation]:
    """The grid's organisations and places by name, filtered by kind or key places."""
    organisations = visible_organisations(user).filter(grid=grid)
    if kind:
        organisations = organisations.filter(kind=kind)
    if key_places:
        organisations = organisations.filter(is_key_place=True)
    return organisations.select_related("house", "house__building").order_by("name", "pk")


def grid_houses(grid: OrgUnit, user: User) -> QuerySet[House]:
    """The grid's houses, for a choice of premises."""
    return (
        visible_houses(user)
        .filter(grid=grid)
        .select_related("building", "building__compound")
        .order_by("building__compound__name", "building__name", "number")
    )


def grid_persons(grid: OrgUnit, user: User) -> QuerySet[Person]:
    """The persons who belong to the grid (their current or last residence is there)."""
    return visible_persons(user).filter(grid=grid)


# --- landlords' reports and imports ----------------------------------------------------------


def landlord_residence_ids(house: House) -> set[int]:
    """The house's residences reported by the landlord, for the grid worker to check."""
    return set(Residence.objects.filter(house=house, source=LANDLORD).values_list("pk", flat=True))


def import_jobs_of(user: User, limit: int = 10) -> list[ImportJob]:
    """The user's own latest imports: no one sees another's."""
    return list(ImportJob.objects.filter(created_by=user).order_by("-created_at", "-pk")[:limit])


def get_import_job_for_user(user: User | AnonymousUser, uid: object) -> ImportJob:
    """The user's own import job of that uid; NotFound for anyone else's."""
    job = ImportJob.objects.filter(uid=uid, created_by_id=getattr(user, "pk", None)).first()
    if job is None:
        raise NotFound()
    return job


# --- figures for analytics ----------------------------------------------------------------------


def care_visit_timeliness(
    grid_ids: set[int] | None, first: date, last: date, today: date
) -> tuple[int, int]:
    """(visits made on time, visits due) for the care visits falling due from `first` to
    `last` (and not after `today`), in the given grids (None: everywhere).

    A person with care tags is due a visit every N days (the most frequent tag's N) after the
    last visit, or after the tag was given. Each due day counts once: on time when the next
    visit came by that day; a visit that never came counts once, late, at its due day (the next
    due day follows the visit that finally came)."""
    last = min(last, today)
    if last < first:
        return 0, 0
    tags = PersonTag.objects.filter(
        kind__visit_every_days__isnull=False, kind__is_active=True, since__lte=last
    )
    if grid_ids is not None:
        tags = tags.filter(person__grid_id__in=grid_ids)
    every: dict[int, int] = {}
    since: dict[int, date] = {}
    for person_id, days, given in tags.values_list("person_id", "kind__visit_every_days", "since"):
        every[person_id] = min(days, every.get(person_id, days))
        since[person_id] = min(given, since.get(person_id, given))
    if not every:
        return 0, 0
    window = first - timedelta(days=max(every.values()))
    starts_at = timezone.make_aware(datetime.combine(window, time.min))
    ends_before = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    visits = CareVisit.objects.filter(person_id__in=every)
    before = dict(
        visits.filter(visited_at__lt=starts_at)
        .values("person_id")
        .annotate(last=Max("visited_at"))
        .values_list("person_id", "last")
    )
    dates: dict[int, list[date]] = {}
    for person_id, at in (
        visits.filter(visited_at__gte=starts_at, visited_at__lt=ends_before)
        .order_by("visited_at")
        .values_list("person_id", "visited_at")
    ):
        dates.setdefault(person_id, []).append(timezone.localdate(at))
    on_time = due = 0
    for person_id, interval in every.items():
        current = since[person_id]
        if earlier := before.get(person_id):
            current = max(current, timezone.localdate(earlier))
        for visit in [*dates.get(person_id, []), None]:
            if visit is not None and visit <= current:
                continue  # before the chain starts, or a second visit the same day
            due_day = current + timedelta(days=interval)
            if due_day > last:
                break
            if due_day >= first:
                due += 1
                on_time += visit is not None and visit <= due_day
            if visit is None:
                break
            current = visit
    return on_time, due
