"""Persons: checked, derived and stored once per document.

A resident ID number gives the sex and birth date; given ones must agree with it. The household
registration (local or floating) is derived by comparing the registered region with the grid's
division code at the level the city sets (`WANGGE_REGISTRATION_LEVEL`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.crypto import blind_index
from wangge.core.masking import mask_id_number, mask_name, normalize_phone
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability
from wangge.people.documents import (
    DocumentInvalid,
    IdFacts,
    check_document_facts,
    document_index,
)
from wangge.people.exceptions import AlreadyRegistered, Invalid
from wangge.people.models import DocumentType, Person, Registration, Sex
from wangge.people.permissions import require
from wangge.people.services.places import _text, check_grid

PHONE_PURPOSE = "phone"  # the blind-index purpose shared with the case reporters' phones
LEVEL_DIGITS = {"province": 2, "city": 4, "county": 6, "town": 9}
_REGION = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
_PHONE = re.compile(r"^(1\d{10}|0\d{9,11}|\d{7,8})$")
# TextChoices.values builds a new list on every access; an import asks a million times.
_DOCUMENT_TYPES = frozenset(DocumentType.values)
_SEXES = frozenset(Sex.values)


@dataclass
class PersonInput:
    """What a form, the API or an import row gives for a person; strings as typed."""

    name: str
    document_type: str = DocumentType.ID_CARD
    document_number: str = ""
    phone: str = ""
    sex: str = ""
    birth_date: date | None = None
    ethnicity: str = ""
    registered_region: str = ""
    registered_address: str = ""
    # From outside the mainland (境外人员); None on an update keeps what is stored.
    overseas: bool | None = None
    workplace: str = ""
    note: str = ""
    # The fields to write on an update, the others keeping their stored values (an import's
    # empty column is "not given"); None writes every field (a form sends them all).
    given: set[str] | None = None


def phone_index(phone: str) -> str:
    """The blind index a phone is stored and searched under ("" for no phone), in the form the
    case reporters' phones use, so one search finds both."""
    digits = normalize_phone(phone)
    return blind_index(digits, PHONE_PURPOSE) if digits else ""


def stored_input(person: Person) -> dict[str, Any]:
    """The person's facts as PersonInput fields: what a form shows, and what an update that
    sends some fields checks the others against (a sex given alone must agree with the stored
    ID number)."""
    return {
        "name": person.name,
        "document_type": person.document_type,
        "document_number": person.document_number,
        "phone": person.phone,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "ethnicity": person.ethnicity,
        "registered_region": person.registered_region,
        "registered_address": person.registered_address,
        "overseas": person.registration == Registration.OVERSEAS,
        "workplace": person.workplace,
        "note": person.note,
    }


def registration_of(registered_region: str, grid: OrgUnit, *, overseas: bool = False) -> str:
    """Local when the registered region and the grid share the division at the city's level."""
    if overseas:
        return Registration.OVERSEAS
    if not registered_region:
        return Registration.UNKNOWN
    digits = LEVEL_DIGITS[settings.REGISTRATION_LEVEL]
    if len(registered_region) < digits:
        return Registration.UNKNOWN
    return (
        Registration.LOCAL
        if registered_region[:digits] == grid.code[:digits]
        else Registration.FLOATING
    )


def check_person(given: PersonInput, today: date | None = None) -> dict[str, Any]:
    """The values to store for `given`, or Invalid naming the first field at fault."""
    name = _text("name", given.name, 64, required=True)
    if given.document_type not in _DOCUMENT_TYPES:
        raise Invalid(
            _("Unknown document type: %(type)s") % {"type": given.document_type}, "document_type"
        )
    number = ""
    facts: IdFacts | None = None
    if given.document_number:
        try:
            number, facts = check_document_facts(
                given.document_type, given.document_number, today=today
            )
        except DocumentInvalid as error:
            raise Invalid(str(error), "document_number") from None
    phone = normalize_phone(given.phone)
    if given.phone and not _PHONE.match(phone):
        raise Invalid(_("A phone number is 11 digits (mobile) or a landline number."), "phone")
    sex = given.sex or ""
    if sex and sex not in _SEXES:
        raise Invalid(_("Unknown sex: %(sex)s") % {"sex": sex}, "sex")
    birth_date = given.birth_date
    if facts is not None:
        if sex and sex != Sex.UNKNOWN and sex != facts.sex:
            raise Invalid(
                _("The sex does not match the ID number, which says %(sex)s.")
                % {"sex": Sex(facts.sex).label},
                "sex",
            )
        if birth_date and birth_date != facts.birth_date:
            raise Invalid(
                _("The birth date does not match the ID number, which says %(date)s.")
                % {"date": facts.birth_date.isoformat()},
                "birth_date",
            )
        sex, birth_date = facts.sex, facts.birth_date
    if birth_date and birth_date > (today or clock.today()):
        raise Invalid(_("The birth date is in the future."), "birth_date")
    region = "".join((given.registered_region or "").split())
    if region and not _REGION.match(region):
        raise Invalid(
            _("A registered region is a division code of 6, 9 or 12 digits."), "registered_region"
        )
    if not region and facts is not None and not given.registered_address:
        region = facts.region  # where the ID was issued, until told otherwise
    return {
        "name": name,
        "document_type": given.document_type,
        "document_number": number,
        "document_index": document_index(given.document_type, number) if number else "",
        "phone": phone,
        "phone_index": phone_index(phone),
        "sex": sex or Sex.UNKNOWN,
        "birth_date": birth_date,
        "ethnicity": _text("ethnicity", given.ethnicity, 16),
        "registered_region": region,
        "registered_address": _text("registered_address", given.registered_address, 200),
        "workplace": _text("workplace", given.workplace, 100),
        "note": _text("note", given.note, 2000),
    }


