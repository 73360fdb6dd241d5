"""Importing the registry from the Excel ledgers it really arrives in (xlsx or CSV): compounds,
buildings, houses, and persons with the houses they live in.

Every row is checked with the services' own checks and the importing user's scope before it is
written, and problems are reported per row and column (`ImportResult.problems`, and an error
sheet). By default nothing is written unless every row is valid; with `valid_only` the valid
rows are written and the others come back in the error sheet. Either way all writing happens in
one transaction, with one audit entry for the whole file.

The file is streamed in chunks of `CHUNK_ROWS`, so memory does not grow with its size: each
chunk is checked, then written in a few bulk statements (`writing`), the last of them on a second
thread while the next chunk is checked (`bulk.BackgroundInserts`). A valid file is read once;
at the first invalid row an all-or-nothing import stops writing, checks the rest, and rolls
back. A re-imported person (same document type and number) is updated, not doubled.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import audit, clock
from wangge.core.models import User
from wangge.people.exceptions import Invalid
from wangge.people.imports.bulk import BackgroundInserts
from wangge.people.imports.columns import KINDS, Header, guess_kind, match_header
from wangge.people.imports.reading import (
    MAX_BYTES,
    MAX_ROWS,
    Sheet,
    Source,
    binary_file,
    open_sheet,
    too_many_rows,
)
from wangge.people.imports.rows import Row, RowChecker
from wangge.people.imports.sheets import build_error_sheet, build_template
from wangge.people.imports.writing import Writer, summary_counts
from wangge.people.models import House, Person, Residence

__all__ = [
    "CHUNK_ROWS",
    "COUNT_LABELS",
    "KINDS",
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportResult",
    "RowProblem",
    "build_template",
    "import_registry",
]

CHUNK_ROWS = 5_000
# Past this many refused rows the rest of the file is not checked: the problem is the file.
MAX_PROBLEM_ROWS = 10_000
AUDIT_ACTION = "people.import"

Progress = Callable[[int, int], None]
# What `ImportResult.counts` counts, for people to read.
COUNT_LABELS = {
    "compounds created": gettext_lazy("compounds created"),
    "compounds updated": gettext_lazy("compounds updated"),
    "buildings created": gettext_lazy("buildings created"),
    "buildings updated": gettext_lazy("buildings updated"),
    "houses created": gettext_lazy("houses created"),
    "houses updated": gettext_lazy("houses updated"),
    "persons created": gettext_lazy("persons created"),
    "persons updated": gettext_lazy("persons updated"),
    "residences created": gettext_lazy("residences created"),
    "residences kept": gettext_lazy("open residences kept as they were"),
}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the header cell as the file spells it
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": f"“{self.column}”",
            "message": self.message,
        }


@dataclass
class ImportResult:
    """What an import did. `error_sheet` (an xlsx file open at its start, for the caller to
    close) is there when a row was refused: every row of an all-or-nothing import, or only the
    refused ones when `valid_only`, each with its row number and errors."""

    kind: str
    rows: int = 0
    written: int = 0
    refused: int = 0
    is_truncated: bool = False  # stopped checking after MAX_PROBLEM_ROWS refused rows
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    error_sheet: IO[bytes] | None = None

    @property
    def is_complete(self) -> bool:
        """Every row was written."""
        return self.refused == 0 and not self.is_truncated


def import_registry(
    actor: User | None,
    source: Source,
    *,
    kind: str | None = None,
    valid_only: bool = False,
    progress: Progress | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportResult:
    """Import a sheet of `kind` (guessed from the headers when None) as `actor` (None: the
    system). Invalid, naming the file, header or limit at fault, when the file itself cannot be
    read; row problems are in the result. `progress(done, total)` is called after each chunk."""
    if kind is not None and kind not in KINDS:
        raise Invalid(
            _("Unknown kind of sheet %(kind)s; choose one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            "kind",
        )
    file = binary_file(source)
    try:
        sheet = open_sheet(file, max_rows=max_rows, max_bytes=max_bytes)
        header = match_header(KINDS[kind] if kind else guess_kind(sheet.header), sheet.header)
        run = _Run(actor, sheet, header, valid_only=valid_only, progress=progress)
        try:
            with transaction.atomic():
                run.read(max_rows=max_rows, chunk_rows=chunk_rows)
                if run.result.refused and not valid_only:
                    transaction.set_rollback(True)
                    run.result.written = 0
                elif run.result.written:
                    run.record()
        except IntegrityError:
            raise Invalid(
                _(
                    "Someone saved the same person or place while the file was imported; "
                    "nothing was written. Import the file again."
                ),
                "file",
            ) from None
        if run.result.refused:
            run.result.error_sheet = build_error_sheet(sheet.header, run.error_rows())
        return run.result
    finally:
        if not isinstance(source, bytes) and isinstance(source, str | Path):
            file.close()


class _Run:
    def __init__(
        self,
        actor: User | None,
        sheet: Sheet,
        header: Header,
        *,
        valid_only: bool,
        progress: Progress | None,
    ) -> None:
        self.actor = actor
        self.sheet = sheet
        self.header = header
        self.valid_only = valid_only
        self.progress = progress
        self.now = clock.now()
        # The tables whose rows go to the database beside the checking of the next chunk.
        self.inserts = BackgroundInserts((House, Person, Residence))
        self.checker = RowChecker(
            actor, header, today=timezone.localdate(self.now), settle=self.inserts.wait
        )
        self.writer = Writer(actor, self.checker, self.now, self.inserts)
        self.result = ImportResult(kind=header.kind.name)
        self.refused_rows: dict[int, str] = {}

    def read(self, *, max_rows: int, chunk_rows: int) -> None:
        # A chunk is a few hundred thousand short-lived objects. Left to itself, the cyclic
        # garbage collector promotes them and then walks the whole heap (Django's too) every
        # few chunks, a third of the import's time; collecting the young generations once per
        # chunk finds whatever cycles a chunk leaves, at a fraction of that.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._read(max_rows=max_rows, chunk_rows=chunk_rows)
        except BaseException:
            self.inserts.close(failed=True)
            raise
        finally:
            if collecting:
                gc.enable()
        self.inserts.close()
        self.result.counts = summary_counts(self.writer.counts)

    def _read(self, *, max_rows: int, chunk_rows: int) -> None:
        rows = self.sheet.data_rows()
        total = self.sheet.rows
        read = 0

        def next_chunk() -> list[tuple[int, list[Any]]]:
            nonlocal read
            chunk = list(islice(rows, chunk_rows))
            read += len(chunk)
            if read > max_rows:
                raise Invalid(too_many_rows(read, max_rows), "file")
            return chunk

        chunk = next_chunk()
        self.checker.look_up(chunk)
        while chunk:
            self.result.rows += len(chunk)
            # Checking and encrypting this chunk, and reading the next, goes on while the chunk
            # before is written (`bulk.BackgroundInserts`); the rest waits for that to end.
            checked = [self.checker.check(number, cells) for number, cells in chunk]
            if self.valid_only or not self.result.refused:
                self.writer.seal(checked)
            following = next_chunk()
            self.writer.prepare(checked)
            self.checker.look_up(following)
            valid = [row for row in checked if row.is_valid]
            for row in checked:
                if not row.is_valid:
                    self._refuse(row)
            if self.valid_only or not self.result.refused:
                self.writer.write(valid)
                self.result.written += len(valid)
            if self.progress is not None:
                total = max(total, self.result.rows)
                self.progress(self.result.rows, total)
            if self.result.refused >= MAX_PROBLEM_ROWS:
                self.result.is_truncated = True
                break
            chunk = following
            del checked, valid
            gc.collect(1)

    def _refuse(self, row: Row) -> None:
        self.result.refused += 1
        problems = [
            RowProblem(row.number, self.header.label_of(key), message)
            for key, message in row.problems
        ]
        self.result.problems.extend(problems)
        self.refused_rows[row.number] = "; ".join(
            f"{problem.column}: {problem.message}" for problem in problems
        )

    def error_rows(self) -> Iterator[tuple[int, list[Any], str]]:
        """The rows of the error sheet: all of them when nothing was written, so the corrected
        sheet is the whole file again; else only the refused ones."""
        last = max(self.refused_rows) if self.result.is_truncated else None
        for number, cells in self.sheet.data_rows():
            errors = self.refused_rows.get(number, "")
            if errors or not self.valid_only:
                yield number, cells, errors
            if last is not None and number >= last:
                break

    def record(self) -> None:
        result = self.result
        audit.record(
            self.actor,
            AUDIT_ACTION,
            None,
            f"{result.kind}: {result.written} of {result.rows} rows",
            kind=result.kind,
            rows=result.rows,
            written=result.written,
            refused=result.refused,
            valid_only=self.valid_only,
            **{name.replace(" ", "_"): count for name, count in result.counts.items()},
        )
