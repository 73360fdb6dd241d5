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

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
            # With the category and the count of cases reported in the index, the reads of a
            # scope's categories (top categories, hot spots) need not visit the table
            # (PostgreSQL; SQLite ignores `include`).
            models.Index(
                fields=["grain", "area_id", "day"],
                include=["category_id", "reported"],
                name="analytics_rollup_area_cat_idx",
            )
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


# --- Weekly and monthly reports (wangge/analytics/reports.py) ---------------------------------


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly report")
    MONTHLY = "monthly", _("Monthly report")


class ReportSchedule(models.Model):
    """A report made by the worker after every week (Monday 06:00) or month (the 1st, 06:00)
    for one unit; its creator is told when each is ready."""

    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"],
                condition=models.Q(is_active=True),
                name="analytics_one_active_schedule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} report of unit {self.unit_id}"


class Report(models.Model):
    """A stored report: the workbook and the PDF of one unit's week or month, made on demand
    (`generated_by`) or by a schedule (`schedule`, once per unit, kind and period)."""

    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    first_on = models.DateField(_("first day"))
    last_on = models.DateField(_("last day"))
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    schedule = models.ForeignKey(
        ReportSchedule,
        verbose_name=_("schedule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    is_scheduled = models.BooleanField(default=False)  # kept when the schedule is removed
    xlsx = models.FileField(upload_to="reports/", max_length=200)
    pdf = models.FileField(upload_to="reports/", max_length=200)

    class Meta:
        constraints = [
            # Two workers making the same scheduled report: the second insert fails.
            models.UniqueConstraint(
                fields=["unit", "kind", "first_on"],
                condition=models.Q(is_scheduled=True),
                name="analytics_scheduled_report_once",
            )
        ]
        indexes = [models.Index(fields=["unit", "-generated_at"], name="analytics_report_unit_idx")]

    def __str__(self) -> str:
        return f"{self.kind} report of unit {self.unit_id} from {self.first_on}"


class HotSpotAlert(models.Model):
    """A run of days one hot spot stayed hot for one unit: alerted once, at its start
    (`hotspots.alert_hot_spots`)."""

    unit_id = models.BigIntegerField()
    key = models.CharField(max_length=300)  # hotspots.HotSpot.key
    first_hot_on = models.DateField()
    last_hot_on = models.DateField()
    alerted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit_id", "key", "first_hot_on"], name="analytics_hotspot_alert_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["unit_id", "key", "last_hot_on"], name="analytics_hotspot_alert_idx"
            )
        ]

    def __str__(self) -> str:
        return f"hot spot {self.key} of unit {self.unit_id} from {self.first_hot_on}"
