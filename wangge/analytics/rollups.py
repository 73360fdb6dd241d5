# ruff: noqa: S608 (every SQL text here is built from this module's constants; values go as
# parameters)
"""How the rollups are built and kept current, in set-based SQL that runs on PostgreSQL and
SQLite alike (the few functions that differ are in `_Dialect`).

One SQL expression, `fact_select`, says what each case contributes (its measures, see
`definitions.STORED_MEASURES`) from the case row as it stands now. Everything derives from it:

- `rebuild()` (`wangge analytics rebuild`) writes every case's fact and sums them into the four
  grains of `Rollup`, then sets the cursor to the last case event;
- `apply_pending()`, a worker job every few seconds, takes the case events past the cursor
  (claimed by compare-and-set, so two workers never apply the same events), takes away the old
  contribution of each case they touch (its stored fact), recomputes its fact, and adds the new
  one. Recomputing from the case row makes a case's application idempotent: applying a case
  twice gives the same rows;
- `pending_contributions()`: what the events past the cursor would change, read (never
  written) by every figure query, so the figures are live even with no worker running.

The worker applies only events written more than `SETTLE` ago (`apply_settled`): sequence ids
are handed out before commit, so an event may commit after a later one, and the cursor must not
pass it. A transaction holding an event longer than that (none of the services' does) would
still be picked up by the case's next event or the next rebuild.

Known limit: a change of office hours or holidays reaches past handling times at the next
rebuild."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wangge.analytics.definitions import MEASURES, REPEAT_WINDOW_DAYS, STORED_MEASURES
from wangge.analytics.models import RollupCursor, WorkClock
from wangge.core import clock
from wangge.core.calendar import city_office_hours, is_workday

CURSOR = "cases"
BATCH_EVENTS = 20_000
SETTLE = timedelta(seconds=30)  # how long the worker lets a case event settle (apply_settled)
FACT_TABLE = "analytics_casefact"
ROLLUP_TABLE = "analytics_rollup"
KEY = ("area_id", "department_id", "category_id")
FACT_COLUMNS = (
    "case_id",
    "day",
    "closed_day",
    "area_id",
    "department_id",
    "category_id",
    "phone_key",
    "address",
    "reported_at",
    *STORED_MEASURES,
)
# grain: (by month, by area, by department, by category). The full grains (`d`, `m`) answer
# anything; the others answer the common questions from far fewer rows: by area only (a
# subtree's totals, trend and ranking), by category only (the city's top categories) and by
# area and category (a subtree's top categories).
GRAINS = {
    "d": (False, True, True, True),
    "m": (True, True, True, True),
    "a": (False, True, False, False),
    "n": (True, True, False, False),
    "e": (False, False, False, True),
    "c": (True, False, False, True),
    "k": (False, True, False, True),
    "l": (True, True, False, True),
}


def grain_for(by_month: bool, by_area: bool, by_department: bool, by_category: bool) -> str:
    """The grain with the fewest rows that holds what is asked for."""
    if not by_area and not by_department:
        shape = (by_month, False, False, True)
    elif not by_department and not by_category:
        shape = (by_month, True, False, False)
    elif not by_department:
        shape = (by_month, True, False, True)
    else:
        shape = (by_month, True, True, True)
    return next(code for code, grain in GRAINS.items() if grain == shape)


class _Dialect:
    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        zone = settings.TIME_ZONE
        if not re.fullmatch(r"[A-Za-z0-9_/+-]+", zone):
            raise ValueError(f"unexpected time zone name: {zone}")
        self.zone = zone
        offset = timezone.get_current_timezone().utcoffset(datetime(2020, 6, 1, 12))
        # China keeps one offset all year; SQLite is the small-site database.
        self.hours = int(offset / timedelta(hours=1)) if offset is not None else 0

    def local_day(self, expr: str) -> str:
        if self.postgres:
            return f"CAST(({expr}) AT TIME ZONE '{self.zone}' AS date)"
        return f"date({expr}, '{self.hours:+d} hours')"

    def second_of_day(self, expr: str) -> str:
        if self.postgres:
            return f"EXTRACT(EPOCH FROM CAST(({expr}) AT TIME ZONE '{self.zone}' AS time))"
        return (
            f"((julianday({expr}, '{self.hours:+d} hours') - "
            f"julianday(date({expr}, '{self.hours:+d} hours'))) * 86400.0)"
        )

    def month(self, day: str) -> str:
        if self.postgres:
            return f"CAST(date_trunc('month', {day}) AS date)"
        return f"date({day}, 'start of month')"

    def days_before(self, expr: str, days: int) -> str:
        if self.postgres:
            return f"({expr}) - interval '{days} days'"
        return f"datetime({expr}, '-{days} days')"

    def least(self, *items: str) -> str:
        return f"{'LEAST' if self.postgres else 'MIN'}({', '.join(items)})"

    def greatest(self, *items: str) -> str:
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(items)})"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _working_seconds(sql: _Dialect, moment: str, clock_alias: str) -> str:
    """Working seconds from the clock's first day to `moment`, read from the WorkClock row of
    its local day: the day's start plus the office time of that day before the moment."""
    second = sql.second_of_day(moment)
    parts = []
    for starts, ends in city_office_hours():
        start = starts.hour * 3600 + starts.minute * 60 + starts.second
        end = ends.hour * 3600 + ends.minute * 60 + ends.second
        parts.append(sql.least(sql.greatest(f"{second} - {start}", "0"), str(end - start)))
    office = " + ".join(parts) or "0"
    return (
        f"({clock_alias}.workdays_before * {_office_seconds()} + "
        f"CASE WHEN {clock_alias}.is_workday THEN {office} ELSE 0 END)"
    )


