"""Identity documents: the resident ID number (居民身份证号码, GB 11643) checked digit by digit,
with the sex and birth date it carries, and the normal form every document number is stored and
indexed in.

The check digit comes from python-stdnum's `cn.ric`; the region is checked against stdnum's
table of county codes past and present. Unlike `cn.ric.validate`, a county code is not required
to have existed in the birth year: 18-digit numbers were issued from 1999 on, with the code of
where the person was registered then, so a person born in 1990 in 蓬江区 (created 1994) holds a
valid 440703… number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric

from wangge.core.crypto import blind_index

ID_LENGTH = 18
_SPACES = re.compile(r"[\s\-]+")
# Other documents: letters, digits and a few separators; at most 32 characters.
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9()/]{5,32}$")
EARLIEST_BIRTH = date(1880, 1, 1)


class DocumentInvalid(ValueError):
    """A document number that cannot be right; the message says why, for the person typing."""


@dataclass(frozen=True)
class IdFacts:
    """What an ID number says about its holder."""

    number: str
    region: str  # six-digit division code where it was issued
    birth_date: date
    sex: str  # "male" or "female" (the order code's parity)


def normalize_document(number: str) -> str:
    """Upper case without spaces or dashes: the form numbers are compared, stored and indexed."""
    if number and number.isalnum():  # nothing to take out (the usual case, and cheaper)
        return number.upper()
    return _SPACES.sub("", number or "").upper()


def check_id_number(number: str, today: date | None = None) -> IdFacts:
    """The facts of a valid 18-digit resident ID number; DocumentInvalid saying what is wrong."""
    number = normalize_document(number)
    if len(number) != ID_LENGTH:
        raise DocumentInvalid(
            _("An ID number has 18 characters; this one has %(count)d.") % {"count": len(number)}
        )
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise DocumentInvalid(_("An ID number is 17 digits and a last digit or X."))
    region = number[:6]
    if not _known_region(region):
        raise DocumentInvalid(
            _("%(region)s is not the code of any county or district.") % {"region": region}
        )
    try:  # what ric.get_birth_date does, without normalising the number a third time
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DocumentInvalid(
            _("%(digits)s is not a date of birth.") % {"digits": number[6:14]}
        ) from None
    if born < EARLIEST_BIRTH or born > (today or date.today()):
        raise DocumentInvalid(_("%(date)s cannot be a date of birth.") % {"date": born.isoformat()})
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise DocumentInvalid(
            _("The check digit does not match (GB 11643): the last character should be %(digit)s.")
            % {"digit": expected}
        )
    sex = "male" if int(number[16]) % 2 else "female"
    return IdFacts(number=number, region=region, birth_date=born, sex=sex)


def check_document(document_type: str, number: str) -> str:
    """The normal form of a document number of `document_type`; DocumentInvalid when wrong.
    Resident ID numbers get the full GB 11643 check; others a plausible shape."""
    return check_document_facts(document_type, number)[0]


def check_document_facts(
    document_type: str, number: str, today: date | None = None
) -> tuple[str, IdFacts | None]:
    """The normal form of the number and, for a resident ID number, what it says."""
    number = normalize_document(number)
    if document_type == "id_card":
        facts = check_id_number(number, today=today)
        return facts.number, facts
    if not _OTHER_DOCUMENT.match(number):
        raise DocumentInvalid(_("A document number is 5 to 32 letters or digits."))
    return number, None


def document_index(document_type: str, number: str) -> str:
    """The blind index of a document: one person per (type, number)."""
    return blind_index(normalize_document(number), f"document:{document_type}")


@lru_cache(maxsize=8192)  # some thousand codes in all; imports ask for the same few often
def _known_region(code: str) -> bool:
    """A six-digit code that is, or once was, a county-level division (with its province)."""
    parts = numdb.get("cn/loc").info(code)
    found = {key for _part, properties in parts for key in properties}
    return "province" in found and "county" in found
