"""The shapes of the analytics API: a scope and a period in, every figure out with its
definition, the period before and the trend."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema

from wangge.core.api_schemas import Detail, FieldError, FieldErrors  # noqa: F401 (re-exported)

# Codes of units and categories: letters, digits and a few marks (never a NUL, which
# PostgreSQL refuses even in a lookup).
CODE = r"^[A-Za-z0-9_.-]+$"


class FiguresQuery(Schema):
    unit: str | None = Field(
        None, max_length=32, pattern=CODE, description="Org unit code (default: your area)"
    )
    department: str | None = Field(
        None, max_length=32, pattern=CODE, description="Handling unit code"
    )
    category: str | None = Field(None, max_length=32, pattern=CODE, description="Category code")
    first: date | None = Field(None, description="First day (default: 29 days before last)")
    last: date | None = Field(None, description="Last day (default: today)")


class PeriodOut(Schema):
    first: date
    last: date


class FigureOut(Schema):
    key: str
    label: str
    definition: str
    kind: str = Field(description="count, rate (0–1) or hours")
    value: float | None
    previous: float | None
    change: float | None = Field(description="Now minus before; percentage points for a rate")
    trend: str = Field(description="up, down, flat, or empty when either side is missing")
    numerator: float | None = Field(
        description="What the figure was computed from; none for another app's figure of one "
        "department or category (it has no value there)"
    )
    denominator: float | None
    series: list[float | None] = Field(
        description="The figure in each bucket of `buckets`; empty for the other apps' figures "
        "(canvass, care visits, agreements), computed for the period only"
    )


class FiguresOut(Schema):
    unit: str
    department: str | None
    category: str | None
    period: PeriodOut
    previous_period: PeriodOut
    bucket: str = Field(description="day or month")
    buckets: list[date]
    figures: list[FigureOut]


class DefinitionOut(Schema):
    key: str
    label: str
    definition: str
    kind: str
    numerator: str
    denominator: str | None
