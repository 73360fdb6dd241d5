"""The case list as an Excel workbook (xlsx): the cases a user may see that match the list's
filters, in the list's order, with the reporter's name and phone masked.

A spreadsheet is read by people who open it in Excel or WPS, so every text a resident typed is
written as text that is never evaluated: a title beginning with `=`, `+`, `-`, `@`, a tab or a
carriage return is a string cell marked with Excel's own leading-apostrophe flag (formula
injection). An export holds at most `EXPORT_MAX_ROWS` cases and says so when it stopped there;
rows are written through openpyxl's write-only mode (kept on disk, not in memory). Every export
is recorded in the audit log: who, which filters, how many rows.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from wangge.cases.models import Channel, Rating
from wangge.cases.queries import CaseFilters, CaseOrder, in_order, search_cases
from wangge.cases.workflow import CaseState
from wangge.core import audit, clock
from wangge.core.masking import mask_name, mask_phone
from wangge.core.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Enough for a district's year of cases; beyond it a spreadsheet is the wrong tool (and the
# request would hold a worker for minutes). Narrower filters give the rest.
EXPORT_MAX_ROWS = 50_000
AUDIT_ACTION = "cases.export"

# What a spreadsheet may read as the start of a formula (OWASP's list for CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_READ_CHUNK = 2_000
_COLUMN_WIDTHS = (18, 36, 14, 18, 16, 10, 12, 18, 18, 8, 10, 15, 12)


@dataclass(frozen=True)
class CaseExport:
    """A finished workbook: `file` is open at its start; the caller closes it."""

    file: IO[bytes]
    filename: str
    rows: int
    is_capped: bool


def export_cases(
    user: User | AnonymousUser,
    filters: CaseFilters,
    order: str = CaseOrder.NEWEST,
    *,
    now: datetime | None = None,
    max_rows: int = EXPORT_MAX_ROWS,
) -> CaseExport:
    """The visible cases matching `filters` as an xlsx workbook, at most `max_rows` of them;
    CaseInvalid names a filter field that was refused. Records the export in the audit log."""
    now = now or clock.now()
    cases = in_order(search_cases(user, filters, now=now), order)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cases"))
    for index, width in enumerate(_COLUMN_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(_header())
    rows = 0
    is_capped = False
    row_of = _RowWriter(sheet, now)
    # Plain tuples of the columns shown: no model instances, no unused columns or joins.
    found = cases[: max_rows + 1].values_list(*_COLUMNS)
    for values in found.iterator(chunk_size=_READ_CHUNK):
        if rows == max_rows:
            is_capped = True
            break
        sheet.append(row_of(values))
        rows += 1
    if is_capped:
        sheet.append([])
        sheet.append([_capped_note(max_rows)])
    _about_sheet(workbook, user, filters, order, now, rows, is_capped, max_rows)

    output = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    workbook.save(output)
    output.seek(0)
    filter_data = _filter_data(filters)
    audit.record(
        user if isinstance(user, User) else None,
        AUDIT_ACTION,
        None,
        f"{rows} cases{' (capped)' if is_capped else ''}",
        filters=filter_data,
        order=str(order),
        rows=rows,
        capped=is_capped,
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return CaseExport(output, f"cases-{stamp}.xlsx", rows, is_capped)


def safe_text(sheet: WriteOnlyWorksheet, value: str) -> str | WriteOnlyCell:
    """A text for a cell that Excel will show and never evaluate: characters XML cannot hold
    are dropped, and text that could start a formula becomes a string cell with Excel's
    leading-apostrophe flag (the text itself is kept as it was typed)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(_FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _header() -> list[str]:
    return [
        _("Case number"),
        _("Title"),
        _("Category"),
        _("Grid or unit"),
        _("Handling unit"),
        _("State"),
        _("Channel"),
        _("Reported at"),
        _("Due at"),
        _("Overdue"),
        _("Reporter"),
        _("Reporter's phone"),
        _("Rating"),
    ]


_COLUMNS = (
    "number",
    "title",
    "category__name",
    "area__name",
    "department__name",
    "state",
    "channel",
    "reported_at",
    "due_at",
    "reporter_name",
    "reporter_phone",
    "rating",
)


class _RowWriter:
    """One sheet row from one case's `_COLUMNS`, with the labels translated once per export."""

    def __init__(self, sheet: WriteOnlyWorksheet, now: datetime) -> None:
        self.sheet = sheet
        self.now = now
        self.states = _labels(CaseState)
        self.channels = _labels(Channel)
        self.ratings = _labels(Rating)
        self.yes, self.no = _("Yes"), _("No")

    def __call__(self, values: tuple[Any, ...]) -> list[Any]:
        (
            number,
            title,
            category,
            area,
            department,
            state,
            channel,
            reported_at,
            due_at,
            reporter_name,
            reporter_phone,
            rating,
        ) = values
        sheet = self.sheet
        overdue = ""
        if due_at is not None:
            overdue = self.yes if due_at < self.now else self.no
        return [
            safe_text(sheet, number),
            safe_text(sheet, title),
            safe_text(sheet, category),
            safe_text(sheet, area),
            safe_text(sheet, department or ""),
            self.states.get(state, state),
            self.channels.get(channel, channel),
            _local(reported_at),
            _local(due_at),
            overdue,
            safe_text(sheet, mask_name(reporter_name)),
            safe_text(sheet, mask_phone(reporter_phone)),
            self.ratings.get(rating, rating),
        ]


def _labels(choices: type[CaseState] | type[Channel] | type[Rating]) -> dict[str, str]:
    return {choice.value: str(choice.label) for choice in choices}


def _label(choices: type[CaseState] | type[Channel] | type[Rating], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _local(moment: datetime | None) -> datetime | None:
    """Excel knows no time zones: the local wall-clock time, as the pages show it."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None)


def _capped_note(max_rows: int) -> str:
    return _(
        "Only the first %(count)s cases are in this file. Narrow the filters to export the rest."
    ) % {"count": f"{max_rows:,}"}


def _filter_data(filters: CaseFilters) -> dict[str, Any]:
    """The filters as given, for the audit log and the about sheet (empty ones left out)."""
    data: dict[str, Any] = {}
    for name, value in vars(filters).items():
        if value in (None, "", (), []):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list | tuple):
            value = list(value)
        data[name] = value
    return data


_FILTER_LABELS = {
    "state": gettext_lazy("State"),
    "category": gettext_lazy("Category"),
    "unit": gettext_lazy("Grid or unit"),
    "overdue": gettext_lazy("Overdue"),
    "reported_from": gettext_lazy("Reported from"),
    "reported_to": gettext_lazy("Reported to"),
    "text": gettext_lazy("Search"),
    "channel": gettext_lazy("Channel"),
    "needs_grid": gettext_lazy("Needs a grid"),
}


def _shown_filter(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "state":
        return ", ".join(_label(CaseState, state) for state in value)
    if name == "channel":
        return _label(Channel, value)
    return str(value)


def _about_sheet(
    workbook: Workbook,
    user: User | AnonymousUser,
    filters: CaseFilters,
    order: str,
    now: datetime,
    rows: int,
    is_capped: bool,
    max_rows: int,
) -> None:
    """A second sheet saying what the first holds: when, by whom, which filters, how many."""
    sheet = workbook.create_sheet(_("About this export"))
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 60
    who = user.get_username() if isinstance(user, User) else ""
    lines: list[tuple[str, Any]] = [
        (_("Exported at"), _local(now)),
        (_("Exported by"), who),
        (_("Order"), str(CaseOrder(order).label)),
        (_("Cases"), rows),
        (_("Personal data"), _("Reporters' names and phones are masked.")),
    ]
    if is_capped:
        lines.append((_("Note"), _capped_note(max_rows)))
    for name, value in _filter_data(filters).items():
        lines.append((str(_FILTER_LABELS.get(name, name)), _shown_filter(name, value)))
    for label, value in lines:
        sheet.append([label, safe_text(sheet, value) if isinstance(value, str) else value])
