"""Hot spots endpoints (mounted under /api/v1/ by wangge.api): the hot spots of a unit's
subtree (optionally one category) in a period, hottest first, each with its actual and usual
counts, and the cases behind one hot spot. Read through `analytics.hotspots` (the same as the
page). A unit or category that does not exist or lies outside the user's area is a 404; a bad
period a 422 naming the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from wangge.analytics.api_schemas import CODE, Detail, FieldErrors, PeriodOut
from wangge.analytics.hotspots import (
    DEFAULT_DAYS,
    HotSpotNotFound,
    cases_behind,
    category_by_code,
    check_period,
    hot_spots,
    place_for_user,
)
from wangge.analytics.permissions import area_units
from wangge.analytics.queries import Period, Scope
from wangge.core import clock

router = Router()


class HotSpotsQuery(Schema):
    unit: str | None = Field(
        None, max_length=32, pattern=CODE, description="Org unit code (default: your area)"
    )
    category: str | None = Field(None, max_length=32, pattern=CODE, description="Category code")
    first: date | None = Field(None, description="First day (default: 6 days before last)")
    last: date | None = Field(None, description="Last day (default: today)")


class CasesQuery(Schema):
    first: date | None = Field(None, description="First day (default: 6 days before last)")
    last: date | None = Field(None, description="Last day (default: today)")
    address: str = Field("", max_length=200, description="Only the cases at this address")


class HotSpotOut(Schema):
    place_kind: str = Field(description="grid, community, town or address")
    place_code: str = Field(description="The unit (for an address: the unit holding its cases)")
    place_name: str
    address: str
    category_code: str
    category_name: str
    actual: int = Field(description="Cases in the period")
    expected: float = Field(description="The usual level: the mean of the periods before")
    spread: float
    ratio: float | None = Field(description="Actual over expected; null when expected is 0")
    score: float = Field(description="Spreads above the usual level")
    baseline: list[int] = Field(description="Cases in each period before, the latest first")


class HotSpotsOut(Schema):
    unit: str
    category: str | None
    period: PeriodOut
    baselines: list[PeriodOut]
    rule: str
    has_history: bool
    hot_spots: list[HotSpotOut]


class CaseOut(Schema):
    number: str
    title: str
    state: str
    category: str
    area: str
    reported_at: datetime


def _refused(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"loc": ["query", field], "msg": message}]})


def _period(first: date | None, last: date | None) -> Period | Status:
    today = clock.today()
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    refused = check_period(first, last)
    return _refused(*refused) if refused else Period(first, last)


@router.get("/analytics/hotspots", response={200: HotSpotsOut, 404: Detail, 422: FieldErrors})
def list_hot_spots(request: HttpRequest, params: Query[HotSpotsQuery]) -> Any:
    period = _period(params.first, params.last)
    if isinstance(period, Status):
        return period
    units = list(area_units(request.user))
    if not units:
        raise HttpError(404, _("Not found."))
    try:
        unit = place_for_user(request.user, params.unit) if params.unit else units[0]
        category = category_by_code(params.category) if params.category else None
    except HotSpotNotFound:
        raise HttpError(404, _("Not found.")) from None
    result = hot_spots(Scope(unit, category=category), period)
    return {
        "unit": unit.code,
        "category": category.code if category else None,
        "period": {"first": period.first, "last": period.last},
        "baselines": [{"first": p.first, "last": p.last} for p in result.baselines],
        "rule": result.rule.describe(),
        "has_history": result.has_history,
        "hot_spots": [spot.as_dict() for spot in result.spots],
    }


@router.get(
    "/analytics/hotspots/{place_code}/{category_code}/cases",
    response={200: list[CaseOut], 404: Detail, 422: FieldErrors},
)
def hot_spot_cases(
    request: HttpRequest, place_code: str, category_code: str, params: Query[CasesQuery]
) -> Any:
    period = _period(params.first, params.last)
    if isinstance(period, Status):
        return period
    try:
        place = place_for_user(request.user, place_code)
        category = category_by_code(category_code)
    except HotSpotNotFound:
        raise HttpError(404, _("Not found.")) from None
    address = params.address.replace("\x00", "")
    return [
        {
            "number": case.number,
            "title": case.title,
            "state": case.state,
            "category": case.category.code,
            "area": case.area.code,
            "reported_at": case.reported_at,
        }
        for case in cases_behind(request.user, place, category, period, address)
    ]
