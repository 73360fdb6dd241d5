"""Checks every claiming service applies to what it is given: text within its length, a
community that is a community, a phone that is a phone, dates in order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from wangge.claims.exceptions import Invalid
from wangge.core.masking import normalize_phone
from wangge.org.models import OrgUnit
from wangge.org.roles import AREA_KINDS


def text(field: str, value: object, max_length: int, *, required: bool = False) -> str:
    cleaned = str(value or "").replace("\x00", "").strip()
    if required and not cleaned:
        raise Invalid(_("This field is required."), field)
    if len(cleaned) > max_length:
        message = _("At most %(count)d characters.") % {"count": max_length}
        raise Invalid(message, field)
    return cleaned


def community(unit: OrgUnit | None, field: str = "community") -> OrgUnit:
    if unit is None or unit.kind not in AREA_KINDS or not unit.is_active:
        raise Invalid(_("Choose a community or village."), field)
    return unit


def phone(value: str, field: str, *, required: bool = False) -> str:
    digits = normalize_phone(value or "")
    if not digits:
        if required:
            raise Invalid(_("Enter a phone number."), field)
        return ""
    if not 7 <= len(digits) <= 12:
        raise Invalid(_("A phone number is 11 digits (mobile) or a landline number."), field)
    return digits


def dates_in_order(start: date | None, end: date | None, field: str) -> None:
    if start and end and end < start:
        raise Invalid(_("The end date is before the start date."), field)


def positive_quantity(value: int | None, field: str = "quantity") -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("Enter a whole number."), field) from None
    if not 1 <= number <= 100_000_000:
        raise Invalid(_("Enter a number between 1 and 100,000,000."), field)
    return number


def money(
    value: object, field: str, *, required: bool = True, minimum: str = "0"
) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise Invalid(_("Enter an amount."), field)
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("Enter an amount in yuan, e.g. 1500.00."), field) from None
    if not amount.is_finite() or amount < Decimal(minimum) or amount >= Decimal("1e10"):
        raise Invalid(_("Enter an amount in yuan, e.g. 1500.00."), field)
    return amount
