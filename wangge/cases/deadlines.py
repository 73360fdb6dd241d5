"""When a stage of a case is due: a category's amount and unit turned into a moment, through the
working-day calendar (working hours, working days) or the wall clock (hours, for emergencies).

Pure functions apart from the calendar's reads; callers pass the start moment, and a
`WorkingCalendar` when they ask several questions at once (one read instead of one each).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.utils import timezone

from wangge.cases.models import STAGES, Case, Category, DeadlineUnit
from wangge.core.calendar import DEFAULT_WARN_FRACTION, WorkingCalendar

Stage = Literal["accept", "dispatch", "handle"]


def due_at(
    amount: Decimal | int | float,
    unit: str,
    start: datetime,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The moment `amount` `unit`s after `start`. Working days must be whole (the calendar counts
    whole days, at the time of day the clock started)."""
    if timezone.is_naive(start):
        raise ValueError("deadlines need a timezone-aware start")
    if amount <= 0:
        raise ValueError("a deadline needs a positive amount")
    if unit == DeadlineUnit.WORKING_HOURS:
        return (calendar or WorkingCalendar()).add_working_hours(start, float(amount))
    if unit == DeadlineUnit.WORKING_DAYS:
        if amount != int(amount):
            raise ValueError("working days must be a whole number")
        return (calendar or WorkingCalendar()).add_working_days(start, int(amount))
    if unit == DeadlineUnit.HOURS:
        return start + timedelta(hours=float(amount))
    raise ValueError(f"unknown deadline unit: {unit}")


def stage_due_at(
    category: Category, stage: Stage, start: datetime, calendar: WorkingCalendar | None = None
) -> datetime:
    """When `stage` (accept, dispatch or handle) of a case in `category` is due, from `start`."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage}")
    amount, unit = getattr(category, f"{stage}_amount"), getattr(category, f"{stage}_unit")
    return due_at(amount, unit, start, calendar)


def warn_moment(
    start: datetime, due: datetime, unit: str, calendar: WorkingCalendar | None = None
) -> datetime:
    """When a stage from `start` to `due` turns yellow: after 80 % of the time allowed, counted
    the way the deadline was (office hours, or the wall clock for emergencies). Stored with the
    deadline so that a list's lights are plain comparisons, not calendar reads per row."""
    if due <= start:
        return start
    if unit == DeadlineUnit.HOURS:
        return start + (due - start) * DEFAULT_WARN_FRACTION
    calendar = calendar or WorkingCalendar()
    allowed = calendar.working_hours_between(start, due)
    if allowed <= 0:
        return start
    return min(calendar.add_working_hours(start, allowed * DEFAULT_WARN_FRACTION), due)


def deadline_light(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    """green, yellow or red ("" when nothing is due): from stored timestamps, at read time."""
    if due_at is None:
        return ""
    if now > due_at:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "green"


@dataclass(frozen=True)
class TimeLeft:
    """A case's current deadline as a page shows it: its light, and the working hours left
    (negative: overdue by that many), or None when nothing is due."""

    light: str  # "green", "yellow", "red", or "" when nothing is due
    working_hours: float | None

    @property
    def is_overdue(self) -> bool:
        return self.light == "red"

    @property
    def hours_overdue(self) -> float:
        return -self.working_hours if self.working_hours is not None and self.is_overdue else 0.0


def time_left(
    due: datetime | None, warn_at: datetime | None, now: datetime, calendar: WorkingCalendar
) -> TimeLeft:
    light = deadline_light(due, warn_at, now)
    if due is None:
        return TimeLeft(light, None)
    if now <= due:
        return TimeLeft(light, round(calendar.working_hours_between(now, due), 1))
    return TimeLeft(light, -round(calendar.working_hours_between(due, now), 1))


def times_left(cases: Iterable[Case], now: datetime) -> list[tuple[Case, TimeLeft]]:
    """Each case with its time left, through one calendar for the whole list."""
    calendar = WorkingCalendar()
    return [(case, time_left(case.due_at, case.warn_at, now, calendar)) for case in cases]