def repeat_condition(sql: _Dialect, pool: str, phone: str, address: str, at: str, pk: str) -> str:
    """True when a case of `pool` (rows of case_id, phone_key, address, reported_at) from the
    same phone index or address was reported in the REPEAT_WINDOW_DAYS before this one (ties
    broken by id)."""
    since = sql.days_before(at, REPEAT_WINDOW_DAYS)
    earlier = (
        f"p.reported_at >= {since} AND "
        f"(p.reported_at < {at} OR (p.reported_at = {at} AND p.case_id < {pk}))"
    )
    return (
        f"(({phone} <> '' AND EXISTS (SELECT 1 FROM {pool} p "
        f"WHERE p.phone_key = {phone} AND {earlier})) OR "
        f"({address} <> '' AND EXISTS (SELECT 1 FROM {pool} p "
        f"WHERE p.address = {address} AND {earlier})))"
    )


def fact_select(sql: _Dialect, where: str, repeat: str = "0") -> str:
    """Each case matching `where` (on alias c) as a row of FACT_COLUMNS: what it contributes to
    the figures as it stands now. `repeat`: SQL for the repeat flag (0: set later)."""
    counted = "c.state <> 'merged'"
    accepted = "c.state NOT IN ('reported', 'declined', 'merged')"
    timed = f"{counted} AND c.handled_at IS NOT NULL AND c.dispatched_at IS NOT NULL"
    timed += " AND c.dispatched_at <= c.handled_at AND wd.day IS NOT NULL AND wh.day IS NOT NULL"
    handling = (
        f"{_working_seconds(sql, 'c.handled_at', 'wh')} - "
        f"{_working_seconds(sql, 'c.dispatched_at', 'wd')}"
    )
    orders = "SELECT 1 FROM cases_supervisionorder so WHERE so.case_id = c.id"
    measures = {
        "reported": _flag(counted),
        **{f"s_{state}": _flag(f"c.state = '{state}'") for state in _states()},
        "responded_in_time": _flag(f"{counted} AND c.responded_at <= c.accept_due_at"),
        "accepted": _flag(accepted),
        "accepted_on_time": _flag(f"{accepted} AND c.responded_at <= c.accept_due_at"),
        "dispatched": _flag(f"{counted} AND c.dispatched_at IS NOT NULL"),
        "handled": _flag(f"{counted} AND c.handled_at IS NOT NULL"),
        "handled_on_time": _flag(f"{counted} AND c.handled_at <= c.handle_due_at"),
        "handle_timed": _flag(timed),
        "handle_seconds": f"CASE WHEN {timed} THEN CAST(ROUND({handling}) AS BIGINT) ELSE 0 END",
        "closed": _flag("c.state = 'closed'"),
        "resolved": _flag("c.state = 'closed' AND c.is_resolved IS TRUE"),
        "rated": _flag(f"{counted} AND c.rating <> ''"),
        "satisfied": _flag(f"{counted} AND c.rating IN ('satisfied', 'basically_satisfied')"),
        "overdue": _flag(
            f"{counted} AND (c.responded_at > c.accept_due_at OR c.handled_at > c.handle_due_at "
            f"OR EXISTS ({orders} AND so.issued_by_id IS NULL))"
        ),
        "supervised": _flag(f"{counted} AND EXISTS ({orders})"),
        "reopened": _flag(f"{counted} AND c.reopen_count > 0"),
        "closed_ever": _flag(f"{counted} AND (c.state = 'closed' OR c.reopen_count > 0)"),
        "repeat_request": repeat if repeat == "0" else _flag(f"{counted} AND {repeat}"),
    }
    assert tuple(measures) == STORED_MEASURES
    columns = [
        "c.id",
        sql.local_day("c.reported_at"),
        f"CASE WHEN c.state = 'closed' AND c.closed_at IS NOT NULL "
        f"THEN {sql.local_day('c.closed_at')} END",
        "c.area_id",
        "COALESCE(c.department_id, 0)",
        "c.category_id",
        "c.reporter_phone_index",
        "c.address",
        "c.reported_at",
        *measures.values(),
    ]
    selected = ", ".join(
        f"{expr} AS {name}" for expr, name in zip(columns, FACT_COLUMNS, strict=True)
    )
    return (
        f"SELECT {selected} FROM cases_case c "
        f"LEFT JOIN analytics_workclock wd ON wd.day = {sql.local_day('c.dispatched_at')} "
        f"LEFT JOIN analytics_workclock wh ON wh.day = {sql.local_day('c.handled_at')} "
        f"WHERE {where}"
    )


