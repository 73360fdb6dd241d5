"""The Chinese working-day calendar behind every SLA clock (accept, dispatch, handle in N working
days or hours).

Which days are working days, in this order:
1. a `CalendarDay` row for the date, if there is one (an administrator's local holiday or
   adjusted working day overrides everything else);
2. for years the installed `chinese-calendar` package covers (`official_years()`), the State
   Council's published holidays and adjusted working days (调休上班);
3. for any other year, Monday to Friday.

Office hours are wall-clock periods in `settings.TIME_ZONE`: the city's `OfficePeriod` rows
(set with `set_office_hours`), or by default 08:30–12:00 and 14:00–17:30 as in Guangdong
government offices; every function also takes them as `office_hours`.
Periods are half-open for starting work: a moment at or after a period's end counts from the
next period, so a case reported at 17:30 starts its clock the next working morning. A deadline
may land exactly on a period's end (due by 12:00 or 17:30), never later than needed.

The functions are pure apart from the `CalendarDay` rows and office hours, which each process
keeps in memory and checks against their generation token at every use (one primary-key read;
see `wangge.core.generations`): an administrator's change is seen by every process at once. No
clock reads: callers pass `now`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Literal

import chinese_calendar
from chinese_calendar.constants import holidays as _published_holidays
from django.db import transaction
from django.utils import timezone

from wangge.core import audit, generations
from wangge.core.models import CalendarDay, OfficePeriod, User

Period = tuple[time, time]
OfficeHours = tuple[Period, ...]
DeadlineState = Literal["green", "yellow", "red"]

DEFAULT_OFFICE_HOURS: OfficeHours = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
DEFAULT_WARN_FRACTION = 0.8

# A table that marks a whole year as non-working is a data error; stop instead of looping.
_MAX_IDLE_DAYS = 366

# The package's own bounds (it raises NotImplementedError outside them); read from the installed
# data, so upgrading the package extends them with no code change.
_OFFICIAL_YEARS = range(min(_published_holidays).year, max(_published_holidays).year + 1)


def official_years() -> range:
    """The years whose holidays come from the State Council data in `chinese-calendar`."""
    return _OFFICIAL_YEARS


def is_official(day: date) -> bool:
    """True when the State Council data covers `day` (before any `CalendarDay` override)."""
    return day.year in _OFFICIAL_YEARS


def _default_is_workday(day: date) -> bool:
    if is_official(day):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


# The calendar's data generation: CalendarDay and OfficePeriod rows (see CoreConfig.ready).
GENERATION = "calendar"


def _read_calendar() -> tuple[OfficeHours, dict[date, bool]]:
    hours = tuple(OfficePeriod.objects.order_by("starts_at").values_list("starts_at", "ends_at"))
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return hours or DEFAULT_OFFICE_HOURS, overrides


_CALENDAR = generations.ProcessCache(GENERATION, _read_calendar)


def is_workday(day: date) -> bool:
    """Whether `day` is a working day: the table's entry if any, else the rules above."""
    return _Workdays()(day)


class _Workdays:
    """Working-day answers from one reading of the table (the process's copy)."""

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self._overrides = _CALENDAR.get()[1] if overrides is None else overrides

    def __call__(self, day: date) -> bool:
        override = self._overrides.get(day)
        return _default_is_workday(day) if override is None else override


def city_office_hours() -> OfficeHours:
    """The city's office hours: its `OfficePeriod` rows, or the default periods."""
    return _CALENDAR.get()[0]


def set_office_hours(actor: User | None, periods: OfficeHours) -> OfficeHours:
    """Replace the city's office hours (ordered, non-overlapping periods); audited. Deadlines
    already set keep their moments; new ones count the new hours."""
    periods = _checked(tuple(sorted(periods)))
    with transaction.atomic():
        OfficePeriod.objects.all().delete()
        OfficePeriod.objects.bulk_create(
            OfficePeriod(starts_at=start, ends_at=end) for start, end in periods
        )
        generations.changed(GENERATION)  # bulk_create sends no signals
        audit.record(
            actor,
            "calendar.office_hours",
            None,
            ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in periods),
        )
    return periods


def _checked(office_hours: OfficeHours) -> OfficeHours:
    if not office_hours:
        raise ValueError("office hours need at least one period")
    previous_end = time.min
    for start, end in office_hours:
        if not previous_end <= start < end:
            raise ValueError(
                f"office hours must be ordered, non-overlapping periods: {office_hours}"
            )
        previous_end = end
    return office_hours