def find_by_document(document_type: str, number: str) -> Person | None:
    """The person holding this document, in any grid (for de-duplication, not for display)."""
    if not number:
        return None
    return Person.objects.filter(document_index=document_index(document_type, number)).first()


def register_person(
    actor: User | None,
    grid: OrgUnit,
    given: PersonInput,
    *,
    update_existing: bool = False,
) -> tuple[Person, bool]:
    """Store a person in `grid`: (person, created). Another record with the same document is
    AlreadyRegistered, unless `update_existing` (a re-import), which updates that record when
    the actor may keep it."""
    check_grid(grid)
    require(actor, Capability.MANAGE_PEOPLE, grid)
    values = check_person(given)
    now = clock.now()
    with transaction.atomic():
        existing = (
            Person.objects.select_for_update()
            .filter(document_index=values["document_index"])
            .first()
            if values["document_index"]
            else None
        )
        if existing is not None:
            if not update_existing:
                raise AlreadyRegistered(existing.pk)
            require(actor, Capability.MANAGE_PEOPLE, existing.grid)
            apply_person_values(existing, values, _names(given, values), now)
            existing.registration = registration_of(
                existing.registered_region, existing.grid, overseas=_overseas(existing, given)
            )
            existing.save()
            audit.record(actor, "people.person.update", existing, _summary(existing))
            return existing, False
        person = Person(grid=grid, created_at=now, **values)
        person.updated_at = now
        person.registration = registration_of(
            values["registered_region"], grid, overseas=bool(given.overseas)
        )
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:  # the same document registered at the same moment elsewhere
            raise AlreadyRegistered(
                Person.objects.get(document_index=values["document_index"]).pk
            ) from None
        audit.record(actor, "people.person.register", person, _summary(person))
    return person, True


def update_person(actor: User | None, person: Person, given: PersonInput) -> Person:
    """Change a person's facts (every field of `given`, or those in `given.given`)."""
    require(actor, Capability.MANAGE_PEOPLE, person.grid)
    values = check_person(given)
    with transaction.atomic():
        if values["document_index"]:
            other = (
                Person.objects.filter(document_index=values["document_index"])
                .exclude(pk=person.pk)
                .first()
            )
            if other is not None:
                raise AlreadyRegistered(other.pk)
        apply_person_values(person, values, _names(given, values), clock.now())
        person.registration = registration_of(
            person.registered_region, person.grid, overseas=_overseas(person, given)
        )
        person.save()
        audit.record(actor, "people.person.update", person, _summary(person))
    return person


_DERIVED = {
    "document_number": "document_index",
    "document_type": "document_index",
    "phone": "phone_index",
}


def _names(given: PersonInput, values: dict[str, Any]) -> set[str]:
    return set(values) if given.given is None else set(given.given)


def _overseas(person: Person, given: PersonInput) -> bool:
    if given.overseas is None:
        return person.registration == Registration.OVERSEAS
    return given.overseas


def apply_person_values(person: Person, values: dict[str, Any], names: set[str], now: Any) -> None:
    """Set the checked `values` named in `names` (and what derives from them) on `person`;
    the one rule for updates, shared by update_person and the bulk import."""
    for name in names:
        if name in values:
            setattr(person, name, values[name])
            if name in _DERIVED:
                setattr(person, _DERIVED[name], values[_DERIVED[name]])
            if name == "document_number" and values.get("birth_date"):
                person.sex, person.birth_date = values["sex"], values["birth_date"]
    person.updated_at = now


def _summary(person: Person) -> str:
    """What the audit log keeps of a person: never a whole number."""
    return f"#{person.pk} {mask_name(person.name)} {mask_id_number(person.document_number)}".strip()