def _states() -> tuple[str, ...]:
    from wangge.analytics.definitions import STATES

    return STATES


def contributions(source: str, sign: int = 1) -> str:
    """The rollup rows (day, area, department, category, MEASURES) of fact-shaped rows in
    `source` (a table or a parenthesised query), times `sign`: the measures on the day the
    case was reported, and one `closed_on_day` on the day it was closed."""
    key = ", ".join(f"f.{name}" for name in KEY)
    on_report = ", ".join(
        [*(f"{sign} * f.{name} AS {name}" for name in STORED_MEASURES), "0 AS closed_on_day"]
    )
    on_close = ", ".join([*("0" for _ in STORED_MEASURES), str(sign)])
    return (
        f"SELECT f.day AS day, {key}, {on_report} FROM {source} f "
        f"UNION ALL SELECT f.closed_day, {key}, {on_close} FROM {source} f "
        f"WHERE f.closed_day IS NOT NULL"
    )


def _upsert(sql: _Dialect, grain: str, contrib: str) -> str:
    by_month, by_area, by_department, by_category = GRAINS[grain]
    day = sql.month("x.day") if by_month else "x.day"
    area = "x.area_id" if by_area else "0"
    department = "x.department_id" if by_department else "0"
    category = "x.category_id" if by_category else "0"
    group = [day]
    group += [column for column, kept in ((area, by_area), (department, by_department)) if kept]
    group += [category] if by_category else []
    sums = ", ".join(f"SUM(x.{name})" for name in MEASURES)
    updates = ", ".join(f"{name} = {ROLLUP_TABLE}.{name} + excluded.{name}" for name in MEASURES)
    return (
        f"INSERT INTO {ROLLUP_TABLE} (grain, day, area_id, department_id, category_id, "
        f"{', '.join(MEASURES)}) "
        f"SELECT '{grain}', {day}, {area}, {department}, {category}, {sums} "
        f"FROM ({contrib}) x WHERE 1 = 1 GROUP BY {', '.join(group)} "
        f"ON CONFLICT (grain, day, area_id, department_id, category_id) DO UPDATE SET {updates}"
    )


