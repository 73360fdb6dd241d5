"""Checking one row of a registry sheet with the services' own checks (`check_person`,
`check_house`) and the importing user's scope, before anything is written.

A row's problems are kept per column, so the error sheet and the command can say which cell is
wrong; the services raise `Invalid` naming the field, and a field is a column key here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability, UnitKind
from wangge.people.exceptions import Invalid
from wangge.people.imports.columns import (
    ChoiceReader,
    Header,
    Kind,
    cell_text,
    read_date,
    read_whole_number,
)
from wangge.people.imports.reading import Formula
from wangge.people.models import Building, Compound, DocumentType, HouseUse
from wangge.people.permissions import may
from wangge.people.services import HouseInput, PersonInput, check_house, check_person

# PersonInput's fields that are columns of the persons sheet.
PERSON_FIELDS = (
    "name",
    "document_type",
    "document_number",
    "phone",
    "sex",
    "birth_date",
    "ethnicity",
    "registered_region",
    "registered_address",
    "workplace",
    "note",
)
_GIVEN_PERSON_FIELDS = frozenset(PERSON_FIELDS)
_PLACES_KEPT = 10_000
_GRIDS_KEPT = 10_000
_RESIDENCE_KEYS = ("compound", "building", "number", "relation", "moved_in")
_ID_CARD = DocumentType.ID_CARD.value
_OTHER_USE = HouseUse.OTHER.value
_MAX_LENGTHS = {
    (model, name): model._meta.get_field(name).max_length
    for model, names in (
        (Compound, ("name", "address", "property_manager")),
        (Building, ("name", "address")),
    )
    for name in names
}


@dataclass(slots=True)
class Row:
    """A row as read and checked: `values` per column key; `problems` (column key, message)."""

    number: int
    cells: list[Any]
    grid: OrgUnit | None = None
    values: dict[str, Any] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def refuse(self, key: str, message: str) -> None:
        self.problems.append((key, message))

    @property
    def house_key(self) -> tuple[str, str, str] | None:
        if not self.values.get("building"):
            return None
        return (self.values.get("compound", ""), self.values["building"], self.values["number"])


class RowChecker:
    """Checks the rows of one file; grids and the user's scope over them are looked up once."""

    def __init__(
        self,
        actor: User | None,
        header: Header,
        today: date | None = None,
        *,
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        self.actor = actor
        # Called before the few queries a check makes: the writes of the chunk before may
        # still be in flight on the same connection (`bulk.BackgroundInserts.wait`).
        self.settle = settle
        self.header = header
        self.kind: Kind = header.kind
        self.today = today or clock.today()
        self._grids: dict[str, OrgUnit | str] = {}
        self._kept: dict[int, bool] = {}
        self._places: dict[tuple[str, str], Building] = {}
        # check_house of the rows of one house: the same answer, asked once per house.
        self._houses: dict[tuple[Any, ...], dict[str, Any] | Invalid] = {}
        self._positions = tuple(header.positions.items())
        self._required = tuple(column.key for column in self.kind.columns if column.required)
        self.kind_keys = frozenset(column.key for column in self.kind.columns)
        self._choices = {
            column.key: ChoiceReader(column.choices)
            for column in self.kind.columns
            if column.choices is not None
        }

    def check(self, number: int, cells: list[Any]) -> Row:
        row = Row(number, cells)
        texts = self._texts(row)
        self._check_grid(row, texts.get("grid", ""))
        checker = getattr(self, f"_check_{self.kind.name}")
        checker(row, texts)
        return row

    def _texts(self, row: Row) -> dict[str, str]:
        texts: dict[str, str] = {}
        cells, given = row.cells, row.given
        size = len(cells)
        for key, position in self._positions:
            value = cells[position] if position < size else None
            if type(value) is str:  # every cell of a CSV file: the short way
                text = value.strip()
            else:
                if isinstance(value, Formula):
                    row.refuse(
                        key,
                        _("The cell holds a formula (%(formula)s); paste its value instead.")
                        % {"formula": value[:40]},
                    )
                    value = None
                text = cell_text(value)
            texts[key] = text
            if text:
                given.add(key)
        for key in self._required:
            if not texts.get(key) and not _refused(row, key):
                row.refuse(key, _("This field is required."))
        return texts

    def _check_grid(self, row: Row, code: str) -> None:
        if not code:
            return
        if code not in self._grids:
            self._grids[code] = self._find_grid(code)
        found = self._grids[code]
        if isinstance(found, str):
            row.refuse("grid", found)
        else:
            row.grid = found

    def look_up(self, rows: list[tuple[int, list[Any]]]) -> None:
        """Find the grids `rows` name (and whether the user keeps them) in one query, before
        they are checked: checking then asks the database nothing, and can go on while the
        rows before are written."""
        position = self.header.positions.get("grid")
        if position is None:
            return
        codes = {
            cell_text(cells[position])
            for _number, cells in rows
            if position < len(cells) and not isinstance(cells[position], Formula)
        } - {""}
        if len(self._grids) + len(codes) > _GRIDS_KEPT:
            self._grids.clear()
        codes -= self._grids.keys()
        if not codes:
            return
        self.settle()
        found = {grid.code: grid for grid in OrgUnit.objects.filter(code__in=codes)}
        for code in codes:
            self._grids[code] = self._grid_or_refusal(code, found.get(code))

    def _find_grid(self, code: str) -> OrgUnit | str:
        self.settle()
        return self._grid_or_refusal(code, OrgUnit.objects.filter(code=code).first())

    def _grid_or_refusal(self, code: str, grid: OrgUnit | None) -> OrgUnit | str:
        if grid is None:
            return _("No grid has the code %(code)s.") % {"code": code}
        if grid.kind != UnitKind.GRID or not grid.is_active:
            return _("%(code)s is not an active grid.") % {"code": code}
        if not self.may_keep(grid):
            return _("The grid %(code)s is not in your area.") % {"code": code}
        return grid

    def may_keep(self, grid: OrgUnit) -> bool:
        """Whether the user keeps the registry of `grid` (asked once per grid)."""
        if grid.pk not in self._kept:
            self.settle()
            self._kept[grid.pk] = may(self.actor, Capability.MANAGE_PEOPLE, grid)
        return self._kept[grid.pk]

    def _read(self, row: Row, texts: dict[str, str], key: str, reader: Any) -> Any:
        try:
            return reader(key, texts.get(key, ""))
        except Invalid as error:
            row.refuse(key, str(error))
            return None

    # --- each kind --------------------------------------------------------------------------

    def _check_compounds(self, row: Row, texts: dict[str, str]) -> None:
        row.values = {
            "compound": self._text(row, texts, "compound", Compound, "name"),
            "address": self._text(row, texts, "address", Compound, "address"),
            "property_manager": self._text(
                row, texts, "property_manager", Compound, "property_manager"
            ),
        }

    def _check_buildings(self, row: Row, texts: dict[str, str]) -> None:
        floors = self._read(row, texts, "floors", read_whole_number)
        if floors is not None and not 0 < floors <= 200:
            row.refuse("floors", _("Floors must be between 1 and 200."))
        row.values = {
            "compound": self._text(row, texts, "compound", Compound, "name"),
            "building": self._text(row, texts, "building", Building, "name"),
            "address": self._text(row, texts, "address", Building, "address"),
            "floors": floors,
        }

    def _check_houses(self, row: Row, texts: dict[str, str]) -> None:
        compound = self._text(row, texts, "compound", Compound, "name")
        building = self._text(row, texts, "building", Building, "name")
        given = HouseInput(
            number=texts.get("number", ""),
            address=texts.get("address", ""),
            floor=self._read(row, texts, "floor", read_whole_number),
            area_m2=texts.get("area_m2") or None,
            use=self._read(row, texts, "use", self._choices["use"]) or HouseUse.OTHER,
            rooms=self._read(row, texts, "rooms", read_whole_number),
        )
        values = self._house_values(row, compound, building, given)
        row.values = {"compound": compound, "building": building, **values}

    def _check_persons(self, row: Row, texts: dict[str, str]) -> None:
        given = row.given & _GIVEN_PERSON_FIELDS
        given.add("document_type")
        person = PersonInput(
            name=texts.get("name", ""),
            document_type=(
                self._read(row, texts, "document_type", self._choices["document_type"]) or _ID_CARD
            ),
            document_number=texts.get("document_number", ""),
            phone=texts.get("phone", ""),
            sex=self._read(row, texts, "sex", self._choices["sex"]) or "",
            birth_date=self._read(row, texts, "birth_date", read_date),
            ethnicity=texts.get("ethnicity", ""),
            registered_region=texts.get("registered_region", ""),
            registered_address=texts.get("registered_address", ""),
            workplace=texts.get("workplace", ""),
            note=texts.get("note", ""),
            given=given,
        )
        try:
            row.values = check_person(person, today=self.today)
        except Invalid as error:
            key = error.field if error.field in self.kind_keys else "name"
            if not _refused(row, key):
                row.refuse(key, str(error))
        row.values["_given"] = person.given
        self._check_residence(row, texts)

    def _check_residence(self, row: Row, texts: dict[str, str]) -> None:
        if not any(texts.get(key) for key in _RESIDENCE_KEYS):
            return
        for key in ("building", "number", "relation", "moved_in"):
            if not texts.get(key) and not _refused(row, key):
                row.refuse(key, _("This field is required."))
        relation = self._read(row, texts, "relation", self._choices["relation"])
        moved_in = self._read(row, texts, "moved_in", read_date)
        if moved_in is not None and moved_in > self.today:
            row.refuse("moved_in", _("The moving-in date is in the future."))
        compound = self._text(row, texts, "compound", Compound, "name")
        building = self._text(row, texts, "building", Building, "name")
        floor = self._read(row, texts, "floor", read_whole_number)
        use = self._read(row, texts, "use", self._choices["use"]) or _OTHER_USE
        house = self._house_of(row, compound, building, texts.get("number", ""), floor, use)
        row.values.update(
            compound=compound,
            building=building,
            number=house.get("number", ""),
            house=house,
            relation=relation,
            moved_in=moved_in,
        )

    def _house_of(
        self, row: Row, compound: str, building: str, number: str, floor: int | None, use: str
    ) -> dict[str, Any]:
        """The checked house of a persons row (shared by the rows of that house: read only)."""
        if not building:
            return {}
        key = (compound, building, number, floor, use)
        found = self._houses.get(key)
        if found is None:
            if len(self._houses) > _PLACES_KEPT:
                self._houses.clear()
            given = HouseInput(number=number, floor=floor, use=use)
            found = self._house_values(row, compound, building, given, keep_refusal=True)
            self._houses[key] = found
        if isinstance(found, Invalid):
            self._refuse_house(row, found)
            return {}
        return found

    def _house_values(
        self,
        row: Row,
        compound: str,
        building: str,
        given: HouseInput,
        *,
        keep_refusal: bool = False,
    ) -> Any:
        # check_house reads the building only for a default address; the real one is found or
        # created when the row is written.
        place = self._places.get((compound, building))
        if place is None:
            if len(self._places) > _PLACES_KEPT:
                self._places.clear()
            place = Building(
                name=building, compound=Compound(name=compound) if compound else None, address=""
            )
            self._places[(compound, building)] = place
        try:
            return check_house(place, given)
        except Invalid as error:
            if keep_refusal:
                return error
            self._refuse_house(row, error)
            return {}

    def _refuse_house(self, row: Row, error: Invalid) -> None:
        key = error.field if error.field in self.kind_keys else "number"
        if not _refused(row, key):
            row.refuse(key, str(error))

    def _text(self, row: Row, texts: dict[str, str], key: str, model: type, field_name: str) -> str:
        text = texts.get(key, "")
        maximum = _MAX_LENGTHS[(model, field_name)]
        if len(text) > maximum:
            row.refuse(key, _("At most %(count)d characters are allowed.") % {"count": maximum})
        return text


def _refused(row: Row, key: str) -> bool:
    return any(refused == key for refused, _message in row.problems)
