"""Who lives where, from when to when; the change ledger (人员变动台账) read from it; rented
houses and the ones with too many residents per room (群租)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.roles import Capability
from wangge.people.exceptions import Invalid
from wangge.people.models import House, Household, HouseUse, Person, Relation, Residence
from wangge.people.permissions import require
from wangge.people.services.persons import registration_of


def move_in(
    actor: User | None,
    person: Person,
    house: House,
    *,
    relation: str,
    moved_in: date,
    household: Household | None = None,
    source: str = "",
) -> Residence:
    """The person lives in the house from `moved_in`; the house's grid becomes theirs (a grid
    worker keeps the people who live in the grid)."""
    require(actor, Capability.MANAGE_PEOPLE, house.grid)
    if relation not in Relation.values:
        raise Invalid(_("Unknown relation: %(relation)s") % {"relation": relation}, "relation")
    if moved_in > clock.today():
        raise Invalid(_("The moving-in date is in the future."), "moved_in")
    if household is not None and household.house_id != house.pk:
        raise Invalid(_("The household lives in another house."), "household")
    now = clock.now()
    with transaction.atomic():
        if Residence.objects.filter(person=person, house=house, moved_out__isnull=True).exists():
            raise Invalid(_("This person already lives in this house."), "person")
        residence = Residence(
            person=person,
            house=house,
            grid_id=house.grid_id,
            household=household,
            relation=relation,
            moved_in=moved_in,
            reported_by=actor,
            source=source[:16],
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic():
                residence.save()
        except IntegrityError:  # the same move recorded at the same moment
            raise Invalid(_("This person already lives in this house."), "person") from None
        if person.grid_id != house.grid_id:
            person.grid_id = house.grid_id
            person.registration = registration_of(
                person.registered_region,
                house.grid,
                overseas=person.registration == "overseas",
            )
            person.updated_at = now
            person.save(update_fields=["grid", "registration", "updated_at"])
        audit.record(actor, "people.move_in", residence, f"#{person.pk} → {house.address}")
    return residence


def move_out(
    actor: User | None, residence: Residence, *, moved_out: date, reason: str = ""
) -> Residence:
    """End a residence; nothing is deleted."""
    require(actor, Capability.MANAGE_PEOPLE, residence.house.grid)
    if residence.moved_out is not None:
        raise Invalid(_("This person has already moved out."), "moved_out")
    if moved_out < residence.moved_in:
        raise Invalid(_("The moving-out date is before the moving-in date."), "moved_out")
    if moved_out > clock.today():
        raise Invalid(_("The moving-out date is in the future."), "moved_out")
    with transaction.atomic():
        updated = Residence.objects.filter(pk=residence.pk, moved_out__isnull=True).update(
            moved_out=moved_out, move_out_reason=reason.strip()[:200], updated_at=clock.now()
        )
        if not updated:
            raise Invalid(_("This person has already moved out."), "moved_out")
        residence.refresh_from_db()
        audit.record(
            actor, "people.move_out", residence, f"#{residence.person_id} ← {residence.house_id}"
        )
    return residence


def current_residents(house: House) -> QuerySet[Residence]:
    return (
        Residence.objects.filter(house=house, moved_out__isnull=True)
        .select_related("person")
        .order_by("relation", "moved_in", "pk")
    )


@dataclass(frozen=True)
class LedgerLine:
    """One line of the change ledger: someone moved in or out of a house on a day."""

    day: date
    moved: str  # "in" or "out"
    residence: Residence


def ledger(
    residences: QuerySet[Residence], *, since: date | None = None, limit: int = 200
) -> list[LedgerLine]:
    """The change ledger of any set of residences (a house's, a grid's, a person's): moves in
    and out, newest first. A query over the residences, not a table kept in sync."""
    base = residences.select_related("person", "house")
    ins = base.filter(moved_in__gte=since) if since else base
    outs = base.filter(moved_out__isnull=False)
    if since:
        outs = outs.filter(moved_out__gte=since)
    lines = [LedgerLine(r.moved_in, "in", r) for r in ins.order_by("-moved_in", "-pk")[:limit]]
    lines += [LedgerLine(r.moved_out, "out", r) for r in outs.order_by("-moved_out", "-pk")[:limit]]
    lines.sort(key=lambda line: (line.day, line.moved == "out", line.residence.pk), reverse=True)
    return lines[:limit]


def crowded_rentals(houses: QuerySet[House]) -> QuerySet[House]:
    """Rented houses whose current residents per room pass WANGGE_RENTAL_RESIDENTS_PER_ROOM,
    annotated with `residents`."""
    limit = float(settings.RENTAL_RESIDENTS_PER_ROOM)
    return (
        houses.filter(use=HouseUse.RENTED, rooms__gt=0)
        .annotate(residents=Count("residences", filter=Q(residences__moved_out__isnull=True)))
        .annotate(per_room=Cast(F("residents"), FloatField()) / Cast(F("rooms"), FloatField()))
        .filter(per_room__gt=limit)
    )


def is_crowded(house: House) -> bool:
    if house.use != HouseUse.RENTED or not house.rooms:
        return False
    residents = Residence.objects.filter(house=house, moved_out__isnull=True).count()
    return residents / house.rooms > float(settings.RENTAL_RESIDENTS_PER_ROOM)
