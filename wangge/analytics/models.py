"""The rollups behind every case figure (see `rollups.py` for how they are built and kept).

- `CaseFact`: one row per case, the case's measures as they stood when the rollup job last
  saw it (so the job can take the old contribution away before adding the new one).
- `Rollup`: the sums of those measures per (grain, day, area, department, category). Four
  grains: by day and by month, each either with department and category (`d`, `m`) or by area
  only (`a`, `n`), so that a year's city dashboard sums a few thousand rows.
- `WorkClock`: working days before each local day (2000–2040), so SQL can measure working
  time (times the office hours).
- `RollupCursor`: the last case event applied, claimed by compare-and-set.

Plain integer keys, no foreign keys: the rollups are derived data, rebuilt from the cases by
`wangge analytics rebuild`, and must never block a change to the units or categories."""

from __future__ import annotations

from django.db import models

from wangge.analytics.definitions import MEASURES, STORED_MEASURES


def _measure_fields(names: tuple[str, ...], big: tuple[str, ...] = ()) -> dict[str, models.Field]:
    return {
        name: (models.BigIntegerField if name in big else models.IntegerField)(default=0)
        for name in names
    }


class CaseFact(models.Model):
    case_id = models.BigIntegerField(primary_key=True)
    day = models.DateField()  # local day the case was reported
    closed_day = models.DateField(null=True)  # local day it was closed, while closed
    area_id = models.BigIntegerField()
    department_id = models.BigIntegerField()  # 0: none yet
    category_id = models.BigIntegerField()
    phone_key = models.CharField(max_length=32, blank=True)  # the phone's blind index
    address = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField()
    locals().update(_measure_fields(STORED_MEASURES, big=("handle_seconds",)))

    class Meta:
        indexes = [
            models.Index(
                fields=["phone_key", "reported_at"],
                condition=~models.Q(phone_key=""),
                name="analytics_fact_phone_idx",
            ),
            models.Index(
                fields=["address", "reported_at"],
                condition=~models.Q(address=""),
                name="analytics_fact_address_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} on {self.day}"


class Rollup(models.Model):
    grain = models.CharField(max_length=1)
    day = models.DateField()  # the day, or the first day of the month
    area_id = models.BigIntegerField()
    department_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    locals().update(_measure_fields(MEASURES, big=("handle_seconds",)))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "area_id", "department_id", "category_id"],
                name="analytics_rollup_key",
            )
        ]
        # A subtree's rows alone, whatever the number of areas elsewhere.
        indexes = [
            models.Index(fields=["grain", "area_id", "day"], name="analytics_rollup_area_idx")
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.area_id}/{self.department_id}/{self.category_id}"


class WorkClock(models.Model):
    day = models.DateField(primary_key=True)
    workdays_before = models.IntegerField()  # working days from the first day to this one
    is_workday = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.day} ({self.workdays_before})"


class RollupCursor(models.Model):
    name = models.CharField(max_length=16, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    built_at = models.DateTimeField(null=True)
    applied_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"
