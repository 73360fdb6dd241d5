"""When a stage of a case is due: a category's amount and unit turned into a moment, through the
working-day calendar (working hours, working days) or the wall clock (hours, for emergencies).

Pure functions apart from the calendar's one read of its table; callers pass the start moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.utils import timezone

from wangge.cases.models import STAGES, Category, DeadlineUnit
from wangge.core.calendar import add_working_days, add_working_hours

Stage = Literal["accept", "dispatch", "handle"]


def due_at(amount: Decimal | int | float, unit: str, start: datetime) -> datetime:
    """The moment `amount` `unit`s after `start`. Working days must be whole (the calendar counts
    whole days, at the time of day the clock started)."""
    if timezone.is_naive(start):
        raise ValueError("deadlines need a timezone-aware start")
    if amount <= 0:
        raise ValueError("a deadline needs a positive amount")
    if unit == DeadlineUnit.WORKING_HOURS:
        return add_working_hours(start, float(amount))
    if unit == DeadlineUnit.WORKING_DAYS:
        if amount != int(amount):
            raise ValueError("working days must be a whole number")
        return add_working_days(start, int(amount))
    if unit == DeadlineUnit.HOURS:
        return start + timedelta(hours=float(amount))
    raise ValueError(f"unknown deadline unit: {unit}")


def stage_due_at(category: Category, stage: Stage, start: datetime) -> datetime:
    """When `stage` (accept, dispatch or handle) of a case in `category` is due, from `start`."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage}")
    return due_at(getattr(category, f"{stage}_amount"), getattr(category, f"{stage}_unit"), start)
