"""Writing checked rows a chunk at a time: a few queries per chunk instead of several per row.

This is the bulk form of `register_person(..., update_existing=True)` and `move_in`: the values
come from the same `check_person`/`check_house`, a person is found again by the blind index of
their document (one query per chunk), an update changes only the columns the row filled
(`apply_person_values`), the person's grid and registration follow the house they live in, and an
open residence of the same person in the same house is kept, not doubled. Compounds, buildings
and houses a row names are found or created on first sight and remembered for the rest of the
run. The import writes one audit entry for the whole file, not one per row.

New houses, persons and residences, the bulk of a ledger, skip the ORM: their ids are drawn
first, their document and phone numbers are encrypted as the model's fields would (`seal`), and
the rows go to the database in `bulk`'s COPY on a second thread while the next chunk is checked.
Compounds and buildings (a few per thousand rows) and updates of known persons and places go
through the ORM as before.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from wangge.core.crypto import encrypt
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.people.imports.bulk import BackgroundInserts, Table
from wangge.people.imports.rows import Row, RowChecker
from wangge.people.models import (
    Building,
    Compound,
    House,
    HouseUse,
    Person,
    Residence,
    new_house_code,
)
from wangge.people.services.persons import apply_person_values, registration_of

# How many places are remembered between chunks; a ledger sorted by address reuses the last
# few, and forgetting costs only a query.
_REMEMBERED = 50_000
PERSON_VALUES = (
    "name",
    "document_type",
    "document_number",
    "document_index",
    "phone",
    "phone_index",
    "sex",
    "birth_date",
    "ethnicity",
    "registered_region",
    "registered_address",
    "workplace",
    "note",
)
_DERIVED = {"document_number": ("document_index", "sex", "birth_date"), "phone": ("phone_index",)}
IMPORT_SOURCE = "import"
# The columns the import fills; the others keep their defaults (NULL).
_PERSON_COLUMNS = (
    "id",
    "grid_id",
    "name",
    "document_type",
    "document_number",
    "document_index",
    "phone",
    "phone_index",
    "sex",
    "birth_date",
    "ethnicity",
    "registered_region",
    "registered_address",
    "registration",
    "workplace",
    "note",
    "created_at",
    "updated_at",
)
_HOUSE_COLUMNS = (
    "id",
    "grid_id",
    "building_id",
    "number",
    "code",
    "floor",
    "address",
    "area_m2",
    "use",
    "rooms",
    "created_at",
    "updated_at",
)
_RESIDENCE_COLUMNS = (
    "person_id",
    "house_id",
    "grid_id",
    "relation",
    "moved_in",
    "move_out_reason",
    "reported_by_id",
    "source",
    "created_at",
    "updated_at",
)


class Places:
    """Compounds, buildings and houses by their names, found or created a chunk at a time.
    A house is remembered by its id and grid only: a ledger names a hundred thousand."""

    def __init__(self, now: datetime, counts: Counter[str], inserts: BackgroundInserts) -> None:
        self.now = now
        self.counts = counts
        self.inserts = inserts
        self.compounds: dict[tuple[int, str], Compound] = {}
        self.buildings: dict[tuple[int, int | None, str], Building] = {}
        self.houses: dict[tuple[int, str], tuple[int, int]] = {}  # (id, grid id)
        # Places this run created: filling in their other columns is not "updating" them.
        self.created: set[tuple[type[Model], int]] = set()
        self._house_table = Table(House, _HOUSE_COLUMNS)
        self._stamp = self._house_table.moment(now)
        self._codes: list[str] = []

    def draw_codes(self, rows: list[Row]) -> None:
        """Draw the codes of the houses `rows` may create, ahead: drawing them (from the
        system's random source) is the dearest part of making a house, and needs no database,
        so it can go on while the chunk before is written."""
        wanted = len({row.house_key for row in rows if row.is_valid} - {None})
        while len(self._codes) < wanted:
            self._codes.append(new_house_code())

    def forget_if_full(self) -> None:
        if len(self.compounds) + len(self.buildings) + len(self.houses) > _REMEMBERED:
            self.compounds.clear()
            self.buildings.clear()
            self.houses.clear()
            self.created.clear()

    def compounds_of(self, keys: set[tuple[int, str]]) -> None:
        missing = keys - self.compounds.keys()
        if not missing:
            return
        self._load_compounds(missing)
        missing -= self.compounds.keys()
        if missing:
            Compound.objects.bulk_create(
                [
                    Compound(grid_id=grid, name=name, created_at=self.now, updated_at=self.now)
                    for grid, name in sorted(missing)
                ],
                ignore_conflicts=True,  # made meanwhile by someone else: then it is theirs
            )
            self.counts["compounds created"] += len(missing)
            self._load_compounds(missing)
            self.created.update(
                (Compound, self.compounds[key].pk) for key in missing if key in self.compounds
            )

    def _load_compounds(self, keys: set[tuple[int, str]]) -> None:
        found = Compound.objects.filter(
            grid_id__in={grid for grid, _name in keys}, name__in={name for _grid, name in keys}
        )
        for compound in found:
            self.compounds[(compound.grid_id, compound.name)] = compound

    def buildings_of(self, keys: set[tuple[int, str, str]]) -> None:
        """Buildings by (grid, compound name or "", building name)."""
        self.compounds_of({(grid, compound) for grid, compound, _name in keys if compound})
        wanted = {self._building_key(key): key for key in keys}
        missing = wanted.keys() - self.buildings.keys()
        if not missing:
            return
        self._load_buildings(missing)
        missing -= self.buildings.keys()
        if missing:
            Building.objects.bulk_create(
                [
                    Building(
                        grid_id=grid,
                        compound_id=compound,
                        name=name,
                        created_at=self.now,
                        updated_at=self.now,
                    )
                    for grid, compound, name in sorted(missing, key=str)
                ],
                ignore_conflicts=True,
            )
            self.counts["buildings created"] += len(missing)
            self._load_buildings(missing)
            self.created.update(
                (Building, self.buildings[key].pk) for key in missing if key in self.buildings
            )

    def building(self, grid: int, compound: str, name: str) -> Building:
        return self.buildings[self._building_key((grid, compound, name))]

    def _building_key(self, key: tuple[int, str, str]) -> tuple[int, int | None, str]:
        grid, compound, name = key
        return (grid, self.compounds[(grid, compound)].pk if compound else None, name)

    def _load_buildings(self, keys: set[tuple[int, int | None, str]]) -> None:
        found = Building.objects.select_related("compound").filter(
            grid_id__in={grid for grid, _compound, _name in keys},
            name__in={name for _grid, _compound, name in keys},
        )
        for building in found:
            key = (building.grid_id, building.compound_id, building.name)
            if key in keys:
                self.buildings[key] = building

    def houses_of(self, rows: list[Row]) -> dict[int, tuple[int, int]]:
        """The house (id, grid id) of each row that names one, by row number; created when new
        with the row's floor, use and address."""
        named = [(row, key) for row in rows if (key := row.house_key)]
        self.buildings_of(
            {(row.grid.pk, compound, building) for row, (compound, building, _n) in named}
        )
        buildings: dict[tuple[int, str, str], Building] = {}
        wanted: dict[tuple[int, str], tuple[Row, Building]] = {}
        keyed: list[tuple[int, tuple[int, str]]] = []
        for row, (compound, name, number) in named:
            place = (row.grid.pk, compound, name)
            building = buildings.get(place)
            if building is None:
                building = buildings[place] = self.building(*place)
            key = (building.pk, number)
            keyed.append((row.number, key))
            if key not in wanted:
                wanted[key] = (row, building)
        missing = wanted.keys() - self.houses.keys()
        if missing:
            self._load_houses(missing)
            missing -= self.houses.keys()
        if missing:
            # Written with the chunk's persons, on the second thread; a house someone else
            # adds meanwhile makes the import fail rather than two houses of one number.
            new = list(zip(self._house_table.new_ids(len(missing)), missing, strict=True))
            for pk, key in new:
                self.houses[key] = (pk, wanted[key][1].grid_id)
                self.created.add((House, pk))
            self.inserts.insert(
                self._house_table, [self._new_house(pk, *wanted[key]) for pk, key in new]
            )
            self.counts["houses created"] += len(new)
        return {number: self.houses[key] for number, key in keyed}

    def _new_house(self, pk: int, row: Row, building: Building) -> tuple[Any, ...]:
        """The row of a new house (made on the writing thread: no database here)."""
        values = row.values.get("house") or row.values
        number = row.house_key[2]
        address = values.get("address") if "address" in row.given else ""
        stamp = self._stamp
        return (
            pk,
            building.grid_id,
            building.pk,
            number,
            self._codes.pop() if self._codes else new_house_code(),
            values.get("floor"),
            (address or f"{building.address or building} {number}")[:200],
            values.get("area_m2"),
            values.get("use") or HouseUse.OTHER.value,
            values.get("rooms"),
            stamp,
            stamp,
        )

    def _load_houses(self, keys: set[tuple[int, str]]) -> None:
        found = House.objects.filter(
            building_id__in={building for building, _number in keys},
            number__in={number for _building, number in keys},
        ).values_list("building_id", "number", "pk", "grid_id")
        for building, number, pk, grid in found:
            key = (building, number)
            if key in keys:
                self.houses[key] = (pk, grid)


class Writer:
    """Writes the checked rows of one kind; `counts` says what it did."""

    def __init__(
        self, actor: User | None, checker: RowChecker, now: datetime, inserts: BackgroundInserts
    ) -> None:
        self.actor = actor
        self.checker = checker
        self.now = now
        self.inserts = inserts
        self.counts: Counter[str] = Counter()
        self.places = Places(now, self.counts, inserts)
        self._existing: dict[str, Person] = {}
        if checker.kind.name == "persons":
            self._persons = Table(Person, _PERSON_COLUMNS)
            self._residences = Table(Residence, _RESIDENCE_COLUMNS)
            self._stamp = self._persons.moment(now)
            self._reporter = actor.pk if actor is not None and actor.pk else None

    def seal(self, rows: list[Row]) -> None:
        """Encrypt the document and phone numbers of the valid rows of a persons sheet, as the
        model would store them, and draw the codes of their houses: done apart, so that it can
        overlap the writing of the chunk before (it needs no database)."""
        if self.checker.kind.name != "persons":
            return
        self.places.draw_codes(rows)
        for row in rows:
            if row.is_valid:
                values = row.values
                number, phone = values["document_number"], values["phone"]
                values["_sealed"] = (
                    encrypt(number) if number else "",
                    encrypt(phone) if phone else "",
                )

    def prepare(self, rows: list[Row]) -> None:
        """What needs the database to check: whether a row's person exists, and is the
        user's to change."""
        if self.checker.kind.name != "persons":
            return
        self.inserts.wait()
        indexes = {row.values.get("document_index") for row in rows if row.is_valid} - {None, ""}
        # Most rows of a ledger are new: ask which exist first, cheaply, and load only those.
        found = self._persons.present("document_index", indexes)
        self._existing = {
            person.document_index: person
            for person in Person.objects.select_related("grid").filter(document_index__in=found)
        }
        if not self._existing:
            return
        for row in rows:
            existing = self._existing.get(row.values.get("document_index", ""))
            if existing is not None and not self.checker.may_keep(existing.grid):
                row.refuse(
                    "document_number", _("This person is registered in a grid outside your area.")
                )

    def write(self, rows: list[Row]) -> None:
        """Write the rows (persons and residences on the second thread: `inserts`)."""
        self.inserts.wait()
        if rows:
            getattr(self, f"_write_{self.checker.kind.name}")(rows)
        self.places.forget_if_full()
        self.inserts.start()

    def _write_compounds(self, rows: list[Row]) -> None:
        self.places.compounds_of({(row.grid.pk, row.values["compound"]) for row in rows})
        changed: dict[int, Model] = {}
        for row in rows:
            compound = self.places.compounds[(row.grid.pk, row.values["compound"])]
            self._update(compound, row, ("address", "property_manager"), changed)
        self._save_changes(Compound, changed)

    def _write_buildings(self, rows: list[Row]) -> None:
        keys = {(row.grid.pk, row.values["compound"], row.values["building"]) for row in rows}
        self.places.buildings_of(keys)
        changed: dict[int, Model] = {}
        for row in rows:
            building = self.places.building(
                row.grid.pk, row.values["compound"], row.values["building"]
            )
            self._update(building, row, ("address", "floors"), changed)
        self._save_changes(Building, changed)

    def _write_houses(self, rows: list[Row]) -> None:
        houses = self.places.houses_of(rows)
        self.inserts.start()
        self.inserts.wait()
        found = House.objects.in_bulk([house for house, _grid in houses.values()])
        changed: dict[int, Model] = {}
        for row in rows:
            house = found[houses[row.number][0]]
            self._update(house, row, ("floor", "address", "area_m2", "use", "rooms"), changed)
        self._save_changes(House, changed)

    def _update(
        self, place: Model, row: Row, names: tuple[str, ...], changed: dict[int, Model]
    ) -> None:
        touched = False
        for name in names:
            if name in row.given and getattr(place, name) != row.values[name]:
                setattr(place, name, row.values[name])
                touched = True
        if touched:
            place.updated_at = self.now
            changed[place.pk] = place

    def _save_changes(self, model: type[Model], changed: dict[int, Model]) -> None:
        if not changed:
            return
        names = {
            Compound: ("address", "property_manager", "updated_at"),
            Building: ("address", "floors", "updated_at"),
            House: ("floor", "address", "area_m2", "use", "rooms", "updated_at"),
        }[model]
        model.objects.bulk_update(list(changed.values()), names)
        updated = [pk for pk in changed if (model, pk) not in self.places.created]
        self.counts[f"{model._meta.model_name}s updated"] += len(updated)

    def _write_persons(self, rows: list[Row]) -> None:
        houses = self.places.houses_of(rows)
        # New persons as the values to insert (a person twice in the chunk: the later row's
        # given columns win, as on an update); known ones as models, updated as before.
        new: dict[str, tuple[dict[str, Any], OrgUnit]] = {}
        changed: dict[int, Person] = {}
        fields: set[str] = {"grid", "registration", "updated_at"}
        moves: list[tuple[str, tuple[int, int], Row]] = []
        for row in rows:
            values = row.values
            index = values["document_index"]
            grid: OrgUnit = row.grid
            house = houses.get(row.number)
            person = self._existing.get(index)
            if person is not None:
                given = values["_given"]
                apply_person_values(person, values, given, self.now)
                fields.update(given)
                for name in given:
                    fields.update(_DERIVED.get(name, ()))
                if house is not None:
                    person.grid = grid  # the house's grid: a grid keeps the people living in it
                person.registration = registration_of(person.registered_region, person.grid)
                changed[person.pk] = person
            elif index in new:
                known, known_grid = new[index]
                person_values = SimpleNamespace(**known)
                apply_person_values(person_values, values, values["_given"], self.now)
                if "phone" in values["_given"]:
                    person_values._sealed = (known["_sealed"][0], values["_sealed"][1])
                new[index] = (vars(person_values), grid if house is not None else known_grid)
            else:
                new[index] = (values, grid)
            if house is not None:
                moves.append((index, house, row))
        ids = self._insert_persons(new)
        if changed:
            Person.objects.bulk_update(list(changed.values()), sorted(fields))
        self.counts["persons created"] += len(new)
        self.counts["persons updated"] += len(changed)
        ids.update((person.document_index, person.pk) for person in changed.values())
        self._move_in(moves, ids, {person.pk for person in changed.values()})

    def _insert_persons(self, new: dict[str, tuple[dict[str, Any], OrgUnit]]) -> dict[str, int]:
        """Queue the new persons for inserting; their ids by document index. The rows are made
        on the writing thread, as they are sent (no database there)."""
        table, stamp = self._persons, self._stamp
        ids = dict(zip(new, table.new_ids(len(new)), strict=True))
        rows = (
            (
                ids[index],
                grid.pk,
                values["name"],
                values["document_type"],
                values["_sealed"][0],
                index,
                values["_sealed"][1],
                values["phone_index"],
                values["sex"],
                table.day(values["birth_date"]),
                values["ethnicity"],
                values["registered_region"],
                values["registered_address"],
                registration_of(values["registered_region"], grid),
                values["workplace"],
                values["note"],
                stamp,
                stamp,
            )
            for index, (values, grid) in new.items()
        )
        self.inserts.insert(table, rows)
        return ids

    def _move_in(
        self, moves: list[tuple[str, tuple[int, int], Row]], ids: dict[str, int], known: set[int]
    ) -> None:
        living = (
            set(
                Residence.objects.filter(person_id__in=known, moved_out__isnull=True).values_list(
                    "person_id", "house_id"
                )
            )
            if known
            else set()
        )
        table, stamp, reporter = self._residences, self._stamp, self._reporter
        residences = []
        for index, (house, grid), row in moves:
            person = ids[index]
            if (person, house) in living:
                self.counts["residences kept"] += 1
                continue
            living.add((person, house))
            residences.append((person, house, grid, row.values))
        self.inserts.insert(
            table,
            (
                (
                    person,
                    house,
                    grid,
                    values["relation"],
                    table.day(values["moved_in"]),
                    "",
                    reporter,
                    IMPORT_SOURCE,
                    stamp,
                    stamp,
                )
                for person, house, grid, values in residences
            ),
        )
        self.counts["residences created"] += len(residences)


def summary_counts(counts: Counter[str]) -> dict[str, Any]:
    return {name: count for name, count in sorted(counts.items()) if count}
