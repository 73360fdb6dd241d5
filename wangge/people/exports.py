"""The registry as Excel workbooks: any list of persons (with the house each lives in) or of
houses, in the columns of the import templates, masked.

ID and phone numbers are masked (`wangge.core.masking`) as on every page; a whole number is
revealed one at a time, with a reason, never in bulk. Every text cell is written through the
case export's `safe_text`, so a name or address beginning with `=`, `+`, `-`, `@`, a tab or a
carriage return is shown and never evaluated (formula injection). Only the records the user may
see are written, whatever list is given, and each export is one audit entry.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from wangge.cases.exports import safe_text
from wangge.core import audit, clock
from wangge.core.masking import mask_id_number, mask_phone
from wangge.core.models import User
from wangge.people.imports.columns import HOUSES, PERSONS, Kind
from wangge.people.models import DocumentType, House, HouseUse, Person, Relation, Residence, Sex
from wangge.people.permissions import visible_houses, visible_persons

EXPORT_MAX_ROWS = 100_000
_READ_CHUNK = 2_000


@dataclass(frozen=True)
class RegistryExport:
    """A finished workbook: `file` is open at its start; the caller closes it."""

    file: IO[bytes]
    filename: str
    rows: int
    is_capped: bool


def export_persons(
    user: User | AnonymousUser | None,
    persons: QuerySet[Person],
    *,
    max_rows: int = EXPORT_MAX_ROWS,
) -> RegistryExport:
    """The persons of `persons` the user may see, each with the house they live in (their
    latest open residence), masked."""
    if user is not None:
        persons = persons.filter(pk__in=visible_persons(user).values("pk"))
    living = Residence.objects.filter(moved_out__isnull=True).select_related(
        "house__building__compound"
    )
    found = (
        persons.select_related("grid")
        .prefetch_related(Prefetch("residences", queryset=living.order_by("-moved_in", "-pk")))
        .order_by("grid__code", "name", "pk")
    )
    labels = _Labels()

    def line(person: Person) -> dict[str, Any]:
        residence = next(iter(person.residences.all()), None)
        house = residence.house if residence else None
        building = house.building if house else None
        return {
            "grid": person.grid.code,
            "compound": building.compound.name if building and building.compound else "",
            "building": building.name if building else "",
            "number": house.number if house else "",
            "floor": house.floor if house else None,
            "use": labels.use.get(house.use, "") if house else "",
            "name": person.name,
            "document_type": labels.document.get(person.document_type, ""),
            "document_number": mask_id_number(person.document_number),
            "phone": mask_phone(person.phone),
            "sex": labels.sex.get(person.sex, ""),
            "birth_date": person.birth_date,
            "ethnicity": person.ethnicity,
            "registered_region": person.registered_region,
            "registered_address": person.registered_address,
            "workplace": person.workplace,
            "relation": labels.relation.get(residence.relation, "") if residence else "",
            "moved_in": residence.moved_in if residence else None,
            "note": person.note,
        }

    return _export(user, PERSONS, found, line, "persons", max_rows)


def export_houses(
    user: User | AnonymousUser | None,
    houses: QuerySet[House],
    *,
    max_rows: int = EXPORT_MAX_ROWS,
) -> RegistryExport:
    """The houses of `houses` the user may see, in the columns of the houses template."""
    if user is not None:
        houses = houses.filter(pk__in=visible_houses(user).values("pk"))
    found = houses.select_related("grid", "building__compound").order_by(
        "grid__code", "building__compound__name", "building__name", "number", "pk"
    )
    uses = _Labels().use

    def line(house: House) -> dict[str, Any]:
        compound = house.building.compound
        return {
            "grid": house.grid.code,
            "compound": compound.name if compound else "",
            "building": house.building.name,
            "number": house.number,
            "floor": house.floor,
            "address": house.address,
            "area_m2": house.area_m2,
            "use": uses.get(house.use, house.use),
            "rooms": house.rooms,
        }

    return _export(user, HOUSES, found, line, "houses", max_rows)


class _Labels:
    """The choices' labels, translated once per export."""

    def __init__(self) -> None:
        self.use = {choice.value: str(choice.label) for choice in HouseUse}
        self.document = {choice.value: str(choice.label) for choice in DocumentType}
        self.sex = {choice.value: str(choice.label) for choice in Sex}
        self.relation = {choice.value: str(choice.label) for choice in Relation}


def _export(
    user: User | AnonymousUser | None,
    kind: Kind,
    found: QuerySet[Any],
    line: Callable[[Any], dict[str, Any]],
    name: str,
    max_rows: int,
) -> RegistryExport:
    now = clock.now()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(kind.label)[:31])
    sheet.freeze_panes = "A2"
    sheet.append([str(column.label) for column in kind.columns])
    rows = 0
    is_capped = False
    keys = [column.key for column in kind.columns]
    # A chunk at a time, with its prefetched residences: memory stays flat on a long list.
    for record in found[: max_rows + 1].iterator(chunk_size=_READ_CHUNK):
        if rows == max_rows:
            is_capped = True
            break
        values = line(record)
        sheet.append(_safe_row(sheet, [values[key] for key in keys]))
        rows += 1
    if is_capped:
        sheet.append([])
        sheet.append(
            [
                _("Only the first %(count)s rows are in this file; narrow the list for the rest.")
                % {"count": f"{max_rows:,}"}
            ]
        )
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    workbook.save(output)
    output.seek(0)
    actor = user if isinstance(user, User) else None
    audit.record(
        actor,
        f"people.export.{name}",
        None,
        f"{rows} {name}{' (capped)' if is_capped else ''}",
        rows=rows,
        capped=is_capped,
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return RegistryExport(output, f"{name}-{stamp}.xlsx", rows, is_capped)


def _safe_row(sheet: WriteOnlyWorksheet, values: list[Any]) -> list[Any]:
    return [safe_text(sheet, value) if isinstance(value, str) else value for value in values]
