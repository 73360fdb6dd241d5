"""Resident ID numbers (GB 11643): length, characters, region, birth date and check digit, each
refused with a message saying which; the sex and birth date they carry."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from tests.people.helpers import id_number
from wangge.people.documents import (
    DocumentInvalid,
    check_document,
    check_id_number,
    document_index,
    normalize_document,
)


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def test_a_valid_number_gives_its_region_birth_date_and_sex():
    facts = check_id_number(with_check_digit("44070319900101001"))
    assert facts.region == "440703"
    assert facts.birth_date == date(1990, 1, 1)
    assert facts.sex == "male"  # odd order code
    assert check_id_number(with_check_digit("44070319900101002")).sex == "female"


def test_a_county_created_after_the_birth_year_is_still_accepted():
    """蓬江区 (440703) dates from 1994; people born before then hold its numbers."""
    assert check_id_number(with_check_digit("44070319700101001")).region == "440703"


def test_spaces_dashes_and_a_lower_case_x_are_normalised():
    number = with_check_digit("11010119800101005")
    spaced = f"{number[:6]} {number[6:14]}-{number[14:]}".lower()
    assert check_id_number(spaced).number == number
    assert normalize_document(" ab-12 ") == "AB12"


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("4407031990010100", "18 characters; this one has 16"),
        ("44070319900101001A", "17 digits and a last digit or X"),
        ("99999919900101001X", "999999 is not the code of any county"),
        ("44079919900101001X", "440799 is not the code of any county"),
        ("44070319901301001X", "19901301 is not a date of birth"),
        ("44070319000230001X", "19000230 is not a date of birth"),
    ],
)
def test_a_wrong_number_is_refused_saying_why(number, says):
    with pytest.raises(DocumentInvalid, match=says):
        check_id_number(number)


def test_a_birth_date_in_the_future_or_too_long_ago_is_refused():
    with pytest.raises(DocumentInvalid, match="cannot be a date of birth"):
        check_id_number(with_check_digit("44070320300101001"))
    with pytest.raises(DocumentInvalid, match="cannot be a date of birth"):
        check_id_number(with_check_digit("44070318500101001"))


def test_a_wrong_check_digit_is_refused_naming_the_right_one():
    number = id_number()
    right = number[-1]
    wrong = "0" if right != "0" else "1"
    with pytest.raises(DocumentInvalid, match=f"should be {right}"):
        check_id_number(number[:-1] + wrong)


def test_other_documents_need_a_plausible_shape_only():
    assert check_document("passport", "e 1234 5678") == "E12345678"
    with pytest.raises(DocumentInvalid, match="5 to 32 letters or digits"):
        check_document("passport", "12")
    with pytest.raises(DocumentInvalid, match="5 to 32 letters or digits"):
        check_document("other", "ABC#123")


def test_the_blind_index_separates_document_types_and_ignores_spacing():
    assert document_index("passport", "E1234567") == document_index("passport", "e 1234 567")
    assert document_index("passport", "E1234567") != document_index("other", "E1234567")
