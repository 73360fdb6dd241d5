"""The endpoints the map of figures and the big screen read (mounted under /api/v1/ by
wangge.api):

- `analytics/map`: the grids of a unit's subtree (or, past `geography.GRIDS_MAX` grids, the
  units one level down) with a simplified outline and one figure's value, numerator and
  denominator for a period, read from the rollups;
- `analytics/heat`: the located cases of the subtree and period counted into small cells;
- `analytics/screen`: what the big screen shows, refreshed every minute: the headline figures
  beside the period before, today's live counts, the 30-day trend, the ranking of the units one
  level down and the top categories.

A unit outside the user's area is a 404; an unknown figure or category, or a bad period, a 422
naming the field. No personal data: units, categories and numbers only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from wangge.analytics.api_schemas import CODE, Detail, FieldErrors, PeriodOut
from wangge.analytics.definitions import FIGURES, HEADLINE, Figure
from wangge.analytics.geography import figure_map, heat_cells
from wangge.analytics.permissions import area_units
from wangge.analytics.queries import MAX_PERIOD_DAYS, Period, Scope, dashboard
from wangge.cases.models import Category
from wangge.core import clock
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind

router = Router()
DEFAULT_DAYS = 30
SCREEN_DAYS = 30
# The figures the big screen's ranking shows for each unit one level down.
RANKED = ("resolution_rate", "satisfaction_rate", "on_time_rate")
FIGURE_KEY = r"^[a-z_]+$"


# --- Shapes -----------------------------------------------------------------------------------


class MapQuery(Schema):
    unit: str | None = Field(
        None, max_length=32, pattern=CODE, description="Org unit code (default: your area)"
    )
    first: date | None = Field(None, description="First day (default: 29 days before last)")
    last: date | None = Field(None, description="Last day (default: today)")
    figure: str = Field("reported", max_length=64, pattern=FIGURE_KEY, description="A figure's key")
    category: str | None = Field(
        None, max_length=32, pattern=CODE, description="Category code (with its subcategories)"
    )
    outlines: bool = Field(True, description="false: values only, no geometry")


class HeatQuery(Schema):
    unit: str | None = Field(
        None, max_length=32, pattern=CODE, description="Org unit code (default: your area)"
    )
    first: date | None = Field(None, description="First day (default: 29 days before last)")
    last: date | None = Field(None, description="Last day (default: today)")
    category: str | None = Field(
        None, max_length=32, pattern=CODE, description="Category code (with its subcategories)"
    )


class ScreenQuery(Schema):
    unit: str | None = Field(
        None, max_length=32, pattern=CODE, description="Org unit code (default: your area)"
    )


class MapFigureOut(Schema):
    key: str
    label: str
    definition: str
    kind: str = Field(description="count, rate (0–1) or hours")
    higher_is_better: bool


class MapProperties(Schema):
    code: str
    name: str
    value: float | None = Field(description="The figure; null when there is nothing to rate")
    shown: str = Field(description="The value as the pages show it")
    numerator: float
    denominator: float | None
    has_grids_below: bool = Field(description="A unit above grids: choose it to see them")


class MapFeature(Schema):
    type: str = "Feature"
    properties: MapProperties
    geometry: dict[str, Any] | None


class MapCollection(Schema):
    type: str = "FeatureCollection"
    features: list[MapFeature]


class MapOut(Schema):
    unit: str
    unit_name: str
    level: str = Field(description="grid, or unit (the units one level down)")
    period: PeriodOut
    figure: MapFigureOut
    category: str | None
    map: MapCollection


class HeatOut(Schema):
    unit: str
    category: str | None
    period: PeriodOut
    cell_degrees: float = Field(description="A cell's side in degrees of latitude and longitude")
    total: int = Field(description="The located cases counted")
    max: int = Field(description="The most cases in one cell")
    cells: list[tuple[float, float, int]] = Field(description="[lat, lon, cases] of each cell")


class HeadlineOut(Schema):
    key: str
    label: str
    definition: str
    kind: str
    value: float | None
    shown: str
    previous_shown: str
    change: float | None = Field(description="Now minus before; percentage points for a rate")
    trend: str = Field(description="up, down, flat, or empty")
    is_better: bool | None


class CountsOut(Schema):
    reported: int = Field(description="Reported in the period")
    closed: int = Field(description="Closed in the period")
    reported_today: int
    open_now: int
    overdue_now: int


class TrendOut(Schema):
    days: list[date]
    reported: list[int]
    closed: list[int]


class RankedOut(Schema):
    code: str
    name: str
    reported: int
    figures: dict[str, str] = Field(description="The ranked figures as shown, by key")


class TopCategoryOut(Schema):
    name: str
    count: int


class ScreenOut(Schema):
    unit: str
    unit_name: str
    period: PeriodOut
    updated_at: datetime
    headline: list[HeadlineOut]
    counts: CountsOut
    trend: TrendOut
    ranked: list[MapFigureOut]
    ranking: list[RankedOut]
    categories: list[TopCategoryOut]


# --- Reading the parameters -------------------------------------------------------------------


def _refused(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"loc": ["query", field], "msg": message}]})


class _Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.answer = _refused(field, message)


def _unit(request: HttpRequest, code: str | None) -> OrgUnit:
    """The unit named (an area unit of the user's, or a grid below one), or the user's first
    area; anything else is not found."""
    units = list(area_units(request.user))
    if not units:
        raise HttpError(404, _("Not found."))
    if not code:
        return units[0]
    unit = next((u for u in units if u.code == code), None)
    if unit is None:
        unit = (
            OrgUnit.objects.filter(code=code, is_active=True)
            .exclude(kind=UnitKind.DEPARTMENT)
            .defer("boundary", "properties")
            .first()
        )
        if unit is None or not any(unit.path.startswith(u.path) for u in units):
            raise HttpError(404, _("Not found."))
    return unit


def _period(first: date | None, last: date | None) -> Period:
    last = last or clock.today()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise _Refused("last", _("The last day is before the first."))
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise _Refused("first", _("Choose at most three years."))
    return Period(first, last)


def _figure(key: str) -> Figure:
    figure = FIGURES.get(key)
    if figure is None or figure.compute is not None:
        raise _Refused(
            "figure",
            _("There is no figure “%(key)s” for a map. Choose one of: %(keys)s.")
            % {
                "key": key,
                "keys": ", ".join(k for k, f in FIGURES.items() if f.compute is None),
            },
        )
    return figure


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise _Refused(
            "category", _("There is no category with the code “%(code)s”.") % {"code": code}
        )
    return category


def _figure_out(figure: Figure) -> dict[str, Any]:
    return {
        "key": figure.key,
        "label": str(figure.label),
        "definition": str(figure.definition),
        "kind": figure.kind,
        "higher_is_better": figure.higher_is_better,
    }


def _period_out(period: Period) -> dict[str, date]:
    return {"first": period.first, "last": period.last}


# --- The map of figures -----------------------------------------------------------------------


@router.get("/analytics/map", response={200: MapOut, 404: Detail, 422: FieldErrors})
def figure_map_of(request: HttpRequest, params: Query[MapQuery]) -> Any:
    try:
        period = _period(params.first, params.last)
        figure = _figure(params.figure)
        category = _category(params.category)
    except _Refused as refused:
        return refused.answer
    unit = _unit(request, params.unit)
    drawn = figure_map(Scope(unit, category=category), period, outlines=params.outlines)
    features = []
    for item in drawn.units:
        value = figure.value(item.totals)
        features.append(
            {
                "properties": {
                    "code": item.unit.code,
                    "name": item.unit.name,
                    "value": value,
                    "shown": figure.display(value),
                    "numerator": item.totals.get(figure.numerator, 0),
                    "denominator": None
                    if figure.denominator is None
                    else item.totals.get(figure.denominator, 0),
                    "has_grids_below": item.has_grids_below,
                },
                "geometry": item.outline,
            }
        )
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "level": drawn.level,
        "period": _period_out(period),
        "figure": _figure_out(figure),
        "category": category.code if category else None,
        "map": {"features": features},
    }


# --- The heat map -----------------------------------------------------------------------------


@router.get("/analytics/heat", response={200: HeatOut, 404: Detail, 422: FieldErrors})
def heat(request: HttpRequest, params: Query[HeatQuery]) -> Any:
    try:
        period = _period(params.first, params.last)
        category = _category(params.category)
    except _Refused as refused:
        return refused.answer
    unit = _unit(request, params.unit)
    found = heat_cells(unit, period, category)
    return {
        "unit": unit.code,
        "category": category.code if category else None,
        "period": _period_out(period),
        "cell_degrees": found.cell_degrees,
        "total": found.total,
        "max": max((count for _lat, _lon, count in found.cells), default=0),
        "cells": found.cells,
    }


# --- The big screen ---------------------------------------------------------------------------


@router.get("/analytics/screen", response={200: ScreenOut, 404: Detail, 422: FieldErrors})
def screen(request: HttpRequest, params: Query[ScreenQuery]) -> Any:
    unit = _unit(request, params.unit)
    now = clock.now()
    period = Period.last_days(SCREEN_DAYS, timezone.localdate(now))
    board = dashboard(Scope(unit), period, now)
    headline = []
    for key in HEADLINE:
        item = board.figure(key)
        headline.append(
            {
                **_figure_out(item.figure),
                "value": item.value,
                "shown": item.shown,
                "previous_shown": item.previous_shown,
                "change": item.change,
                "trend": item.trend,
                "is_better": item.is_better,
            }
        )
    today = board.trend[-1][1] if board.trend else {}
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "period": _period_out(period),
        "updated_at": now,
        "headline": headline,
        "counts": {
            "reported": board.totals["reported"],
            "closed": board.totals["closed_on_day"],
            "reported_today": today.get("reported", 0),
            "open_now": board.open_now,
            "overdue_now": board.overdue_now,
        },
        "trend": {
            "days": [day for day, _totals in board.trend],
            "reported": [totals["reported"] for _day, totals in board.trend],
            "closed": [totals["closed_on_day"] for _day, totals in board.trend],
        },
        "ranked": [_figure_out(FIGURES[key]) for key in RANKED],
        "ranking": [
            {
                "code": item.unit.code,
                "name": item.unit.name,
                "reported": item.totals["reported"],
                "figures": {key: FIGURES[key].display(item.value(key)) for key in RANKED},
            }
            for item in board.ranking
        ],
        "categories": [{"name": name, "count": count} for name, count in board.top_categories],
    }
