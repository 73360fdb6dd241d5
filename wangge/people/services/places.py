"""Compounds, buildings and houses: where people live, each inside one grid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability, UnitKind
from wangge.people.exceptions import Invalid
from wangge.people.models import Building, Compound, House, HouseUse, Person
from wangge.people.permissions import require

NAME_MAX = 100
_USES = frozenset(HouseUse.values)  # read once: a bulk import checks a house per row
ADDRESS_MAX = 200


def _text(field: str, value: Any, maximum: int, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise Invalid(_("This field is required."), field)
    if len(text) > maximum:
        raise Invalid(_("At most %(count)d characters are allowed.") % {"count": maximum}, field)
    return text


def check_grid(grid: OrgUnit | None) -> OrgUnit:
    if grid is None or grid.kind != UnitKind.GRID or not grid.is_active:
        raise Invalid(_("Choose an active grid."), "grid")
    return grid


def save_compound(
    actor: User | None, grid: OrgUnit, *, name: str, address: str = "", property_manager: str = ""
) -> Compound:
    """The compound of that name in the grid, created or updated."""
    check_grid(grid)
    require(actor, Capability.MANAGE_PEOPLE, grid)
    name = _text("name", name, NAME_MAX, required=True)
    now = clock.now()
    with transaction.atomic():
        compound, _created = Compound.objects.get_or_create(
            grid=grid, name=name, defaults={"created_at": now, "updated_at": now}
        )
        compound.address = _text("address", address, ADDRESS_MAX)
        compound.property_manager = _text("property_manager", property_manager, NAME_MAX)
        compound.updated_at = now
        compound.save()
        audit.record(actor, "people.compound.save", compound, f"{grid.code} {name}")
    return compound


def save_building(
    actor: User | None,
    grid: OrgUnit,
    *,
    name: str,
    compound: Compound | None = None,
    address: str = "",
    floors: int | None = None,
) -> Building:
    """The building of that name (in the compound, or standing alone in the grid)."""
    check_grid(grid)
    if compound is not None and compound.grid_id != grid.pk:
        raise Invalid(_("The compound is in another grid."), "compound")
    require(actor, Capability.MANAGE_PEOPLE, grid)
    name = _text("name", name, NAME_MAX, required=True)
    if floors is not None and not 0 < int(floors) <= 200:
        raise Invalid(_("Floors must be between 1 and 200."), "floors")
    now = clock.now()
    with transaction.atomic():
        building, _created = Building.objects.get_or_create(
            grid=grid,
            compound=compound,
            name=name,
            defaults={"created_at": now, "updated_at": now},
        )
        building.address = _text("address", address, ADDRESS_MAX)
        building.floors = floors
        building.updated_at = now
        building.save()
        audit.record(actor, "people.building.save", building, f"{grid.code} {building}")
    return building


@dataclass
class HouseInput:
    number: str
    address: str = ""
    floor: int | None = None
    area_m2: Any = None
    use: str = HouseUse.OTHER
    rooms: int | None = None
    owner: Person | None = None
    landlord: Person | None = None


def check_house(building: Building, given: HouseInput) -> dict[str, Any]:
    """The house's stored values, or Invalid naming the field at fault."""
    number = _text("number", given.number, 32, required=True)
    if given.use not in _USES:
        raise Invalid(_("Unknown use: %(use)s") % {"use": given.use}, "use")
    if given.floor is not None and not -10 <= int(given.floor) <= 200:
        raise Invalid(_("The floor must be between -10 and 200."), "floor")
    area = None
    if given.area_m2 not in (None, ""):
        try:
            area = Decimal(str(given.area_m2)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise Invalid(_("The floor area must be a number of m²."), "area_m2") from None
        if not Decimal("0") < area < Decimal("100000"):
            raise Invalid(_("The floor area must be between 0 and 100,000 m²."), "area_m2")
    if given.rooms is not None and not 0 < int(given.rooms) <= 500:
        raise Invalid(_("Rooms must be between 1 and 500."), "rooms")
    address = _text("address", given.address, ADDRESS_MAX)
    address = address or f"{building.address or building} {number}"
    return {
        "number": number,
        "address": address[:ADDRESS_MAX],
        "floor": given.floor,
        "area_m2": area,
        "use": given.use,
        "rooms": given.rooms,
        "owner": given.owner,
        "landlord": given.landlord if given.use == HouseUse.RENTED else None,
    }


def save_house(actor: User | None, building: Building, given: HouseInput) -> House:
    """The house of that number in the building, created or updated."""
    require(actor, Capability.MANAGE_PEOPLE, building.grid)
    values = check_house(building, given)
    now = clock.now()
    with transaction.atomic():
        house = House.objects.filter(building=building, number=values["number"]).first()
        if house is None:
            house = House(building=building, grid_id=building.grid_id, created_at=now)
        for name, value in values.items():
            setattr(house, name, value)
        house.updated_at = now
        house.save()
        audit.record(actor, "people.house.save", house, house.address)
    return house
