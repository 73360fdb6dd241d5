"""The landlord reports tenant changes (出租屋业主负责制).

A landlord has no account: they prove themselves with the house's code (printed on the notice
the grid worker leaves, 一户一码) and the phone the registry holds for them, as a resident looks
a case up by number and phone. What they report is recorded with `source="landlord"` for the
grid worker to check on the next visit.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import audit
from wangge.core.masking import normalize_phone
from wangge.people.exceptions import Invalid, NotFound
from wangge.people.models import House, HouseUse, Relation, Residence
from wangge.people.services.persons import (
    PersonInput,
    find_by_document,
    phone_index,
    register_person,
)
from wangge.people.services.residence import move_in, move_out

LANDLORD = "landlord"


def landlord_house(code: str, phone: str) -> House:
    """The rented house with this code whose landlord holds this phone; NotFound for any
    mismatch (which part was wrong is not told, against guessing)."""
    digits = normalize_phone(phone)
    code = "".join((code or "").split()).replace("-", "").upper()
    house = (
        House.objects.select_related("landlord", "grid", "building")
        .filter(code=code, use=HouseUse.RENTED)
        .first()
    )
    if (
        house is None
        or house.landlord is None
        or not digits
        or house.landlord.phone_index != phone_index(digits)
    ):
        raise NotFound(_("No rented house matches this code and phone."))
    return house


def tenants_of(house: House) -> list[Residence]:
    return list(
        Residence.objects.filter(house=house, moved_out__isnull=True, relation=Relation.TENANT)
        .select_related("person")
        .order_by("moved_in", "pk")
    )


def landlord_reports_move_in(house: House, given: PersonInput, moved_in: date) -> Residence:
    """A new tenant: registered (or found by their document) and moved in as a tenant."""
    if not given.document_number:
        raise Invalid(_("A tenant's ID number is required."), "document_number")
    with transaction.atomic():
        person = find_by_document(given.document_type, given.document_number)
        if person is not None and person.name != given.name.strip():
            raise Invalid(_("This ID number is registered under another name. Check both."), "name")
        if person is None:
            person, _created = register_person(None, house.grid, given)
        residence = move_in(
            None, person, house, relation=Relation.TENANT, moved_in=moved_in, source=LANDLORD
        )
        audit.record(None, "people.landlord.move_in", residence, f"house #{house.pk}")
    return residence


def landlord_reports_move_out(house: House, residence_id: int, moved_out: date) -> Residence:
    residence = (
        Residence.objects.select_related("house__grid")
        .filter(pk=residence_id, house=house, relation=Relation.TENANT, moved_out__isnull=True)
        .first()
    )
    if residence is None:
        raise NotFound(_("This tenant is not living in the house."))
    with transaction.atomic():
        # No reason text: it would be stored in the landlord's language; `source` says who.
        move_out(None, residence, moved_out=moved_out)
        Residence.objects.filter(pk=residence.pk).update(source=LANDLORD)
        audit.record(None, "people.landlord.move_out", residence, f"house #{house.pk}")
    residence.refresh_from_db()
    return residence
