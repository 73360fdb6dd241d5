"""Shared by the registry's tests: valid ID numbers, and a compound → building → house in a
grid of the conftest tree, made through the real services."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from stdnum.cn import ric

from wangge.people.models import House, HouseUse, Person, TagKind
from wangge.people.services import (
    HouseInput,
    PersonInput,
    move_in,
    register_person,
    save_building,
    save_compound,
    save_house,
)

_serials = itertools.count(11)


def id_number(region: str = "440703", born: date = date(1950, 3, 7), sex: str = "female") -> str:
    """A valid 18-digit resident ID number (a new serial each call)."""
    serial = next(_serials) % 500 * 2 + (1 if sex == "male" else 0)
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def house_in(
    grid: Any,
    number: str = "101",
    *,
    use: str = HouseUse.OWNER_OCCUPIED,
    rooms: int | None = None,
    building: str = "1栋",
    compound: str = "石冲花园",
) -> House:
    estate = save_compound(None, grid, name=compound, address="石冲路 8 号")
    block = save_building(None, grid, name=building, compound=estate, address="石冲路 8 号 1 栋")
    return save_house(
        None,
        block,
        HouseInput(
            number=number, floor=int(number[:-2] or 1), use=use, rooms=rooms, area_m2="86.5"
        ),
    )


def person_in(
    grid: Any,
    name: str = "陈玉兰",
    *,
    house: House | None = None,
    relation: str = "owner",
    moved_in: date = date(2020, 5, 1),
    **given: Any,
) -> Person:
    """A registered person (with a valid ID unless given), living in `house` when given."""
    given.setdefault("document_number", id_number())
    given.setdefault("phone", "13800138000")
    person, _created = register_person(None, grid, PersonInput(name=name, **given))
    if house is not None:
        move_in(None, person, house, relation=relation, moved_in=moved_in)
        person.refresh_from_db()
    return person


def tag_kind(code: str = "elderly_alone", name: str = "独居长者", **fields: Any) -> TagKind:
    kind, _created = TagKind.objects.update_or_create(code=code, defaults={"name": name, **fields})
    return kind


# --- pages ------------------------------------------------------------------------------------


def html_of(response: Any) -> str:
    return response.content.decode()


def assert_error_beside(html: str, field_id: str, message: str = "") -> None:
    """The page shows an error in the container of field `field_id` (the field-error
    convention), holding `message` when given."""
    marker = f'class="field-error" id="{field_id}_error"'
    assert marker in html, f"no error beside {field_id}"
    if message:
        assert message in html.split(marker, 1)[1][:400]
