"""Reading a registry sheet: an xlsx workbook (its first sheet) or a CSV file, row by row,
never the whole file in memory.

Excel on Chinese Windows saves CSV as GBK, so a CSV file that is not UTF-8 (with or without a
byte-order mark) is read as GB 18030, GBK's superset. A formula cell is handed on as `Formula`,
never evaluated: the row checker refuses it, since a ledger holds values, and a formula's cached
result is whatever the last program to save the file computed.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from wangge.people.exceptions import Invalid

# A million rows of the persons ledger is about 200 MB of CSV; beyond that, split the file.
MAX_BYTES = 400 * 1024 * 1024
MAX_ROWS = 1_000_000
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .et) format
_DECODE_BLOCK = 1 << 20

Source = str | Path | bytes | IO[bytes]


class Formula(str):
    """The text of a formula cell (it starts with =)."""


@dataclass
class Sheet:
    """An opened file: its header row and how many data rows follow it (an estimate for an
    xlsx workbook that does not record its size)."""

    file: IO[bytes]
    format: str  # "xlsx" or "csv"
    encoding: str
    header: list[str]
    rows: int

    def data_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number in the file, cells) of every non-empty row after the header."""
        self.file.seek(0)
        rows = _xlsx_rows(self.file) if self.format == "xlsx" else _csv_rows(self)
        seen_header = False
        for number, cells in rows:
            if not any(_filled(cell) for cell in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            yield number, cells


def binary_file(source: Source) -> IO[bytes]:
    """A seekable binary file for `source` (a path, bytes, or an open file)."""
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, str | Path):
        try:
            return Path(source).open("rb")
        except OSError as error:
            raise Invalid(
                _("Cannot read %(file)s: %(reason)s") % {"file": source, "reason": error.strerror},
                "file",
            ) from None
    return source


def open_sheet(file: IO[bytes], *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> Sheet:
    """The file's format, encoding, header and size; Invalid saying what is wrong with it."""
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    if size == 0:
        raise Invalid(_("The file is empty."), "file")
    if size > max_bytes:
        raise Invalid(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once. Split it.")
            % {"size": f"{size / 1024 / 1024:,.0f}", "max": f"{max_bytes / 1024 / 1024:,.0f}"},
            "file",
        )
    start = file.read(8)
    file.seek(0)
    if start.startswith(_OLE_MAGIC):
        raise Invalid(
            _("This is an old Excel .xls file; save it as .xlsx (Excel workbook) or CSV."), "file"
        )
    sheet = _open_xlsx(file) if start.startswith(_XLSX_MAGIC) else _open_csv(file)
    if sheet.rows > max_rows:
        raise Invalid(too_many_rows(sheet.rows, max_rows), "file")
    return sheet


def too_many_rows(rows: int, max_rows: int) -> str:
    return _("The file has %(rows)s rows; at most %(max)s can be imported at once. Split it.") % {
        "rows": f"{rows:,}",
        "max": f"{max_rows:,}",
    }


def _open_xlsx(file: IO[bytes]) -> Sheet:
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
        worksheet = workbook.worksheets[0]
        header: list[str] | None = None
        header_row = 0
        for number, cells in _xlsx_rows(file, workbook):
            if any(_filled(cell) for cell in cells):
                header, header_row = [_header_text(cell) for cell in cells], number
                break
        rows = max((worksheet.max_row or 0) - header_row, 0)
        workbook.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, OSError, ValueError):
        raise Invalid(
            _("The file is not a readable xlsx workbook; save it again from Excel or WPS."),
            "file",
        ) from None
    if header is None:
        raise Invalid(_("The file has no header row."), "file")
    return Sheet(file, "xlsx", "", header, rows)


def _xlsx_rows(file: IO[bytes], workbook: Any = None) -> Iterator[tuple[int, list[Any]]]:
    if workbook is None:
        file.seek(0)
        workbook = load_workbook(file, read_only=True, data_only=False)
    try:
        for row in workbook.worksheets[0].iter_rows():
            cells = []
            number = 0
            for cell in row:
                if getattr(cell, "row", None):
                    number = cell.row
                value = cell.value
                if cell.data_type == "f" and isinstance(value, str):
                    value = Formula(value)
                cells.append(value)
            if number:
                yield number, cells
    finally:
        workbook.close()


def _open_csv(file: IO[bytes]) -> Sheet:
    encoding = _csv_encoding(file)
    sheet = Sheet(file, "csv", encoding, [], 0)
    header: list[str] | None = None
    rows = 0
    try:
        for _number, cells in _csv_rows(sheet):
            if not any(_filled(cell) for cell in cells):
                continue
            if header is None:
                header = [_header_text(cell) for cell in cells]
            else:
                rows += 1
    except csv.Error as error:
        raise Invalid(
            _("The file is not a readable CSV file: %(reason)s") % {"reason": error}, "file"
        ) from None
    if header is None:
        raise Invalid(_("The file has no header row."), "file")
    sheet.header, sheet.rows = header, rows
    return sheet


def _csv_encoding(file: IO[bytes]) -> str:
    """UTF-8 (a BOM or none), else GB 18030; a file that is neither is refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        file.seek(0)
        try:
            while block := file.read(_DECODE_BLOCK):
                text = decoder.decode(block)
                if "\x00" in text:
                    raise UnicodeDecodeError(encoding, b"", 0, 1, "NUL")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise Invalid(
        _(
            "The file is neither an xlsx workbook nor CSV text in UTF-8 or GBK; "
            "save it from Excel as .xlsx or as “CSV UTF-8”."
        ),
        "file",
    )


def _csv_rows(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    sheet.file.seek(0)
    text = io.TextIOWrapper(sheet.file, encoding=sheet.encoding, newline="")
    try:
        first = text.readline()
        delimiter = "\t" if "\t" in first and "," not in first else ","
        text.seek(0)
        yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
    finally:
        # The file stays open for the next pass (closed already when the run is abandoned).
        with contextlib.suppress(ValueError):
            text.detach()


def _filled(cell: Any) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def _header_text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()
