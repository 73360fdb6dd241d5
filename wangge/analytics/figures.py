"""The figures of the dashboard, each defined once with the words a page shows beside it: the
cases of an org unit's whole subtree reported in a period, counted by state, the three rates of
DESIGN.md, the on-time handling rate, daily and weekly trends, top categories and a ranking of
the units one level down. Everything is read with a handful of grouped queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, Func, Q, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Case, Rating
from wangge.cases.workflow import OPEN_STATES, CaseState
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind

TOP_CATEGORIES = 10
MAX_PERIOD_DAYS = 366 * 3

# What each rate means, shown beside it (one definition for the page and its tests).
DEFINITIONS = {
    "response_rate": _(
        "Response rate: cases accepted or declined within the acceptance deadline, of the cases "
        "reported."
    ),
    "resolution_rate": _("Resolution rate: cases closed as resolved, of the cases closed."),
    "satisfaction_rate": _(
        "Satisfaction rate: satisfied and basically satisfied ratings, of the cases rated."
    ),
    "on_time_rate": _(
        "On-time handling rate: cases handled by their handling deadline, of the cases handled."
    ),
}


@dataclass(frozen=True)
class Period:
    """Whole days from `first` to `last`, both included, in the city's time zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def ends_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @classmethod
    def last_days(cls, days: int, today: date) -> Period:
        return cls(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Rates:
    reported: int
    responded_in_time: int
    closed: int
    resolved: int
    rated: int
    satisfied: int
    handled: int
    handled_on_time: int

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._share(self.responded_in_time, self.reported)

    @property
    def resolution_rate(self) -> float | None:
        return self._share(self.resolved, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._share(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._share(self.handled_on_time, self.handled)


_RATE_COUNTS = {
    "reported": Count("pk"),
    "responded_in_time": Count("pk", filter=Q(responded_at__lte=F("accept_due_at"))),
    "closed": Count("pk", filter=Q(state=CaseState.CLOSED)),
    "resolved": Count("pk", filter=Q(state=CaseState.CLOSED, is_resolved=True)),
    "rated": Count("pk", filter=~Q(rating="")),
    "satisfied": Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED])),
    "handled": Count("pk", filter=Q(handled_at__isnull=False)),
    "handled_on_time": Count(
        "pk", filter=Q(handled_at__isnull=False, handled_at__lte=F("handle_due_at"))
    ),
}


@dataclass(frozen=True)
class UnitFigures:
    unit: OrgUnit
    rates: Rates


@dataclass
class Dashboard:
    unit: OrgUnit
    period: Period
    by_state: dict[str, int]
    rates: Rates
    previous: Rates
    open_now: int
    overdue_now: int
    daily: list[tuple[date, int, int]]  # day, reported, closed
    weekly: list[tuple[date, int, int]]  # Monday, reported, closed
    top_categories: list[tuple[str, int]]
    ranking: list[UnitFigures] = field(default_factory=list)


def cases_of(unit: OrgUnit) -> QuerySet[Case]:
    """Every case filed anywhere in `unit`'s subtree."""
    units = OrgUnit.objects.filter(path__descendant_of=unit.path).values("pk")
    return Case.objects.filter(area__in=units)


def _reported_in(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    return cases.filter(reported_at__gte=period.starts_at, reported_at__lt=period.ends_before)


def rates_of(cases: QuerySet[Case]) -> Rates:
    """The rates of `cases` in one query. Merged duplicates are not counted: their master
    carries the request."""
    return Rates(**cases.exclude(state=CaseState.MERGED).aggregate(**_RATE_COUNTS))


def dashboard(unit: OrgUnit, period: Period, now: datetime) -> Dashboard:
    everything = cases_of(unit)
    reported = _reported_in(everything, period)
    # One grouped read by (area, state) gives the counts by state, the period's rates and the
    # ranking: three figures from one pass over the period's cases.
    groups = list(reported.values("area__path", "state").annotate(**_RATE_COUNTS).order_by())
    by_state: Counter[str] = Counter()
    for group in groups:
        by_state[group["state"]] += group["reported"]
    counted = [group for group in groups if group["state"] != CaseState.MERGED]
    open_states = [state.value for state in OPEN_STATES]
    open_now = everything.filter(state__in=open_states)
    reported_by_day = _by_day(reported, "reported_at", period)
    closed_by_day = _by_day(
        everything.filter(closed_at__gte=period.starts_at, closed_at__lt=period.ends_before),
        "closed_at",
        period,
    )
    days = [period.first + timedelta(days=n) for n in range(period.days)]
    daily = [(day, reported_by_day[day], closed_by_day[day]) for day in days]
    weekly: dict[date, list[int]] = {}
    for day, reported_count, closed_count in daily:
        week = weekly.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        week[0] += reported_count
        week[1] += closed_count
    top = list(
        reported.values_list("category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")[:TOP_CATEGORIES]
    )
    return Dashboard(
        unit=unit,
        period=period,
        by_state=dict(by_state),
        rates=_sum(counted),
        previous=rates_of(_reported_in(everything, period.previous())),
        open_now=open_now.count(),
        overdue_now=open_now.filter(due_at__lt=now).count(),
        daily=daily,
        weekly=[(monday, pair[0], pair[1]) for monday, pair in weekly.items()],
        top_categories=top,
        ranking=_ranking(unit, counted),
    )


def _by_day(cases: QuerySet[Case], moment: str, period: Period) -> Counter[date]:
    """How many of `cases` fall on each local day, by the timestamp field `moment`."""
    if connection.vendor == "sqlite":
        # Django's TruncDate calls Python for every row on SQLite; its own date() is native.
        # The zone's offset is taken as fixed over the period, which holds for China (no
        # daylight saving since 1991).
        hours = timezone.get_current_timezone().utcoffset(
            datetime.combine(period.first, time(12))
        ) / timedelta(hours=1)
        day = Func(F(moment), Value(f"{hours:+g} hours"), function="date", output_field=CharField())
        rows = cases.annotate(day=day).values_list("day").annotate(n=Count("pk")).order_by()
        return Counter({date.fromisoformat(key): n for key, n in rows})
    day = TruncDate(moment, tzinfo=timezone.get_current_timezone())
    return Counter(
        dict(cases.annotate(day=day).values_list("day").annotate(n=Count("pk")).order_by())
    )


def _sum(groups: list[dict[str, Any]]) -> Rates:
    totals: Counter[str] = Counter()
    for group in groups:
        totals.update({name: group[name] for name in _RATE_COUNTS})
    return Rates(**{name: totals[name] for name in _RATE_COUNTS})


def _ranking(unit: OrgUnit, groups: list[dict[str, Any]]) -> list[UnitFigures]:
    """The units one level below `unit` (not departments), each with the rates of the cases in
    its subtree, rolled up by path from the period's groups by area (merged ones left out)."""
    children = list(
        OrgUnit.objects.filter(parent=unit, is_active=True).exclude(kind=UnitKind.DEPARTMENT)
    )
    ranking = [
        UnitFigures(child, _sum([g for g in groups if g["area__path"].startswith(child.path)]))
        for child in children
    ]
    ranking.sort(key=lambda item: (-item.rates.reported, item.unit.code))
    return ranking
