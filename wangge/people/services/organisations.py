"""Organisations and places in a grid (实有单位/场所): shops, companies, schools, and the key
places grid workers inspect."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from wangge.core import audit, clock
from wangge.core.masking import normalize_phone
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability
from wangge.people.exceptions import Invalid
from wangge.people.models import House, Organisation, OrganisationKind
from wangge.people.permissions import require
from wangge.people.services.persons import phone_index
from wangge.people.services.places import _text, check_grid


@dataclass
class OrganisationInput:
    name: str
    kind: str = OrganisationKind.OTHER
    credit_code: str = ""
    address: str = ""
    representative: str = ""
    contact_phone: str = ""
    employees: int | None = None
    is_key_place: bool = False
    house: House | None = None
    note: str = ""


def check_credit_code(code: str) -> str:
    """A unified social credit code (GB 32100) in its normal form, or Invalid saying why."""
    code = uscc.compact(code or "")
    if not code:
        return ""
    try:
        return uscc.validate(code)
    except InvalidLength:
        message = _("A unified social credit code has 18 characters; this one has %(count)d.")
        raise Invalid(message % {"count": len(code)}, "credit_code") from None
    except InvalidChecksum:
        expected = uscc.calc_check_digit(code[:17])
        message = _("The check character does not match (GB 32100): it should be %(char)s.")
        raise Invalid(message % {"char": expected}, "credit_code") from None
    except ValidationError:
        message = _("This is not a unified social credit code (digits and capital letters).")
        raise Invalid(message, "credit_code") from None


def save_organisation(
    actor: User | None,
    grid: OrgUnit,
    given: OrganisationInput,
    organisation: Organisation | None = None,
) -> Organisation:
    """Register an organisation in the grid, or change `organisation`."""
    check_grid(grid)
    require(actor, Capability.MANAGE_PEOPLE, grid)
    if organisation is not None:
        require(actor, Capability.MANAGE_PEOPLE, organisation.grid)
    name = _text("name", given.name, 100, required=True)
    if given.kind not in OrganisationKind.values:
        raise Invalid(_("Unknown kind: %(kind)s") % {"kind": given.kind}, "kind")
    if given.house is not None and given.house.grid_id != grid.pk:
        raise Invalid(_("The premises are in another grid."), "house")
    if given.employees is not None and not 0 <= int(given.employees) <= 1_000_000:
        raise Invalid(_("Employees must be between 0 and 1,000,000."), "employees")
    phone = normalize_phone(given.contact_phone)
    if given.contact_phone and not 7 <= len(phone) <= 12:
        raise Invalid(
            _("A phone number is 11 digits (mobile) or a landline number."), "contact_phone"
        )
    now = clock.now()
    item = organisation or Organisation(created_at=now)
    item.grid = grid
    item.house = given.house
    item.name = name
    item.kind = given.kind
    item.credit_code = check_credit_code(given.credit_code)
    item.address = _text("address", given.address, 200) or (
        given.house.address if given.house else ""
    )
    item.representative = _text("representative", given.representative, 64)
    item.contact_phone = phone
    item.contact_phone_index = phone_index(phone)
    item.employees = given.employees
    item.is_key_place = given.is_key_place
    item.note = _text("note", given.note, 2000)
    item.updated_at = now
    try:
        with transaction.atomic():
            item.save()
            audit.record(actor, "people.organisation.save", item, f"{grid.code} {name}")
    except IntegrityError:
        raise Invalid(
            _("Another organisation already holds this unified social credit code."), "credit_code"
        ) from None
    return item
