"""Labelled examples from a CSV file (a city's history before go-live, or a public data set):
one or more text columns joined, one label column. Refusals name the column or row at fault."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Exports from Chinese spreadsheet programs are often GB 18030 rather than UTF-8.
_ENCODINGS = ("utf-8-sig", "gb18030")
csv.field_size_limit(10_000_000)


class LabelledFileInvalid(ValueError):
    """The file cannot be read as labelled examples; the message names the column or row."""


@dataclass(frozen=True)
class LabelledExamples:
    texts: list[str]
    labels: list[str]
    skipped_rows: list[int]  # 1-based data rows (after the header) without text or label


def _decoded(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LabelledFileInvalid(f"{path}: cannot be read ({error.strerror})") from None
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LabelledFileInvalid(f"{path}: neither UTF-8 nor GB 18030 text")


def read_labelled_csv(
    path: str | Path, text_columns: Sequence[str], label_column: str | None
) -> LabelledExamples:
    """The examples of `path`: each row's `text_columns` joined by a line break and its
    `label_column` (None: no labels wanted, every label is ""). Rows with no text, or no label
    when labels are wanted, are skipped and listed; a file with none left is refused."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(_decoded(path), newline=""))
    header = reader.fieldnames or []
    wanted = [*text_columns, *([label_column] if label_column else [])]
    missing = [column for column in wanted if column not in header]
    if missing:
        raise LabelledFileInvalid(
            f"{path}: no column {', '.join(missing)}; the columns are {', '.join(header) or 'none'}"
        )
    texts: list[str] = []
    labels: list[str] = []
    skipped: list[int] = []
    try:
        for row_number, row in enumerate(reader, start=1):
            text = "\n".join((row.get(column) or "").strip() for column in text_columns).strip()
            label = (row.get(label_column) or "").strip() if label_column else ""
            if not text or (label_column and not label):
                skipped.append(row_number)
                continue
            texts.append(text)
            labels.append(label)
    except csv.Error as error:
        raise LabelledFileInvalid(f"{path}, row {reader.line_num}: {error}") from None
    if not texts:
        raise LabelledFileInvalid(f"{path}: no row has both text and a label")
    return LabelledExamples(texts, labels, skipped)
