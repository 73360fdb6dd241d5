"""Builders for the hot spot tests: cases filed on given days before a fixed today, through
the real services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from tests.cases.loop_helpers import DEPARTMENT_CATEGORY, IN_GRID_A, file_case
from wangge.analytics.queries import Period
from wangge.core.clock import frozen_at

TODAY = date(2026, 3, 20)  # a Friday
WEEK = Period.last_days(7, TODAY)
LEAF = DEPARTMENT_CATEGORY  # 路灯, under C01 公用设施
SIBLING = "C0101"  # 上水井盖, also under C01
CLASS = "C01"


def at_day(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def file_on(
    cast, day: date, *, at=IN_GRID_A, category: str = LEAF, count: int = 1, hour: int = 9, **fields
):
    cases = []
    for n in range(count):
        with frozen_at(at_day(day, hour + n % 8)):
            cases.append(file_case(cast.grid_worker_a, at=at, category=category, **fields))
    return cases


def weeks_before(weeks: int) -> list[date]:
    """A day in each of the `weeks` weeks before WEEK (the same weekday as its first day)."""
    return [WEEK.first - timedelta(days=7 * n) for n in range(1, weeks + 1)]


def history(cast, *, at=IN_GRID_A, category: str = LEAF, per_week: int = 1, weeks: int = 8):
    """`per_week` cases in each of the weeks before, so the scope has a usual level."""
    for day in weeks_before(weeks):
        file_on(cast, day, at=at, category=category, count=per_week)