def _rows_of(grain: str) -> str:
    """A grain's rows in the shape of `contributions` (day, key, MEASURES)."""
    return (
        f"SELECT day, {', '.join(KEY)}, {', '.join(MEASURES)} FROM {ROLLUP_TABLE} "
        f"WHERE grain = '{grain}'"
    )


# --- the working clock ---------------------------------------------------------------------


CLOCK_FIRST, CLOCK_LAST = date(2000, 1, 1), date(2040, 12, 31)


def working_days_table(first: date, last: date, workday: Any) -> list[tuple[date, int, bool]]:
    """(day, working days before it since `first`, is it a working day) for every day."""
    rows, before, day = [], 0, first
    while day <= last:
        working = bool(workday(day))
        rows.append((day, before, working))
        before += working
        day += timedelta(days=1)
    return rows


def refresh_clock() -> None:
    """The working clock again from the calendar (its holidays and adjusted days); the
    migration fills it once, a rebuild refreshes it."""
    rows = working_days_table(CLOCK_FIRST, CLOCK_LAST, is_workday)
    stored = dict(WorkClock.objects.values_list("day", "is_workday"))
    if stored and all(stored.get(day) == working for day, _b, working in rows):
        return
    WorkClock.objects.all().delete()
    WorkClock.objects.bulk_create(
        [WorkClock(day=day, workdays_before=b, is_workday=w) for day, b, w in rows],
        batch_size=2000,
    )


def _office_seconds() -> int:
    return sum(
        (datetime.combine(date.min, ends) - datetime.combine(date.min, starts)).seconds
        for starts, ends in city_office_hours()
    )


# --- building and applying -----------------------------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    cases: int
    rollup_rows: int
    last_event_id: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.cases} cases into {self.rollup_rows} rollup rows in {self.seconds:.1f} s "
            f"(up to case event {self.last_event_id})"
        )


def _cursor_row() -> RollupCursor:
    RollupCursor.objects.get_or_create(name=CURSOR)
    return RollupCursor.objects.select_for_update().get(name=CURSOR)


def rebuild() -> BuildReport:
    """Every fact and rollup row again from the cases, in one transaction; the cursor moves to
    the last case event seen before the cases were read (later ones are applied again, which
    is harmless: applying a case recomputes it)."""
    import time as timer

    started = timer.monotonic()
    sql = _Dialect()
    with transaction.atomic(), connection.cursor() as cursor:
        refresh_clock()
        state = _cursor_row()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cases_caseevent")
        last_event = cursor.fetchone()[0]
        if sql.postgres:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(f"TRUNCATE {ROLLUP_TABLE}, {FACT_TABLE}")
        else:
            cursor.execute(f"DELETE FROM {ROLLUP_TABLE}")
            cursor.execute(f"DELETE FROM {FACT_TABLE}")
        cursor.execute(
            f"INSERT INTO {FACT_TABLE} ({', '.join(FACT_COLUMNS)}) " + fact_select(sql, "1 = 1")
        )
        cases = cursor.rowcount
        _mark_repeats(cursor, sql, "1 = 1", [])
        if sql.postgres:
            cursor.execute(f"ANALYZE {FACT_TABLE}")
        # The finest grain from the facts, each coarser one from a finer one's rows.
        cursor.execute(_upsert(sql, "d", contributions(FACT_TABLE)))
        coarser = (("m", "d"), ("a", "d"), ("e", "d"), ("k", "d"), ("n", "m"), ("c", "m"))
        for grain, source in (*coarser, ("l", "m")):
            cursor.execute(_upsert(sql, grain, _rows_of(source)))
        cursor.execute(f"SELECT COUNT(*) FROM {ROLLUP_TABLE}")
        rows = cursor.fetchone()[0]
        now = clock.now()
        state.last_event_id, state.built_at, state.applied_at = last_event, now, now
        state.save(update_fields=["last_event_id", "built_at", "applied_at"])
    if sql.postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ROLLUP_TABLE}")
    return BuildReport(cases, rows, last_event, timer.monotonic() - started)


