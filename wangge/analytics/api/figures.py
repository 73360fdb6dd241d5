"""Figures endpoints (mounted under /api/v1/ by wangge.api): every figure of a unit's subtree,
optionally one department and one category, for a period, beside the period before, with its
trend. Read through `queries` (the same figures as the dashboard). A unit, department or
category that does not exist, or a unit outside the user's area, is a 404; a bad period a 422
naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from wangge.analytics.api_schemas import (
    DefinitionOut,
    Detail,
    FieldErrors,
    FiguresOut,
    FiguresQuery,
)
from wangge.analytics.definitions import FIGURES
from wangge.analytics.permissions import area_units
from wangge.analytics.queries import (
    MAX_PERIOD_DAYS,
    Period,
    Reader,
    Scope,
    area_figure_values,
    figure_values,
    series_of,
    trend_buckets,
)
from wangge.cases.models import Category
from wangge.core import clock
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind

router = Router()
DEFAULT_DAYS = 30


@router.get("/analytics/definitions", response=list[DefinitionOut])
def definitions(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "key": figure.key,
            "label": str(figure.label),
            "definition": str(figure.definition),
            "kind": figure.kind,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
        }
        for figure in FIGURES.values()
    ]


def _scope(request: HttpRequest, params: FiguresQuery) -> Scope:
    units = list(area_units(request.user))
    if not units:
        raise HttpError(404, _("Not found."))
    if params.unit:
        unit = next((u for u in units if u.code == params.unit), None)
        if unit is None:
            # A unit below the user's areas (a grid) is theirs too.
            unit = (
                OrgUnit.objects.filter(code=params.unit, is_active=True)
                .exclude(kind=UnitKind.DEPARTMENT)
                .defer("boundary", "properties")
                .first()
            )
            if unit is None or not any(unit.path.startswith(u.path) for u in units):
                raise HttpError(404, _("Not found."))
    else:
        unit = units[0]
    department = None
    if params.department:
        department = OrgUnit.objects.filter(
            code=params.department, kind=UnitKind.DEPARTMENT
        ).first()
        if department is None:
            raise HttpError(404, _("Not found."))
    category = None
    if params.category:
        category = Category.objects.filter(code=params.category).first()
        if category is None:
            raise HttpError(404, _("Not found."))
    return Scope(unit, department, category)


def _refused(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"loc": ["query", field], "msg": message}]})


@router.get("/analytics/figures", response={200: FiguresOut, 404: Detail, 422: FieldErrors})
def figures(request: HttpRequest, params: Query[FiguresQuery]) -> Any:
    today = clock.today()
    last = params.last or today
    first = params.first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        return _refused("last", _("The last day is before the first."))
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        return _refused("first", _("Choose at most three years."))
    period = Period(first, last)
    scope = _scope(request, params)
    reader = Reader(scope)
    current = reader.totals(period)
    previous = reader.totals(period.previous())
    bucket, buckets = trend_buckets(period)
    grouped = reader.grouped(period, bucket)
    trend = [(day, grouped.get(day, {})) for day in buckets]
    out = []
    for item in figure_values(current, previous):
        figure = item.figure
        out.append(
            {
                "key": figure.key,
                "label": str(figure.label),
                "definition": str(figure.definition),
                "kind": figure.kind,
                "value": item.value,
                "previous": item.previous,
                "change": item.change,
                "trend": item.trend,
                "numerator": current.get(figure.numerator, 0),
                "denominator": None
                if figure.denominator is None
                else current.get(figure.denominator, 0),
                "series": series_of(figure, trend),  # type: ignore[arg-type]
            }
        )
    # The other apps' figures: computed for the period and the one before, without a series.
    for area_item in area_figure_values(reader, period, today):
        figure = area_item.figure
        counts = area_item.counts
        out.append(
            {
                "key": figure.key,
                "label": str(figure.label),
                "definition": str(figure.definition),
                "kind": figure.kind,
                "value": area_item.value,
                "previous": area_item.previous,
                "change": area_item.change,
                "trend": area_item.trend,
                "numerator": None if counts is None else counts[0],
                "denominator": None if counts is None else counts[1],
                "series": [],
            }
        )
    return {
        "unit": scope.unit.code,
        "department": scope.department.code if scope.department else None,
        "category": scope.category.code if scope.category else None,
        "period": {"first": period.first, "last": period.last},
        "previous_period": {"first": period.previous().first, "last": period.previous().last},
        "bucket": bucket,
        "buckets": buckets,
        "figures": out,
    }
