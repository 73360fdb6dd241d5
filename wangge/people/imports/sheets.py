"""The workbooks an import hands out: the empty template of each kind, and the error sheet
(the file's own rows with a row number and an errors column, which imports again as is once
corrected)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from wangge.cases.exports import safe_text
from wangge.people.imports.columns import ERRORS_LABEL, KINDS, ROW_LABEL, column_letter

_TEMPLATE_ROWS = 5000  # rows the choice lists and text formats cover


def build_template(kind_name: str) -> bytes:
    """An empty xlsx sheet of `kind_name` with its headers in the current language, drop-down
    lists for the choice columns, ID and phone columns formatted as text, and a second sheet
    explaining every column."""
    kind = KINDS[kind_name]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.label)[:31]
    sheet.append([str(column.label) for column in kind.columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(kind.columns):
        letter = column_letter(index)
        cell = sheet[f"{letter}1"]
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        sheet.column_dimensions[letter].width = max(12, len(str(column.label)) * 2 + 4)
        if column.is_text:
            sheet.column_dimensions[letter].number_format = "@"
            sheet.column_dimensions[letter].width = 22
        if column.choices is not None:
            labels = ",".join(str(choice.label) for choice in column.choices)
            validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS}")
            sheet.add_data_validation(validation)
    notes = workbook.create_sheet(_("Instructions"))
    notes.append([_("Column"), _("Required"), _("What to write")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for width, letter in zip((22, 8, 70), "ABC", strict=True):
        notes.column_dimensions[letter].width = width
    for column in kind.columns:
        what = str(column.hint) if column.hint else ""
        if column.choices is not None:
            choices = "、".join(str(choice.label) for choice in column.choices)
            what = f"{what} ({choices})" if what else choices
        notes.append([str(column.label), _("Yes") if column.required else "", what])
    notes.append([])
    notes.append([_("Dates are written as 2020-05-01. Formulas are not accepted.")])
    notes.append([_("A person already registered (same document) is updated, not doubled.")])
    output = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115
    with output:
        workbook.save(output)
        output.seek(0)
        return output.read()


def build_error_sheet(header: list[str], rows: Iterator[tuple[int, list[Any], str]]) -> IO[bytes]:
    """The file's header and the given rows (row number, cells, errors), each with its row
    number and errors appended; an open file at its start, for the caller to close."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Errors"))
    width = len(header)
    sheet.append([_cell(sheet, cell) for cell in header] + [str(ROW_LABEL), str(ERRORS_LABEL)])
    for number, cells, errors in rows:
        cells = (list(cells) + [None] * width)[:width]
        # The errors may quote the cells they refuse: they go through the same cleaning.
        sheet.append([_cell(sheet, cell) for cell in cells] + [number, _cell(sheet, errors)])
    output = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - the caller closes it
    workbook.save(output)
    output.seek(0)
    return output


def _cell(sheet: Any, value: Any) -> Any:
    return safe_text(sheet, value) if isinstance(value, str) else value