def _local(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError("the working-day calendar needs timezone-aware datetimes")
    return timezone.localtime(moment, timezone.get_default_timezone())


def _next_workday(day: date, workdays: _Workdays) -> date:
    """The first working day after `day`."""
    for offset in range(1, _MAX_IDLE_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if workdays(candidate):
            return candidate
    raise ValueError(f"no working day in the {_MAX_IDLE_DAYS} days after {day}")


def _office_intervals(
    start: datetime, workdays: _Workdays, office_hours: OfficeHours
) -> Iterator[tuple[datetime, datetime]]:
    """Office time from `start` onwards, as (from, to) intervals; the first begins at the first
    office-hours moment at or after `start`."""
    zone = start.tzinfo
    day = start.date() if workdays(start.date()) else _next_workday(start.date(), workdays)
    while True:
        for opens, closes in office_hours:
            closes_at = datetime.combine(day, closes, tzinfo=zone)
            if closes_at > start:
                yield max(datetime.combine(day, opens, tzinfo=zone), start), closes_at
        day = _next_workday(day, workdays)


class WorkingCalendar:
    """The calendar for several questions in a row: the office hours and the holiday table are
    checked once (when built), not once per question. The module functions below each build
    one for a single question."""

    def __init__(self, *, office_hours: OfficeHours | None = None) -> None:
        city_hours, overrides = _CALENDAR.get()
        self.office_hours = _checked(office_hours) if office_hours is not None else city_hours
        self._workdays = _Workdays(overrides)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        if days < 0:
            raise ValueError("days must not be negative")
        start = _local(start)
        begins, _ = next(_office_intervals(start, self._workdays, self.office_hours))
        day = begins.date()
        for _ in range(days):
            day = _next_workday(day, self._workdays)
        return datetime.combine(day, begins.timetz())

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = timedelta(hours=hours)
        for opens_at, closes_at in _office_intervals(
            _local(start), self._workdays, self.office_hours
        ):
            if remaining <= closes_at - opens_at:
                return opens_at + remaining
            remaining -= closes_at - opens_at
        raise AssertionError("unreachable: office intervals never run out")  # pragma: no cover

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        start, end = _local(start), _local(end)
        if end <= start:
            return 0.0
        return _working_time(start, end, self._workdays, self.office_hours).total_seconds() / 3600


def add_working_days(
    start: datetime, days: int, *, office_hours: OfficeHours | None = None
) -> datetime:
    """The deadline `days` working days after `start`, at the same time of day.

    A start outside office hours (evening, lunch, weekend, holiday) first moves to the next
    office-hours moment, and the days count from there: reported Friday 18:00, the clock starts
    Monday 08:30 and 2 working days are due Wednesday 08:30 (no office time lies between that and
    Tuesday's closing). `days=0` gives that first office-hours moment.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    return WorkingCalendar(office_hours=office_hours).add_working_days(start, days)


def add_working_hours(
    start: datetime, hours: float, *, office_hours: OfficeHours | None = None
) -> datetime:
    """The deadline after `hours` of office time on working days, counted from `start` (or from
    the next office-hours moment if `start` is outside them). A deadline that uses up a period
    exactly lands on its end: 2 hours from 15:30 is 17:30 the same day."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    return WorkingCalendar(office_hours=office_hours).add_working_hours(start, hours)


def _working_time(
    start: datetime, end: datetime, workdays: _Workdays, office_hours: OfficeHours
) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    zone = start.tzinfo
    day = start.date()
    while day <= end.date():
        if workdays(day):
            for opens, closes in office_hours:
                overlap_from = max(datetime.combine(day, opens, tzinfo=zone), start)
                overlap_to = min(datetime.combine(day, closes, tzinfo=zone), end)
                if overlap_to > overlap_from:
                    total += overlap_to - overlap_from
        day += timedelta(days=1)
    return total


def working_hours_between(
    start: datetime, end: datetime, *, office_hours: OfficeHours | None = None
) -> float:
    """Office hours on working days between `start` and `end`; 0 if `end` is not after `start`."""
    return WorkingCalendar(office_hours=office_hours).working_hours_between(start, end)


def deadline_state(
    started_at: datetime,
    due_at: datetime,
    now: datetime,
    warn_fraction: float = DEFAULT_WARN_FRACTION,
    *,
    office_hours: OfficeHours | None = None,
) -> DeadlineState:
    """ "red" once `now` is past `due_at`; "yellow" once at least `warn_fraction` of the working
    time between `started_at` and `due_at` has elapsed (or none was allowed); else "green".
    Elapsed time is measured in office hours, so a weekend does not turn a case yellow."""
    if not 0 < warn_fraction <= 1:
        raise ValueError("warn_fraction must be above 0 and at most 1")
    city_hours, overrides = _CALENDAR.get()
    office_hours = _checked(office_hours) if office_hours is not None else city_hours
    started_at, due_at, now = _local(started_at), _local(due_at), _local(now)
    if now > due_at:
        return "red"
    workdays = _Workdays(overrides)
    allowed = _working_time(started_at, due_at, workdays, office_hours)
    elapsed = _working_time(started_at, now, workdays, office_hours)
    # timedelta * float rounds to whole microseconds, so exactly 80 % compares as equal.
    return "yellow" if elapsed >= allowed * warn_fraction else "green"
