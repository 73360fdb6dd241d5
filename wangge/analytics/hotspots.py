# ruff: noqa: S608 (the SQL texts here are built from this module's constants and placeholder
# counts; every value goes as a parameter)
"""Hot spots: places and categories whose cases in a period are well above their usual level,
and the cases behind each.

A hot spot is a (place, category) pair. The places are each grid, and the communities (villages)
and towns (subdistricts) the grids roll up into, so that a problem spread thinly over a
community's grids shows at the community; finer than a grid, the same address (an estate's
noise complaints). The categories are each leaf and its class.

The usual level is read from the same-length periods before (8 by default): the periods just
before, or for a period shorter than a week the same weekdays of the weeks before. Periods that
start before the scope's first case are skipped (a new site has no usual level yet); with fewer
than two left, nothing is judged. A pair is hot (the `Rule`) when, in the period:

- it has at least `min_count` cases (3), and
- at least `min_ratio` (1.5) times the usual mean, and
- at least the mean plus `z` (3) spreads, the spread being the largest of the Poisson noise of the
  mean (its square root), the standard deviation of the periods before, and 1.

The score is how many spreads above the mean it lies. A hot spot wholly explained by a finer
one inside it (a grid's inside its community, a leaf's inside its class, an address's inside its
grid: the finer one holds at least three quarters of its excess) is left out of the list, so one
problem is listed once, at its sharpest.

Counts come from the rollups (rows by day, area and category) plus what they have not applied
yet (`rollups.pending_contributions`, as `queries.Reader` reads it): one grouped query for the
period and the baseline window together, whatever the number of places, which sums the rows
into one per area and category (a column per period), rolls those up to every place and
category level, and keeps only the pairs the rule may call hot (compared in whole numbers, so
none is lost); Python applies the rule exactly to those few. Addresses are read
from the cases of the period (by their report time, indexed) and, for the few addresses with
enough cases, from the case facts of the baseline window (by address, indexed); an address is
its exact text, and a case counts in its leaf category only."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.analytics.geography import roomy_reads
from wangge.analytics.permissions import area_units
from wangge.analytics.queries import Period, Reader, Scope
from wangge.analytics.rollups import CURSOR, FACT_TABLE, ROLLUP_TABLE, grain_for
from wangge.cases.models import Case, Category
from wangge.cases.permissions import visible_cases
from wangge.core import clock
from wangge.core.models import User
from wangge.notifications.models import NotificationKind
from wangge.notifications.services import notify
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import Role, UnitKind

BASELINE_PERIODS = 8
MIN_HISTORY = 2  # baseline periods needed before anything is judged
MAX_PERIOD_DAYS = 31
DEFAULT_DAYS = 7
LIMIT = 50
COVERED_SHARE = 0.75
CASES_BEHIND_LIMIT = 200

PLACE_KINDS: dict[str, str] = {
    UnitKind.GRID: "grid",
    UnitKind.COMMUNITY: "community",
    UnitKind.VILLAGE: "community",
    UnitKind.TOWN: "town",
    UnitKind.SUBDISTRICT: "town",
}
# How fine each kind of place is: a finer one may explain a coarser one.
FINENESS = {"address": 0, "grid": 1, "community": 2, "town": 3}


class HotSpotNotFound(LookupError):
    """A place or category the user may not look at, or that does not exist."""


@dataclass(frozen=True)
class Rule:
    min_count: int = 3
    min_ratio: float = 1.5
    z: float = 3.0

    def spread(self, mean: float, deviation: float) -> float:
        return max(math.sqrt(mean), deviation, 1.0)

    def is_hot(self, actual: int, mean: float, deviation: float) -> bool:
        return (
            actual >= self.min_count
            and actual >= self.min_ratio * mean
            and actual >= mean + self.z * self.spread(mean, deviation)
        )

    def describe(self) -> str:
        return _(
            "Hot: at least %(count)d cases in the period, at least %(ratio)s times the usual "
            "level, and at least %(z)s spreads above it. The usual level is the mean of the "
            "same-length periods before; the spread is the larger of its square root and how "
            "much those periods varied."
        ) % {"count": self.min_count, "ratio": f"{self.min_ratio:g}", "z": f"{self.z:g}"}


RULE = Rule()


@dataclass(frozen=True)
class Place:
    kind: str  # grid, community, town or address
    unit: OrgUnit  # the unit; for an address, the smallest unit holding its cases
    address: str = ""

    @property
    def label(self) -> str:
        return self.address or self.unit.name


@dataclass(frozen=True)
class CategoryRef:
    pk: int
    code: str
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class HotSpot:
    place: Place
    category: CategoryRef
    actual: int
    baseline: tuple[int, ...]  # cases in each period before, the latest first
    rule: Rule = field(default=RULE, compare=False)

    @cached_property
    def expected(self) -> float:
        return sum(self.baseline) / len(self.baseline)

    @cached_property
    def deviation(self) -> float:
        if len(self.baseline) < 2:
            return 0.0
        mean = self.expected
        return math.sqrt(sum([(n - mean) ** 2 for n in self.baseline]) / (len(self.baseline) - 1))

    @cached_property
    def spread(self) -> float:
        return self.rule.spread(self.expected, self.deviation)

    @property
    def ratio(self) -> float | None:
        return self.actual / self.expected if self.expected else None

    @cached_property
    def excess(self) -> float:
        return self.actual - self.expected

    @cached_property
    def score(self) -> float:
        return self.excess / self.spread

    @property
    def is_hot(self) -> bool:
        return self.rule.is_hot(self.actual, self.expected, self.deviation)

    @property
    def key(self) -> str:
        """Stable across runs: the place, the address and the category."""
        return f"{self.place.kind}:{self.place.unit.pk}:{self.place.address}:{self.category.pk}"

    def contains(self, other: HotSpot) -> bool:
        """Whether `other` is a finer hot spot inside this one."""
        if other is self or not other.place.unit.path.startswith(self.place.unit.path):
            return False
        if other.category.pk != self.category.pk and other.category.parent_id != self.category.pk:
            return False
        finer_place = FINENESS[other.place.kind] < FINENESS[self.place.kind]
        return finer_place or other.category.pk != self.category.pk

    def as_dict(self) -> dict[str, Any]:
        return {
            "place_kind": self.place.kind,
            "place_code": self.place.unit.code,
            "place_name": self.place.unit.name,
            "address": self.place.address,
            "category_code": self.category.code,
            "category_name": self.category.name,
            "actual": self.actual,
            "expected": round(self.expected, 2),
            "spread": round(self.spread, 2),
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "score": round(self.score, 2),
            "baseline": list(self.baseline),
        }


@dataclass
class HotSpots:
    scope: Scope
    period: Period
    baselines: list[Period]  # the periods before that were read, the latest first
    rule: Rule
    spots: list[HotSpot]

    @property
    def has_history(self) -> bool:
        return len(self.baselines) >= MIN_HISTORY


def baseline_periods(period: Period, count: int = BASELINE_PERIODS) -> list[Period]:
    """The `count` periods before `period`, the latest first: just before it, or a week apart
    for periods shorter than a week (the same weekdays)."""
    stride = timedelta(days=max(period.days, 7))
    return [
        Period(period.first - stride * n, period.last - stride * n) for n in range(1, count + 1)
    ]


def check_period(first: date, last: date) -> tuple[str, str] | None:
    """(field, message) when the period cannot be judged, else None."""
    if last < first:
        return "last", _("The last day is before the first.")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        return "first", _("Choose at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
    return None


def hot_spots(
    scope: Scope,
    period: Period,
    *,
    baseline_periods_count: int = BASELINE_PERIODS,
    rule: Rule = RULE,
    limit: int = LIMIT,
    addresses: bool = True,
    keep_covered: bool = False,
) -> HotSpots:
    """The hot spots of `scope` (its unit's subtree, optionally one category and its
    subcategories) in `period`, the hottest first (see the module's docstring)."""
    # The first day is the subtree's, of every category: the scope's category is applied here.
    reader = Reader(Scope(scope.unit))
    if scope.category is not None:
        reader.category_ids = {scope.category.pk} | set(
            scope.category.children.values_list("pk", flat=True)
        )
    first_day = _first_day(reader)
    reader.pending = [
        row
        for row in reader.pending
        if reader.category_ids is None or row["category_id"] in reader.category_ids
    ]
    baselines = [
        item
        for item in baseline_periods(period, baseline_periods_count)
        if first_day is not None and item.first >= first_day
    ]
    result = HotSpots(scope, period, baselines, rule, [])
    if len(baselines) < MIN_HISTORY:
        return result
    windows = [period, *baselines]
    categories = _categories(reader)
    with roomy_reads():
        spots = _unit_spots(reader, windows, categories, rule)
        if addresses:
            spots += _address_spots(reader, windows, categories, rule)
    spots = [spot for spot in spots if spot.is_hot]
    if not keep_covered:
        spots = _uncovered(spots)
    spots.sort(key=lambda s: (-s.score, -s.actual, FINENESS[s.place.kind], s.key))
    result.spots = spots[:limit]
    return result


def _uncovered(spots: list[HotSpot]) -> list[HotSpot]:
    """The hot spots not explained by a finer one inside them; each spot looks up only the
    places above it and its category's class (not every other spot). A city's surge has
    thousands of hot spots: what `HotSpot.contains` checks is inlined, for a spot found above
    another (on the other's path by construction, so the paths need no comparing)."""
    by_key = {(s.place.unit.id, s.category.pk): s for s in spots if not s.place.address}
    above: dict[str, list[int]] = {}  # a unit's path -> the ids of the units on it
    finest: dict[int, float] = {}  # id() of a spot -> the largest excess of a finer one inside
    for finer in spots:
        path = finer.place.unit.path
        ancestors = above.get(path)
        if ancestors is None:
            ancestors = above[path] = [int(part) for part in path.strip("/").split("/")]
        category = finer.category
        fineness, excess = FINENESS[finer.place.kind], finer.excess
        for unit_id in ancestors:
            for category_id in (category.pk, category.parent_id):
                outer = by_key.get((unit_id, category_id))  # type: ignore[arg-type]
                if (
                    outer is not None
                    and outer is not finer
                    and (fineness < FINENESS[outer.place.kind] or category_id != category.pk)
                ):
                    finest[id(outer)] = max(finest.get(id(outer), 0.0), excess)
    return [s for s in spots if finest.get(id(s), -math.inf) < COVERED_SHARE * s.excess]


# --- reading the counts ---------------------------------------------------------------------


def _first_day(reader: Reader) -> date | None:
    """The first day the scope has a case on (in the rollups or pending)."""
    params: list[Any] = [grain_for(False, True, False, False)]
    where = "grain = %s"
    if reader.area_ids is not None:
        where += f" AND area_id IN ({', '.join(['%s'] * len(reader.area_ids)) or 'NULL'})"
        params += sorted(reader.area_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(day) FROM {ROLLUP_TABLE} WHERE {where}", params)
        found = cursor.fetchone()[0]
    days = [row["day"] for row in reader.pending if row["reported"]]
    if found is not None:
        days.append(date.fromisoformat(found) if isinstance(found, str) else found)
    return min(days, default=None)


def _categories(reader: Reader) -> dict[int, CategoryRef]:
    rows = Category.objects.values_list("pk", "code", "name", "parent_id")
    if reader.category_ids is not None:
        rows = rows.filter(pk__in=reader.category_ids)
    return {pk: CategoryRef(pk, code, name, parent) for pk, code, name, parent in rows}


def _in(column: str, ids: Iterable[int] | None) -> tuple[str, list[Any]]:
    if ids is None:
        return "", []
    values = sorted(ids)
    return f" AND {column} IN ({', '.join(['%s'] * len(values)) or 'NULL'})", values


def _values(rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """A VALUES list of `rows`; the first row's integers cast, so both databases agree on the
    column types."""
    width = len(rows[0])
    first = "(" + ", ".join(["CAST(%s AS BIGINT)"] * width) + ")"
    others = ["(" + ", ".join(["%s"] * width) + ")"] * (len(rows) - 1)
    return "VALUES " + ", ".join([first, *others]), [value for row in rows for value in row]


def _places(reader: Reader) -> tuple[list[tuple[int, int]], dict[int, OrgUnit]]:
    """(area id, place id) for every area of the scope and every place it rolls up into (within
    the scope), and the places by id."""
    by_id = {unit.pk: unit for unit in reader.units}
    places = {pk: unit for pk, unit in by_id.items() if unit.kind in PLACE_KINDS}
    pairs = []
    for unit in reader.units:
        for part in unit.path.strip("/").split("/"):
            ancestor = int(part)
            if ancestor in places:
                pairs.append((unit.pk, ancestor))
    return pairs, places


def _unit_spots(
    reader: Reader,
    windows: Sequence[Period],
    categories: dict[int, CategoryRef],
    rule: Rule,
) -> list[HotSpot]:
    """The (place, category) pairs of the scope that may be hot, with their counts: one query
    that sums the rollup rows of the windows by area, category and window, turns them into
    one row per area and category (a column per window), rolls those up to the places and
    category groups, and keeps the pairs the rule may call hot (`_may_be_hot`), so that few
    rows reach Python (which applies the rule exactly)."""
    pairs, places = _places(reader)
    groups = [(pk, pk) for pk in categories]
    groups += [(pk, c.parent_id) for pk, c in categories.items() if c.parent_id in categories]
    if not pairs or not groups:
        return []
    start, end = windows[-1].first, windows[0].last
    places_sql, places_params = _values(pairs)
    groups_sql, groups_params = _values(groups)
    # Only the areas under a place: for the whole city too, so that the rollups' index is
    # read area by area, for the windows' days only.
    areas_sql, areas_params = _in("area_id", {area for area, _place in pairs})
    kinds_sql, kinds_params = _in("category_id", reader.category_ids)
    source = (
        f"SELECT area_id, category_id, day, reported FROM {ROLLUP_TABLE} WHERE grain = %s "
        f"AND day >= %s AND day <= %s AND reported <> 0{areas_sql}{kinds_sql}"
    )
    source_params: list[Any] = [grain_for(False, True, False, True), start, end]
    source_params += areas_params + kinds_params
    pending = [
        (row["area_id"], row["category_id"], row["day"], row["reported"])
        for row in reader.pending
        if row["reported"] and start <= row["day"] <= end
    ]
    if pending:
        source = f"SELECT * FROM ({source}{' UNION ALL SELECT %s, %s, %s, %s' * len(pending)}) x"
        source_params += [value for row in pending for value in row]
    # A column per window: the period's count (n0), then each window before.
    columns = [f"n{index}" for index in range(len(windows))]
    by_window = ", ".join(
        f"CAST(SUM(CASE WHEN day >= %s AND day <= %s THEN reported ELSE 0 END) AS INTEGER) "
        f"AS {column}"
        for column in columns
    )
    by_window_params = [day for window in windows for day in (window.first, window.last)]
    rolled = ", ".join(f"SUM(c.{column}) AS {column}" for column in columns)
    condition, condition_params = _may_be_hot(columns, rule)
    query = (
        f"WITH places (area_id, place_id) AS ({places_sql}), "
        f"kinds (category_id, group_id) AS ({groups_sql}), "
        f"pairs AS (SELECT area_id, category_id, {by_window} FROM ({source}) r "
        "GROUP BY area_id, category_id), "
        f"rolled AS (SELECT p.place_id, k.group_id, {rolled} FROM pairs c "
        "JOIN places p ON p.area_id = c.area_id JOIN kinds k ON k.category_id = c.category_id "
        "GROUP BY p.place_id, k.group_id HAVING SUM(c.n0) >= %s) "
        f"SELECT place_id, group_id, {', '.join(columns)} FROM rolled WHERE {condition}"
    )
    params = [*places_params, *groups_params, *by_window_params, *source_params, rule.min_count]
    params += condition_params
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    as_places = {pk: Place(PLACE_KINDS[unit.kind], unit) for pk, unit in places.items()}
    return [
        HotSpot(as_places[place_id], categories[group_id], int(actual), tuple(before), rule)
        for place_id, group_id, actual, *before in rows
    ]


# A pair the SQL keeps may still not be hot (Python applies the rule exactly); one it drops
# never is: the SQL compares in whole numbers, with this much slack for the float ones.
_SLACK = 1e-9


def _may_be_hot(columns: Sequence[str], rule: Rule) -> tuple[str, list[Any]]:
    """SQL keeping the rolled-up rows (`columns`: the period's count, then each window
    before) that `rule` may call hot: in whole numbers, with U windows before summing to S,
    their squares to Q, and D = U * actual - S (U times the excess over the mean):
    actual * U >= ratio * S, and for z >= 0: D >= z * U (one spread), D² >= z² * U * S (the
    mean's square root) and D² * (U - 1) >= z² * U * (U * Q - S²) (the periods' deviation).
    The third is left out with fewer than two windows."""
    actual, before = columns[0], columns[1:]
    used = len(before)
    total = " + ".join(before)
    squares = " + ".join(f"{name} * {name}" for name in before)
    excess = f"({used} * {actual} - ({total}))"
    conditions = [f"{actual} * {used} >= %s * ({total})"]
    params: list[Any] = [rule.min_ratio]
    if rule.z >= 0:
        z2 = rule.z * rule.z
        conditions.append(f"{excess} >= %s")
        params.append(rule.z * used * (1 - _SLACK) - _SLACK)
        conditions.append(f"{excess} * {excess} * %s >= %s * ({total})")
        params += [1 + _SLACK, z2 * used]
        if used >= 2:
            conditions.append(
                f"{excess} * {excess} * %s >= %s * ({used} * ({squares}) - ({total}) * ({total}))"
            )
            params += [(used - 1) * (1 + _SLACK), z2 * used]
    return " AND ".join(conditions), params


def _address_spots(
    reader: Reader,
    windows: Sequence[Period],
    categories: dict[int, CategoryRef],
    rule: Rule,
) -> list[HotSpot]:
    period = windows[0]
    areas_sql, areas_params = _in("area_id", reader.area_ids)
    kinds_sql, kinds_params = _in("category_id", reader.category_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address, category_id, COUNT(*), MIN(area_id), MAX(area_id), "
            "COUNT(DISTINCT area_id) FROM cases_case "
            "WHERE reported_at >= %s AND reported_at < %s AND state <> 'merged' "
            f"AND address <> ''{areas_sql}{kinds_sql} "
            "GROUP BY address, category_id HAVING COUNT(*) >= %s",
            [
                _moment(period.starts_at),
                _moment(period.ends_before),
                *areas_params,
                *kinds_params,
                rule.min_count,
            ],
        )
        current = cursor.fetchall()
    if not current:
        return []
    addresses = sorted({row[0] for row in current})
    marks = ", ".join(["%s"] * len(addresses))
    # The facts as the rollups hold them, but for the cases changed since (read live).
    changed = (
        "SELECT case_id FROM cases_caseevent WHERE id > COALESCE((SELECT last_event_id "
        "FROM analytics_rollupcursor WHERE name = %s), 0)"
    )
    window = f"address IN ({marks}) AND reported_at >= %s AND reported_at < %s"
    window_params = [*addresses, _moment(windows[-1].starts_at), _moment(period.starts_at)]
    whens, bucket_params = [], []
    for index, item in enumerate(windows[1:], start=1):
        whens.append(f"WHEN x.reported_at >= %s AND x.reported_at < %s THEN {index}")
        bucket_params += [_moment(item.starts_at), _moment(item.ends_before)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x.address, x.category_id, CASE {' '.join(whens)} END AS bucket, COUNT(*) "
            f"FROM (SELECT address, category_id, reported_at FROM {FACT_TABLE} "
            f"WHERE {window} AND address <> '' AND reported = 1{areas_sql}{kinds_sql} "
            f"AND case_id NOT IN ({changed}) "
            f"UNION ALL SELECT address, category_id, reported_at FROM cases_case "
            f"WHERE {window} AND state <> 'merged'{areas_sql}{kinds_sql} "
            f"AND id IN ({changed})) x GROUP BY x.address, x.category_id, bucket",
            [
                *bucket_params,
                *window_params,
                *areas_params,
                *kinds_params,
                CURSOR,
                *window_params,
                *areas_params,
                *kinds_params,
                CURSOR,
            ],
        )
        before: dict[tuple[str, int], list[int]] = {}
        for address, category_id, index, count in cursor.fetchall():
            if index is not None and int(index) > 0:
                counts = before.setdefault((address, category_id), [0] * (len(windows) - 1))
                counts[int(index) - 1] += int(count)
    units = {unit.pk: unit for unit in reader.units}
    spots = []
    for address, category_id, count, low, high, distinct in current:
        category = categories.get(category_id)
        unit = _holding_unit(units, reader.scope.unit, low, high, distinct)
        if category is None or unit is None:
            continue
        baseline = before.get((address, category_id), [0] * (len(windows) - 1))
        spots.append(
            HotSpot(Place("address", unit, address), category, int(count), tuple(baseline), rule)
        )
    return spots


def _moment(value: datetime) -> Any:
    """A datetime as the database stores it (SQLite: UTC text; raw SQL is not adapted)."""
    return connection.ops.adapt_datetimefield_value(value)


def _holding_unit(
    units: dict[int, OrgUnit], scope_unit: OrgUnit, low: int, high: int, distinct: int
) -> OrgUnit | None:
    """The smallest unit holding the areas of an address's cases (the scope's unit when they
    lie in more than two areas)."""
    if distinct > 2:
        return scope_unit
    first, second = units.get(low), units.get(high)
    if first is None or second is None:
        return None
    a, b = first.path, second.path
    shared = ""
    for left, right in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if left != right:
            break
        shared += f"/{left}"
    deepest = int(shared.rsplit("/", 1)[-1]) if shared else None
    return units.get(deepest, scope_unit) if deepest is not None else scope_unit


# --- the cases behind a hot spot ------------------------------------------------------------


def place_for_user(user: User, code: str) -> OrgUnit:
    """A unit the user may look at hot spots of: one of their area units, or a unit below
    (a grid); HotSpotNotFound otherwise (the same answer as for no such unit)."""
    units = list(area_units(user))
    unit = next((u for u in units if u.code == code), None)
    if unit is None and "\x00" not in code:
        unit = (
            OrgUnit.objects.filter(code=code, is_active=True)
            .exclude(kind=UnitKind.DEPARTMENT)
            .defer("boundary", "properties")
            .first()
        )
        if unit is not None and not any(unit.path.startswith(u.path) for u in units):
            unit = None
    if unit is None:
        raise HotSpotNotFound(code)
    return unit


def category_by_code(code: str) -> Category:
    category = None if "\x00" in code else Category.objects.filter(code=code).first()
    if category is None:
        raise HotSpotNotFound(code)
    return category


def cases_behind(
    user: User,
    place: OrgUnit,
    category: Category,
    period: Period,
    address: str = "",
    limit: int = CASES_BEHIND_LIMIT,
) -> QuerySet[Case]:
    """The cases of a hot spot that `user` may see: reported in `period` in `place`'s subtree,
    of `category` or a subcategory, at `address` if given; merged duplicates left out. Only
    what a list needs (number, title, state, category, area, address, time): no reporter."""
    cases = (
        visible_cases(user)
        .filter(
            area__path__descendant_of=place.path,
            reported_at__gte=period.starts_at,
            reported_at__lt=period.ends_before,
        )
        .exclude(state="merged")
        .filter(category__in=[category.pk, *category.children.values_list("pk", flat=True)])
    )
    if address:
        cases = cases.filter(address=address)
    return (
        cases.select_related("category", "area")
        .only(
            "number",
            "title",
            "state",
            "reported_at",
            "address",
            "category__name",
            "category__code",
            "area__name",
            "area__code",
        )
        .order_by("-reported_at", "-id")[:limit]
    )


PLACE_LABELS = {
    "grid": gettext_lazy("Grid"),
    "community": gettext_lazy("Community"),
    "town": gettext_lazy("Town"),
    "address": gettext_lazy("Address"),
}


# --- the alert ------------------------------------------------------------------------------

ALERT_UNIT_KINDS = (UnitKind.DISTRICT, UnitKind.TOWN, UnitKind.SUBDISTRICT)
ALERT_ROLES = (Role.DISPATCHER, Role.LEADER)
ALERT_LIMIT = 20


def alert_hot_spots() -> str:
    """The worker job (daily or hourly): the hot spots of the last 7 days of each district and
    town, each told once to the dispatchers and leaders of that unit. A hot spot is alerted
    again only after a day it was not hot: `HotSpotAlert` remembers each run of hot days
    (`first_hot_on` … `last_hot_on`). Safe to run twice at once: the alert row is the claim,
    and the notices carry a dedupe key."""
    from wangge.analytics.models import HotSpotAlert

    now = clock.now()
    today = timezone.localdate(now)
    period = Period.last_days(DEFAULT_DAYS, today)
    units = OrgUnit.objects.filter(kind__in=ALERT_UNIT_KINDS, is_active=True).defer(
        "boundary", "properties"
    )
    told = 0
    for unit in units:
        spots = hot_spots(Scope(unit), period, limit=ALERT_LIMIT).spots
        if not spots:
            continue
        recipients = list(
            Membership.objects.filter(unit=unit, role__in=ALERT_ROLES, is_active=True)
            .values_list("user_id", flat=True)
            .distinct()
        )
        for spot in spots:
            with transaction.atomic():
                ongoing = HotSpotAlert.objects.select_for_update().filter(
                    unit_id=unit.pk, key=spot.key, last_hot_on__gte=today - timedelta(days=1)
                )
                if ongoing.exists():
                    ongoing.filter(last_hot_on__lt=today).update(last_hot_on=today)
                    continue
                _alert, created = HotSpotAlert.objects.get_or_create(
                    unit_id=unit.pk,
                    key=spot.key,
                    first_hot_on=today,
                    defaults={"last_hot_on": today, "alerted_at": now},
                )
                if not created:
                    continue
                told += notify(
                    recipients,
                    NotificationKind.OTHER,
                    title=_alert_title(spot),
                    body=_alert_body(spot),
                    link=_cases_link(spot, period),
                    subject=f"hotspot:{unit.pk}",
                    dedupe_key=f"hotspot:{unit.pk}:{today}:{_digest(spot.key)}",
                )
    return f"{told} hot spot notices sent" if told else ""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _alert_title(spot: HotSpot) -> str:
    return _("Hot spot: %(place)s, %(category)s") % {
        "place": spot.place.label,
        "category": spot.category.name,
    }


def _alert_body(spot: HotSpot) -> str:
    return _("%(actual)d cases in the last 7 days; usually %(expected).1f.") % {
        "actual": spot.actual,
        "expected": spot.expected,
    }


def _cases_link(spot: HotSpot, period: Period) -> str:
    url = reverse("analytics:hotspot_cases", args=[spot.place.unit.code, spot.category.code])
    query = {"first": period.first.isoformat(), "last": period.last.isoformat()}
    if spot.place.address:
        query["address"] = spot.place.address
    link = f"{url}?{urlencode(query)}"
    return (
        link if len(link) <= 300 else f"{url}?{urlencode({k: query[k] for k in ('first', 'last')})}"
    )
