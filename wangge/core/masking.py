"""How personal values are shown by default: enough to recognise, not enough to use.

Pages, the API, exports and logs call these; revealing a whole value is a separate, logged act.
"""

from __future__ import annotations

import re

_NOT_DIGIT = re.compile(r"\D")


def normalize_phone(phone: str) -> str:
    """Digits only, without China's country code: the form phones are compared and indexed in."""
    digits = _NOT_DIGIT.sub("", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def mask_phone(phone: str | None) -> str:
    """138****5678; short numbers keep only their last two digits."""
    digits = normalize_phone(phone or "")
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 2:
        return "*" * len(digits)
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_name(name: str | None) -> str:
    """张** for 张三丰: the family name stays, so a caller can be greeted."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id_number(number: str | None) -> str:
    """440703********1234: the region and the last four digits."""
    number = (number or "").strip()
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
