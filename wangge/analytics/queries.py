"""Figures for a scope and a period, read from the rollups plus the changes not yet applied
(`rollups.pending_contributions`), so they are right to the last case event.

A period is cut into whole months (read from the month rows) and the days around them (day
rows); with no department or category asked for, the rows by area only are read. Every figure
comes out of `definitions.FIGURES`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from wangge.analytics.definitions import FIGURES, MEASURES, STATES, Figure
from wangge.analytics.rollups import ROLLUP_TABLE, grain_for, pending_contributions
from wangge.cases.models import Case, Category
from wangge.cases.workflow import OPEN_STATES
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind

MAX_PERIOD_DAYS = 366 * 3
DAILY_TREND_DAYS = 92  # longer periods show their trend by month
TOP_CATEGORIES = 10

Totals = Counter  # measure name -> sum


@dataclass(frozen=True)
class Period:
    """Whole local days from `first` to `last`, both included."""

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

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    @classmethod
    def last_days(cls, days: int, today: date) -> Period:
        return cls(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Scope:
    """An org unit's whole subtree, optionally one department's (subtree's) cases and one
    category (with its subcategories)."""

    unit: OrgUnit
    department: OrgUnit | None = None
    category: Category | None = None

    @property
    def detailed(self) -> bool:
        return self.department is not None or self.category is not None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def segments(period: Period, months: bool = True) -> list[tuple[bool, date, date]]:
    """(by month, first, last) pieces covering `period`: whole months, and the days around."""
    if not months:
        return [(False, period.first, period.last)]
    first_month = period.first if period.first.day == 1 else _next_month(_month_start(period.first))
    month, whole = first_month, []
    while _next_month(month) - timedelta(days=1) <= period.last:
        whole.append(month)
        month = _next_month(month)
    if not whole:
        return [(False, period.first, period.last)]
    pieces = [(True, whole[0], whole[-1])]
    if period.first < whole[0]:
        pieces.append((False, period.first, whole[0] - timedelta(days=1)))
    after = _next_month(whole[-1])
    if after <= period.last:
        pieces.append((False, after, period.last))
    return pieces


class Reader:
    """The figures of one scope, reading the pending changes and the scope's ids once."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        unit = scope.unit
        self.units = list(
            OrgUnit.objects.filter(path__descendant_of=unit.path)
            .exclude(kind=UnitKind.DEPARTMENT)
            .only("id", "path", "parent_id", "kind", "name", "code", "depth", "is_active")
        )
        self.area_ids: set[int] | None = (
            None if unit.parent_id is None else {u.pk for u in self.units}
        )
        self.department_ids: set[int] | None = None
        if scope.department is not None:
            self.department_ids = set(
                OrgUnit.objects.filter(path__descendant_of=scope.department.path).values_list(
                    "pk", flat=True
                )
            )
        self.category_ids: set[int] | None = None
        if scope.category is not None:
            self.category_ids = {scope.category.pk} | set(
                Category.objects.filter(parent=scope.category).values_list("pk", flat=True)
            )
        self.pending = [row for row in pending_contributions() if self._in_scope(row)]

    def _in_scope(self, row: dict[str, Any]) -> bool:
        return (
            (self.area_ids is None or row["area_id"] in self.area_ids)
            and (self.department_ids is None or row["department_id"] in self.department_ids)
            and (self.category_ids is None or row["category_id"] in self.category_ids)
        )

    def _where(
        self, period: Period, months: bool, needs: tuple[bool, bool, bool]
    ) -> tuple[str, list[Any]]:
        pieces, params = [], []
        for by_month, first, last in segments(period, months):
            grain = grain_for(by_month, *needs)
            pieces.append("(grain = %s AND day >= %s AND day <= %s)")
            params += [grain, first, last]
        clauses = [f"({' OR '.join(pieces)})"]
        for column, ids in (
            ("area_id", self.area_ids),
            ("department_id", self.department_ids),
            ("category_id", self.category_ids),
        ):
            if ids is not None:
                clauses.append(f"{column} IN ({', '.join(['%s'] * len(ids)) or 'NULL'})")
                params += sorted(ids)
        return " AND ".join(clauses), params

    def grouped(
        self,
        period: Period,
        by: str | None = None,
        months: bool = True,
        measures: tuple[str, ...] = MEASURES,
    ) -> dict[Hashable, Totals]:
        """Summed measures of the period, by `by`: None (one group, key None), "area_id",
        "category_id", "day" (each day; months=False) or "month". Asking for `reported` alone
        by area or category lets PostgreSQL answer from the rollups' index without reading
        the table (a district's month of categories: 10,000s of rows)."""
        column = {"area_id": "area_id", "category_id": "category_id", "day": "day"}.get(by or "")
        if by == "month":
            column = "day"
        needs = (
            self.area_ids is not None or by == "area_id",
            self.department_ids is not None,
            self.category_ids is not None or by == "category_id",
        )
        where, params = self._where(period, months and by != "day", needs)
        unknown = set(measures) - set(MEASURES)
        if unknown:
            raise ValueError(f"not measures: {sorted(unknown)}")
        sums = ", ".join(f"SUM({name})" for name in measures)
        select = f"{column}, {sums}" if column else sums
        group = f" GROUP BY {column}" if column else ""
        with connection.cursor() as cursor:
            statement = f"SELECT {select} FROM {ROLLUP_TABLE} WHERE {where}{group}"  # noqa: S608
            cursor.execute(statement, params)  # names from MEASURES; values as parameters
            rows = cursor.fetchall()
        result: dict[Hashable, Totals] = {}
        key_of = self._key_function(by)
        for row in rows:
            values = row[1:] if column else row
            key = key_of(row[0]) if column else None
            result.setdefault(key, Counter()).update(
                {name: int(value) for name, value in zip(measures, values, strict=True) if value}
            )
        for row in self.pending:
            if row["day"] not in period:
                continue
            key = key_of(row[column]) if column else None
            result.setdefault(key, Counter()).update({name: row[name] for name in measures})
        return result

    @staticmethod
    def _key_function(by: str | None) -> Callable[[Any], Hashable]:
        def as_date(value: Any) -> date:
            return date.fromisoformat(value) if isinstance(value, str) else value

        if by == "day":
            return as_date
        if by == "month":
            return lambda value: _month_start(as_date(value))
        return lambda value: value

    def totals(self, period: Period) -> Totals:
        return self.grouped(period).get(None, Counter())


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        return self.figure.change(self.value, self.previous)

    @property
    def trend(self) -> str:
        return self.figure.trend(self.value, self.previous)

    @property
    def is_better(self) -> bool | None:
        return self.figure.is_better(self.value, self.previous)

    @property
    def shown(self) -> str:
        return self.figure.display(self.value)

    @property
    def previous_shown(self) -> str:
        return self.figure.display(self.previous)


def figure_values(current: Totals, previous: Totals) -> list[FigureValue]:
    """The case figures, from summed measures."""
    return [
        FigureValue(figure, figure.value(current), figure.value(previous))
        for figure in FIGURES.values()
        if figure.compute is None
    ]


@dataclass(frozen=True)
class AreaFigureValue(FigureValue):
    """A figure of another app, with the numerator and denominator it was computed from."""

    counts: tuple[int, int] | None = None


def area_figure_values(reader: Reader, period: Period, today: date) -> list[AreaFigureValue]:
    """The other apps' figures (canvass, care visits, agreements) of the scope's areas, for
    the period and the one before. They have no value for one department or category."""
    values = []
    before = period.previous()
    for figure in FIGURES.values():
        if figure.compute is None:
            continue
        if reader.scope.detailed:
            values.append(AreaFigureValue(figure, None, None))
            continue
        now = figure.compute(reader.area_ids, period.first, period.last, today)
        earlier = figure.compute(reader.area_ids, before.first, before.last, today)
        values.append(
            AreaFigureValue(
                figure,
                figure.value(_as_totals(figure, now)),
                figure.value(_as_totals(figure, earlier)),
                counts=now,
            )
        )
    return values


def _as_totals(figure: Figure, counts: tuple[int, int]) -> Totals:
    return Counter({figure.numerator: counts[0], figure.denominator or "": counts[1]})


@dataclass(frozen=True)
class UnitFigures:
    unit: OrgUnit
    totals: Totals

    def value(self, key: str) -> float | None:
        return FIGURES[key].value(self.totals)


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    totals: Totals
    previous_totals: Totals
    figures: list[FigureValue]
    by_state: dict[str, int]
    open_now: int
    overdue_now: int
    trend_unit: str  # "day" or "month"
    trend: list[tuple[date, Totals]]
    top_categories: list[tuple[str, int]]
    ranking: list[UnitFigures] = field(default_factory=list)

    def figure(self, key: str) -> FigureValue:
        return next(item for item in self.figures if item.figure.key == key)


def trend_buckets(period: Period) -> tuple[str, list[date]]:
    if period.days <= DAILY_TREND_DAYS:
        return "day", [period.first + timedelta(days=n) for n in range(period.days)]
    months, month = [], _month_start(period.first)
    while month <= period.last:
        months.append(month)
        month = _next_month(month)
    return "month", months


def dashboard(scope: Scope, period: Period, now: datetime) -> Dashboard:
    reader = Reader(scope)
    by_area = reader.grouped(period, "area_id")
    totals: Totals = Counter()
    for group in by_area.values():
        totals.update(group)
    previous = reader.totals(period.previous())
    unit_name, buckets = trend_buckets(period)
    series = reader.grouped(period, unit_name)
    by_category = reader.grouped(period, "category_id", measures=("reported",))
    top_ids = sorted(by_category, key=lambda key: (-by_category[key]["reported"], key))
    top_ids = [key for key in top_ids if by_category[key]["reported"] > 0][:TOP_CATEGORIES]
    names = dict(Category.objects.filter(pk__in=top_ids).values_list("pk", "name"))
    snapshot = live_snapshot(reader, now)
    return Dashboard(
        scope=scope,
        period=period,
        totals=totals,
        previous_totals=previous,
        figures=[
            *figure_values(totals, previous),
            *area_figure_values(reader, period, timezone.localdate(now)),
        ],
        by_state={state: totals[f"s_{state}"] for state in STATES},
        open_now=snapshot["open"],
        overdue_now=snapshot["overdue"],
        trend_unit=unit_name,
        trend=[(bucket, series.get(bucket, Counter())) for bucket in buckets],
        top_categories=[
            (names.get(key, "?"), by_category[key]["reported"])
            for key in top_ids  # type: ignore[index]
        ],
        ranking=_ranking(reader, by_area),
    )


def live_snapshot(reader: Reader, now: datetime) -> dict[str, int]:
    """Open cases of the scope now, and those past their current deadline (read live)."""
    cases = Case.objects.filter(state__in=[state.value for state in OPEN_STATES])
    if reader.area_ids is not None:
        cases = cases.filter(area_id__in=reader.area_ids)
    if reader.department_ids is not None:
        cases = cases.filter(department_id__in=reader.department_ids)
    if reader.category_ids is not None:
        cases = cases.filter(category_id__in=reader.category_ids)
    return cases.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))


def _ranking(reader: Reader, by_area: dict[Hashable, Totals]) -> list[UnitFigures]:
    """The units one level below the scope's unit, each with the sums of its subtree."""
    unit = reader.scope.unit
    children = [u for u in reader.units if u.parent_id == unit.pk and u.is_active]
    path_of = {u.pk: u.path for u in reader.units}
    ranking = []
    for child in children:
        summed: Totals = Counter()
        for area, totals in by_area.items():
            if path_of.get(area, "").startswith(child.path):  # type: ignore[call-overload]
                summed.update(totals)
        ranking.append(UnitFigures(child, summed))
    ranking.sort(key=lambda item: (-item.totals["reported"], item.unit.code))
    return ranking


def series_of(figure: Figure, trend: Iterable[tuple[date, Totals]]) -> list[float | None]:
    return [figure.value(totals) for _bucket, totals in trend]
