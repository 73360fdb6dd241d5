"""The indicator system editor's rows: dimensions, each with its indicator rows, as many as the
organiser needs. The page posts every row it shows (blank ones too), so the rows a page had
are read back from the field names; "add a dimension" / "add an indicator" buttons post the
form with `add_row` and the page comes back with one more row and nothing saved. No script.

A row left without a name is dropped when saving; refusals from `services.define_system` name
the saved (compacted) position, `dimensions[1].indicators[0].weight`, which `mark_refusal` turns
back into the field on the page (`d2_0_weight` when the first dimension row was blank)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wangge.evaluation import services
from wangge.evaluation.models import Method

MAX_DIMENSIONS = 12
MAX_INDICATORS = 20
NEW_DIMENSIONS = 2  # rows a new system starts with
NEW_INDICATORS = 2
_ROW_KEY = re.compile(r"^d(\d+)_(?:(\d+)_)?(?:name|weight|figure|target|description)$")
_SAVED_FIELD = re.compile(
    r"^dimensions\[(\d+)\](?:\.(name|weight)|\.indicators(?:\[(\d+)\]\.(\w+))?)$"
)


@dataclass
class IndicatorRow:
    name: str = ""
    weight: str = ""
    figure: str = ""
    target: str = ""
    description: str = ""  # kept through a hidden field: the editor has no column for it
    invalid: str = ""  # the part a refusal names: "name", "weight", "figure" or "target"


@dataclass
class DimensionRow:
    name: str = ""
    weight: str = ""
    indicators: list[IndicatorRow] = field(default_factory=list)
    invalid: str = ""  # "name", "weight" or "indicators" when a refusal names them
    error: str = ""  # the refusal's message, shown in this dimension's box


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def rows_of(specs: list[services.DimensionSpec]) -> list[DimensionRow]:
    """A saved system's rows, with one blank indicator row per dimension to type into; a new
    system gets a few blank rows."""
    if not specs:
        return [
            DimensionRow(indicators=[IndicatorRow() for _j in range(NEW_INDICATORS)])
            for _i in range(NEW_DIMENSIONS)
        ]
    rows = []
    for spec in specs:
        items = [
            IndicatorRow(
                item.name,
                _text(item.weight),
                item.figure if item.method == Method.COMPUTED else "",
                _text(item.target),
                item.description,
            )
            for item in spec.indicators
        ]
        if len(items) < MAX_INDICATORS:
            items.append(IndicatorRow())
        rows.append(DimensionRow(spec.name, _text(spec.weight), items))
    return rows


def rows_from(post: Any) -> list[DimensionRow]:
    """The rows as posted, blank ones kept in place (up to the limits)."""
    shape: dict[int, int] = {}
    for key in post:
        match = _ROW_KEY.match(key)
        if match is None:
            continue
        i = int(match.group(1))
        j = int(match.group(2)) + 1 if match.group(2) is not None else 0
        if i < MAX_DIMENSIONS and j <= MAX_INDICATORS:
            shape[i] = max(shape.get(i, 0), j)
    rows = []
    for i in range(max(shape, default=-1) + 1):
        indicators = [
            IndicatorRow(
                _text(post.get(f"d{i}_{j}_name")),
                _text(post.get(f"d{i}_{j}_weight")),
                _text(post.get(f"d{i}_{j}_figure")),
                _text(post.get(f"d{i}_{j}_target")),
                _text(post.get(f"d{i}_{j}_description")),
            )
            for j in range(shape.get(i, 0))
        ]
        rows.append(
            DimensionRow(_text(post.get(f"d{i}_name")), _text(post.get(f"d{i}_weight")), indicators)
        )
    return rows or rows_of([])


def add_row(rows: list[DimensionRow], where: str) -> bool:
    """One more row: "dimension" adds a dimension, "<i>" an indicator row to dimension i.
    False when the limit is reached or `where` names no row."""
    if where == "dimension":
        if len(rows) >= MAX_DIMENSIONS:
            return False
        rows.append(DimensionRow(indicators=[IndicatorRow()]))
        return True
    if not where.isdigit() or int(where) >= len(rows):
        return False
    indicators = rows[int(where)].indicators
    if len(indicators) >= MAX_INDICATORS:
        return False
    indicators.append(IndicatorRow())
    return True


def _positions(rows: list[DimensionRow]) -> list[tuple[int, list[int]]]:
    """(row index, [indicator row indices]) of the rows that are saved, in order."""
    kept = []
    for i, row in enumerate(rows):
        named = [j for j, item in enumerate(row.indicators) if item.name]
        if row.name or named:
            kept.append((i, named))
    return kept


def specs_from(rows: list[DimensionRow]) -> list[services.DimensionSpec]:
    """What the service saves: the named rows; an indicator with a figure is computed."""
    specs = []
    for i, named in _positions(rows):
        row = rows[i]
        indicators = [
            services.IndicatorSpec(
                item.name,
                item.weight,
                Method.COMPUTED if item.figure else Method.MANUAL,
                item.figure,
                item.target or None,
                item.description,
            )
            for item in (row.indicators[j] for j in named)
        ]
        specs.append(services.DimensionSpec(row.name, row.weight, indicators))
    return specs


def mark_refusal(rows: list[DimensionRow], saved_field: str, message: str) -> str:
    """Put a refusal of `services.define_system` beside the row it names: its field is the
    saved (compacted) position, `dimensions[1].indicators[0].weight`. Answers the page's input
    behind it (`d2_0_weight` when the first dimension row was blank), or "" when the refusal
    names no single input (the dimensions' weights, an empty form)."""
    match = _SAVED_FIELD.match(saved_field)
    kept = _positions(rows)
    if match is None or int(match.group(1)) >= len(kept):
        return ""
    i, named = kept[int(match.group(1))]
    row = rows[i]
    row.error = message
    if match.group(2):
        row.invalid = match.group(2)
        return f"d{i}_{match.group(2)}"
    if match.group(3) is None:
        row.invalid = "indicators"
        return ""
    j = int(match.group(3))
    if j >= len(named) or match.group(4) not in ("name", "weight", "figure", "target"):
        return ""
    row.indicators[named[j]].invalid = match.group(4)
    return f"d{i}_{named[j]}_{match.group(4)}"