def _mark_repeats(cursor: Any, sql: _Dialect, where: str, params: Sequence[Any]) -> None:
    t = FACT_TABLE
    condition = repeat_condition(
        sql, FACT_TABLE, f"{t}.phone_key", f"{t}.address", f"{t}.reported_at", f"{t}.case_id"
    )
    cursor.execute(
        f"UPDATE {t} SET repeat_request = 1 WHERE reported = 1 AND ({where}) AND {condition}",
        list(params),
    )


@dataclass(frozen=True)
class Batch:
    """The case events after `after`, up to `upto`, as read before claiming them."""

    after: int
    upto: int


def next_batch(limit: int = BATCH_EVENTS, settled_before: datetime | None = None) -> Batch | None:
    """The next events past the cursor; with `settled_before`, only up to the first event
    written at or after that time (see `apply_settled`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_event_id FROM analytics_rollupcursor WHERE name = %s", [CURSOR])
        row = cursor.fetchone()
        after = row[0] if row else 0
        below, params = "", [after]
        if settled_before is not None:
            below = (
                " AND id < COALESCE((SELECT MIN(id) FROM cases_caseevent WHERE id > %s AND "
                "created_at >= %s), %s)"
            )
            params += [after, connection.ops.adapt_datetimefield_value(settled_before), 2**62]
        cursor.execute(
            f"SELECT MAX(id) FROM (SELECT id FROM cases_caseevent WHERE id > %s{below} "
            "ORDER BY id LIMIT %s) e",
            [*params, limit],
        )
        upto = cursor.fetchone()[0]
    return None if upto is None else Batch(after, upto)


def _scratch(cursor: Any) -> None:
    """Two temporary tables of this connection, emptied: the cases of a batch, and their
    change to the rollups by (day, area, department, category)."""
    measures = ", ".join(f"{name} BIGINT" for name in MEASURES)
    cursor.execute("CREATE TEMP TABLE IF NOT EXISTS analytics_batch (case_id BIGINT PRIMARY KEY)")
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS analytics_delta (day DATE, area_id BIGINT, "
        f"department_id BIGINT, category_id BIGINT, {measures})"
    )
    cursor.execute("DELETE FROM analytics_batch")
    cursor.execute("DELETE FROM analytics_delta")


def apply_batch(batch: Batch) -> int:
    """Apply the cases of `batch`'s events, if the cursor is still where it was read: the claim
    is one compare-and-set on the cursor row, so of two workers holding the same batch one
    applies it and the other gets 0. Returns the number of cases applied."""
    sql = _Dialect()
    RollupCursor.objects.get_or_create(name=CURSOR)
    with transaction.atomic(), connection.cursor() as cursor:
        claimed = RollupCursor.objects.filter(name=CURSOR, last_event_id=batch.after).update(
            last_event_id=batch.upto, applied_at=clock.now()
        )
        if not claimed:
            return 0
        _scratch(cursor)
        cursor.execute(
            "INSERT INTO analytics_batch (case_id) SELECT DISTINCT case_id FROM cases_caseevent "
            "WHERE id > %s AND id <= %s",
            [batch.after, batch.upto],
        )
        cases = cursor.rowcount
        changed = "SELECT case_id FROM analytics_batch"
        facts = f"(SELECT * FROM {FACT_TABLE} WHERE case_id IN ({changed}))"
        columns = f"day, {', '.join(KEY)}, {', '.join(MEASURES)}"
        # The old contribution out, the facts recomputed, the new one in; then each grain
        # takes the summed difference.
        cursor.execute(f"INSERT INTO analytics_delta ({columns}) {contributions(facts, -1)}")
        cursor.execute(f"DELETE FROM {FACT_TABLE} WHERE case_id IN ({changed})")
        cursor.execute(
            f"INSERT INTO {FACT_TABLE} ({', '.join(FACT_COLUMNS)}) "
            + fact_select(sql, f"c.id IN ({changed})")
        )
        _mark_repeats(cursor, sql, f"{FACT_TABLE}.case_id IN ({changed})", [])
        cursor.execute(f"INSERT INTO analytics_delta ({columns}) {contributions(facts, 1)}")
        for grain in GRAINS:
            cursor.execute(_upsert(sql, grain, f"SELECT {columns} FROM analytics_delta"))
    return cases


def apply_settled() -> str:
    """The worker job: apply the case events written more than `SETTLE` ago. Event ids are
    handed out before their transaction commits, so an event may become visible after a later
    one; waiting until every transaction that could hold an earlier id has ended (services'
    transactions last well under a second) keeps the cursor from passing it. The figures lose
    nothing by the wait: what is past the cursor is read live (`pending_contributions`)."""
    return apply_pending(settled_before=clock.now() - SETTLE)


def apply_pending(limit: int = BATCH_EVENTS, settled_before: datetime | None = None) -> str:
    """Apply the case events past the cursor, a batch at a time (all of them, or those
    written before `settled_before`)."""
    applied = events = 0
    while (batch := next_batch(limit, settled_before)) is not None:
        cases = apply_batch(batch)
        if not cases:
            break  # another worker holds this batch
        applied += cases
        events += batch.upto - batch.after
    return f"{applied} cases from case events up to {events} ids applied" if applied else ""


def pending_contributions() -> list[dict[str, Any]]:
    """What the case events past the cursor change in the rollups, by (day, area, department,
    category): each touched case's contribution now, less the one the rollups hold. Read only;
    one query when nothing is pending, two otherwise. Days come back as dates."""
    sql = _Dialect()
    with connection.cursor() as cursor:
        # Two small reads first: with nothing pending (the worker keeps up) that is all, and
        # otherwise the planner sees the cursor as a number and expects few events.
        cursor.execute(
            "SELECT e.id FROM cases_caseevent e WHERE e.id > COALESCE((SELECT last_event_id "
            "FROM analytics_rollupcursor WHERE name = %s), 0) ORDER BY e.id LIMIT 1",
            [CURSOR],
        )
        first = cursor.fetchone()
    if first is None:
        return []
    changed = "SELECT DISTINCT case_id FROM cases_caseevent WHERE id >= %(cursor)s"
    pool = (
        f"(SELECT case_id, phone_key, address, reported_at FROM {FACT_TABLE} "
        f"UNION ALL SELECT id, reporter_phone_index, address, reported_at FROM cases_case "
        f"WHERE id IN ({changed}))"
    )
    repeat = repeat_condition(
        sql, pool, "c.reporter_phone_index", "c.address", "c.reported_at", "c.id"
    )
    now = f"({fact_select(sql, f'c.id IN ({changed})', repeat)})"
    old = f"(SELECT * FROM {FACT_TABLE} WHERE case_id IN ({changed}))"
    sums = ", ".join(f"SUM(x.{name}) AS {name}" for name in MEASURES)
    query = (
        f"SELECT x.day, x.area_id, x.department_id, x.category_id, {sums} FROM "
        f"({contributions(now, 1)} UNION ALL {contributions(old, -1)}) x "
        f"GROUP BY x.day, x.area_id, x.department_id, x.category_id"
    )
    # Placeholders in order: pool's, repeat's twice (phone, address) each with the pool, the
    # fact select's where; each of those appears in both halves of `contributions`.
    with connection.cursor() as cursor:
        cursor.execute(query, {"cursor": first[0]})
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if isinstance(row["day"], str):
            row["day"] = date.fromisoformat(row["day"])
        row.update({name: int(row[name] or 0) for name in MEASURES})
    return [row for row in rows if any(row[name] for name in MEASURES)]
