"""The Django side of the queue benchmark, run in a child process inside a `bench_server` site
(DJANGO_SETTINGS_MODULE and WANGGE_DATABASE_URL come from the environment):

    python -m tests.perf.queue_probe load --cases 1000000
    python -m tests.perf.queue_probe measure [--index "CREATE INDEX …"] [--repetitions 200]

`load` writes a history of cases into the demo district in bulk: numpy draws every column
once, then rows go in 50,000 at a time (COPY on PostgreSQL, executemany on SQLite), so both
databases get the same distribution. Most cases are closed, about 4 % are open and recent;
grids are busier or quieter (a Zipf-like weight), 城管局 gets the largest share of dispatches,
grid-entry cases partly go to grids, 5 % of dispatches have an assisting department, and every
case gets its first event. Then VACUUM (ANALYZE) on PostgreSQL, as autovacuum would after a
bulk load, and ANALYZE on SQLite.

`measure` times the first page of 20 (`queue_page_of`, as the API reads it) of every "my work"
tab of the demo's dispatcher, department handler and grid worker, and `queue_counts` for each,
as a page would run them (memberships read afresh each time); prints one JSON line with p50/p99
per query and the plan of the slowest. `--index` statements run (and ANALYZE) before measuring,
to try an index by hand in the benchmark database.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

import django

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from tests.perf.loadgen import percentile  # noqa: E402
from wangge.cases.models import Case, CaseAssignment, Category  # noqa: E402
from wangge.cases.queries import my_queue, my_tabs, queue_counts, queue_page_of  # noqa: E402
from wangge.core import clock  # noqa: E402
from wangge.core.models import User  # noqa: E402
from wangge.org.models import Membership, OrgUnit  # noqa: E402
from wangge.org.permissions import forget_memberships  # noqa: E402
from wangge.org.roles import Role, UnitKind  # noqa: E402

CHUNK = 50_000
BUDGET_SECONDS = 20  # per measured query
NUMBER_OFFSET = 500_001
YEARS = 3
# (state, share): about 96 % final, 4 % open.
STATES = (
    ("closed", 0.940),
    ("declined", 0.015),
    ("merged", 0.005),
    ("reported", 0.004),
    ("accepted", 0.003),
    ("dispatched", 0.008),
    ("handling", 0.018),
    ("handled", 0.005),
    ("verified", 0.002),
)
OPEN = ("reported", "accepted", "dispatched", "handling", "handled", "verified")
DISPATCHED = ("dispatched", "handling", "handled", "verified", "closed")
CHANNELS = (("grid_patrol", 0.5), ("hotline", 0.25), ("resident", 0.2), ("enterprise", 0.05))
URGENCIES = (("normal", 0.95), ("urgent", 0.04), ("emergency", 0.01))
RATINGS = (("satisfied", 0.85), ("basically_satisfied", 0.10), ("dissatisfied", 0.05))
CHENGGUAN = "D440703CG"
USERS = ("dispatcher", "handler", "gridworker")
HOUR = np.timedelta64(3600_000_000, "us")
DAY = 24 * HOUR


def choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names, weights = zip(*options, strict=True)
    weights_array = np.array(weights) / sum(weights)
    return np.array(names, dtype=object)[rng.choice(len(names), n, p=weights_array)]


def spread(rng: np.random.Generator, n: int, low: np.timedelta64, high: np.timedelta64) -> Any:
    """n random durations between low and high."""
    span = (high - low).astype(np.int64)
    return low + rng.integers(0, max(span, 1), n).astype("timedelta64[us]")


def draw_cases(count: int, seed: int = 20261123) -> dict[str, np.ndarray]:
    """Every column of `count` cases, ordered by report time (ids grow with time)."""
    rng = np.random.default_rng(seed)
    now = np.datetime64(clock.now().astimezone(UTC).replace(tzinfo=None), "us")
    grids = list(
        OrgUnit.objects.filter(kind=UnitKind.GRID).order_by("id").values_list("id", "boundary")
    )
    grid_ids = np.array([pk for pk, _ in grids])
    points = [shapely.make_valid(shape(boundary)).representative_point() for _, boundary in grids]
    grid_lon = np.array([p.x for p in points])
    grid_lat = np.array([p.y for p in points])
    workers = dict(
        Membership.objects.filter(role=Role.GRID_WORKER, unit__kind=UnitKind.GRID).values_list(
            "unit_id", "user_id"
        )
    )
    grid_worker = np.array([workers.get(pk) for pk in grid_ids], dtype=object)
    departments = list(
        OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("code").values_list("id", "code")
    )
    root = OrgUnit.objects.filter(parent__isnull=True, kind=UnitKind.DISTRICT).get()
    leaves = list(
        Category.objects.filter(parent__isnull=False, is_active=True)
        .order_by("id")
        .values_list("id", "name", "is_grid_entry")
    )

    state = choice(rng, STATES, count)
    is_open = np.isin(state, OPEN)
    age = np.where(
        is_open,
        np.minimum(rng.exponential(5 * 86400, count), 60 * 86400),
        rng.uniform(2 * 86400, YEARS * 365 * 86400, count),
    )
    reported_at = now - (age * 1e6).astype("timedelta64[us]")
    order = np.argsort(reported_at, kind="stable")
    state, is_open, reported_at = state[order], is_open[order], reported_at[order]

    # Busier and quieter grids: weight 1/rank^0.8 over a shuffled order.
    weights = 1 / np.arange(1, len(grid_ids) + 1) ** 0.8
    grid_index = rng.permutation(len(grid_ids))[
        rng.choice(len(grid_ids), count, p=weights / weights.sum())
    ]
    area = grid_ids[grid_index]
    needs_grid = np.isin(state, ("reported", "accepted")) & (rng.random(count) < 0.05)
    area = np.where(needs_grid, root.pk, area)
    category_index = rng.integers(0, len(leaves), count)
    category = np.array([pk for pk, _, _ in leaves])[category_index]
    title = np.array([name for _, name, _ in leaves], dtype=object)[category_index]
    grid_entry = np.array([entry for _, _, entry in leaves])[category_index]
    channel = choice(rng, CHANNELS, count)
    reported_by = np.where(channel == "grid_patrol", grid_worker[grid_index], None)

    never = np.datetime64("NaT", "us")
    responded = np.where(state != "reported", reported_at + spread(rng, count, 0, 3 * HOUR), never)
    dispatched = np.isin(state, DISPATCHED)
    dispatched_at = np.where(dispatched, responded + spread(rng, count, 0, 4 * HOUR), never)
    handle_due_at = dispatched_at + 5 * DAY
    done = np.isin(state, ("handled", "verified", "closed"))
    handled_at = np.where(done, dispatched_at + spread(rng, count, HOUR, 7 * DAY), never)
    closed = state == "closed"
    closed_at = np.where(closed, handled_at + spread(rng, count, HOUR, 2 * DAY), never)
    closed_at = np.where(np.isin(state, ("declined", "merged")), responded, closed_at)
    accept_due_at = reported_at + 2 * HOUR

    # Grid-entry cases go to their grid half the time; else a department, 城管局 the busiest.
    department_weights = np.array([3.5 if code == CHENGGUAN else 0.72 for _, code in departments])
    department_ids = np.array([pk for pk, _ in departments])
    lead_position = rng.choice(
        len(departments), count, p=department_weights / department_weights.sum()
    )
    to_department = department_ids[lead_position]
    to_grid = grid_entry & (rng.random(count) < 0.5)
    department = np.where(dispatched, np.where(to_grid, area, to_department), None)
    assist = dispatched & ~to_grid & (rng.random(count) < 0.05)
    shift = rng.integers(1, len(departments), count)
    assist_unit = np.where(assist, department_ids[(lead_position + shift) % len(departments)], None)

    stage = np.full(count, "", dtype=object)
    due_at = np.full(count, never)
    stage_started_at = np.full(count, never)
    for name, stage_name, started, length in (
        ("reported", "accept", reported_at, 2 * HOUR),
        ("accepted", "dispatch", responded, 4 * HOUR),
        ("dispatched", "handle", dispatched_at, 5 * DAY),
        ("handling", "handle", dispatched_at, 5 * DAY),
    ):
        here = state == name
        stage[here] = stage_name
        stage_started_at[here] = started[here]
        due_at[here] = started[here] + length
    warn_at = np.where(
        np.isnat(due_at), never, stage_started_at + (due_at - stage_started_at) * 4 // 5
    )

    recent = closed_at > now - 7 * DAY
    rated = closed & (rng.random(count) < np.where(recent, 0.4, 0.995))
    rating = np.where(rated, choice(rng, RATINGS, count), "")
    supervision = np.where(is_open & (rng.random(count) < 0.05), rng.integers(1, 4, count), 0)
    pending = np.where((state == "handling") & (rng.random(count) < 0.03), "extension", "")
    pending_due_at = np.where(pending != "", handle_due_at + 3 * DAY, never)
    version = np.select(
        [state == s for s in ("reported", "accepted", "dispatched", "handling", "handled")],
        [1, 2, 3, 4, 5],
        default=7,
    )
    updated_at = np.fmax(
        np.fmax(reported_at, np.fmax(responded, dispatched_at)), np.fmax(handled_at, closed_at)
    )

    day = (reported_at + 8 * HOUR).astype("datetime64[D]")  # case numbers use Beijing days
    first_of_day = np.searchsorted(day, day, side="left")
    # Above any number the demo's own cases took that day: numbers are unique.
    sequence = np.arange(count) - first_of_day + NUMBER_OFFSET
    number = np.char.add(
        np.char.replace(np.datetime_as_string(day), "-", ""),
        np.char.zfill(sequence.astype(str), 6),
    )
    return {
        "number": number,
        "state": state,
        "version": version,
        "channel": channel,
        "category_id": category,
        "title": title,
        "description": np.char.add("基准测试案件 ", np.arange(count).astype(str)),
        "urgency": choice(rng, URGENCIES, count),
        "lon": grid_lon[grid_index],
        "lat": grid_lat[grid_index],
        "area_id": area,
        "needs_grid": needs_grid,
        "reported_by_id": reported_by,
        "department_id": department,
        "reported_at": reported_at,
        "stage": stage,
        "stage_started_at": stage_started_at,
        "due_at": due_at,
        "warn_at": warn_at,
        "accept_due_at": accept_due_at,
        "handle_due_at": handle_due_at,
        "responded_at": responded,
        "dispatched_at": dispatched_at,
        "handled_at": handled_at,
        "closed_at": closed_at,
        "is_resolved": np.where(closed, True, None),
        "rating": rating,
        "rated_at": np.where(rated, closed_at + HOUR, never),
        "supervision_level": supervision,
        "pending_request": pending,
        "pending_due_at": pending_due_at,
        "updated_at": updated_at,
        "_assist_unit": assist_unit,
    }


def python_values(values: np.ndarray, *, postgres: bool) -> list[Any]:
    """A column slice as driver-ready Python values: datetimes as UTC text (the form Django
    stores on SQLite), NaT as None, numpy scalars as Python ones."""
    if np.issubdtype(values.dtype, np.datetime64):
        text = np.char.replace(np.datetime_as_string(values, unit="us"), "T", " ")
        if postgres:
            text = np.char.add(text, "+00")
        out = text.astype(object)
        out[np.isnat(values)] = None
        return out.tolist()
    return values.tolist()


def case_columns(drawn: dict[str, np.ndarray]) -> Iterator[tuple[str, Callable[[slice], Any]]]:
    """(column, slice → values) for every concrete column of Case but the id; columns the draw
    does not set take the field's default, and a NOT NULL column without one is an error."""
    for field in Case._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in drawn:
            yield field.column, (lambda part, values=drawn[field.attname]: values[part])
            continue
        if not field.has_default() and not field.null and not field.blank:
            raise RuntimeError(f"the load does not fill the NOT NULL column {field.column}")
        value = field.get_db_prep_save(field.get_default(), connection)
        if value is None and not field.null:
            value = ""
        if isinstance(value, dict | list):
            value = json.dumps(value)
        yield field.column, (lambda part, value=value: [value] * (part.stop - part.start))


def load(count: int) -> dict[str, Any]:
    started = time.perf_counter()
    # The demo files a few cases of its own; they stay, and get nothing added here.
    existing = Case.objects.count()
    last_id = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    drawn = draw_cases(count)
    drawn_seconds = time.perf_counter() - started
    postgres = connection.vendor == "postgresql"
    columns = list(case_columns(drawn))
    names = [name for name, _ in columns]
    table = connection.ops.quote_name(Case._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, count, CHUNK):
            part = slice(start, min(start + CHUNK, count))
            values = [get(part) for _, get in columns]
            values = [
                python_values(v, postgres=postgres) if isinstance(v, np.ndarray) else v
                for v in values
            ]
            rows = zip(*values, strict=True)
            if postgres:
                raw = cursor.cursor  # psycopg's own cursor, for COPY
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)  # noqa: S608
    cases_seconds = time.perf_counter() - started - drawn_seconds

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_caseevent (case_id, seq, action, from_state, to_state, actor_id,"
            " actor_kind, actor_name, note, data, created_at)"
            " SELECT id, 1, 'report', '', 'reported', reported_by_id,"
            " CASE WHEN reported_by_id IS NULL THEN 'reporter' ELSE 'grid_worker' END,"
            " '', '', '{}', reported_at FROM cases_case WHERE id > %s",
            [last_id],
        )
        cursor.execute(
            "INSERT INTO cases_caseassignment (case_id, unit_id, role, due_at, is_active,"
            " signed_at, finished_at, finished_note, created_at)"
            " SELECT id, department_id, 'lead', handle_due_at, TRUE, NULL, handled_at, '',"
            " dispatched_at FROM cases_case WHERE department_id IS NOT NULL AND id > %s",
            [last_id],
        )
        # One indexed lookup by number per assisting department (about 5 % of dispatches).
        assists = np.flatnonzero(np.not_equal(drawn["_assist_unit"], None))
        cursor.executemany(
            "INSERT INTO cases_caseassignment (case_id, unit_id, role, due_at, is_active,"
            " signed_at, finished_at, finished_note, created_at)"
            " SELECT id, %s, 'assist', handle_due_at, TRUE, NULL, handled_at, '',"
            " dispatched_at FROM cases_case WHERE number = %s",
            [(int(drawn["_assist_unit"][i]), str(drawn["number"][i])) for i in assists],
        )
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load on PostgreSQL: statistics, and the visibility
        # map that lets a count read an index alone (VACUUM cannot run in a transaction).
        cursor.execute("VACUUM (ANALYZE)" if postgres else "ANALYZE")
    states: dict[str, int] = {}
    for state in drawn["state"].tolist():
        states[state] = states.get(state, 0) + 1
    return {
        "cases": count,
        "demo_cases": existing,
        "events": count,
        "assignments": CaseAssignment.objects.count(),
        "assists": len(assists),
        "states": states,
        "draw_seconds": drawn_seconds,
        "cases_seconds": cases_seconds,
        "total_seconds": time.perf_counter() - started,
    }


def timed(work: Callable[[], Any], user: User, repetitions: int, warmup: int) -> dict:
    """p50/p99 of `repetitions` runs after `warmup` ones. A slow query gets fewer: the warm-up
    stops after 5 s, and the runs (at least 20) after BUDGET_SECONDS, so a very slow list does
    not hold the benchmark for an hour."""

    def run() -> tuple[Any, float]:
        forget_memberships(user)  # a page reads them afresh on every request
        started = time.perf_counter()
        result = work()
        return result, time.perf_counter() - started

    warm_until = time.perf_counter() + 5
    for _ in range(warmup):
        run()
        if time.perf_counter() > warm_until:
            break
    samples: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    for _ in range(repetitions):
        if len(samples) >= 20 and time.perf_counter() > deadline:
            break
        result, elapsed = run()
        samples.append(elapsed)
    samples.sort()
    return {
        "runs": len(samples),
        "p50_ms": percentile(samples, 0.5) * 1000,
        "p99_ms": percentile(samples, 0.99) * 1000,
        "rows": result if isinstance(result, int) else len(result),
    }


def page_ids(user: User, tab: str) -> Any:
    """The query that chooses a page's cases (the slow one; the cases are then read by id)."""
    return my_queue(user, tab).values_list("pk", flat=True)[:20]


def plan_of(user: User, tab: str) -> str:
    forget_memberships(user)
    queryset = page_ids(user, tab)
    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True)
    return queryset.explain()


def database_ms(plan: str) -> float | None:
    """Planning + execution time of an EXPLAIN ANALYZE (PostgreSQL), in ms."""
    times = re.findall(r"(?:Planning|Execution) Time: ([\d.]+) ms", plan)
    return sum(float(t) for t in times) if times else None


def short_sql(user: User, tab: str) -> str:
    forget_memberships(user)
    text = str(page_ids(user, tab).query)
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", text)


def measure(indexes: list[str], repetitions: int, warmup: int) -> dict[str, Any]:
    with connection.cursor() as cursor:
        for statement in indexes:
            started = time.perf_counter()
            cursor.execute(statement)
            print(f"  ran in {time.perf_counter() - started:.1f} s: {statement}", flush=True)
        if indexes:
            cursor.execute("ANALYZE")
    results = []
    for username in USERS:
        user = User.objects.get(username=username)
        tabs = my_tabs(user)
        for tab in tabs:
            figures = timed(
                lambda user=user, tab=tab: queue_page_of(my_queue(user, tab), None, 20).items,
                user,
                repetitions,
                warmup,
            )
            figures["total"] = my_queue(user, tab).count()
            figures["db_ms"] = database_ms(plan_of(user, tab))
            results.append({"user": username, "query": f"my_queue {tab}", "tab": tab, **figures})
        counts = timed(
            lambda user=user: sum(queue_counts(user).values()), user, repetitions, warmup
        )
        results.append(
            {"user": username, "query": f"queue_counts ({len(tabs)} tabs)", "tab": "", **counts}
        )
    slowest = max((r for r in results if r["tab"]), key=lambda r: r["p99_ms"])
    user = User.objects.get(username=slowest["user"])
    return {
        "vendor": connection.vendor,
        "cases": Case.objects.count(),
        "results": results,
        "slowest": slowest,
        "slowest_sql": short_sql(user, slowest["tab"]),
        "slowest_plan": plan_of(user, slowest["tab"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    verbs = parser.add_subparsers(dest="verb", required=True)
    load_parser = verbs.add_parser("load")
    load_parser.add_argument("--cases", type=int, default=1_000_000)
    measure_parser = verbs.add_parser("measure")
    measure_parser.add_argument("--index", action="append", default=[])
    measure_parser.add_argument("--repetitions", type=int, default=200)
    measure_parser.add_argument("--warmup", type=int, default=20)
    options = parser.parse_args()
    if options.verb == "load":
        result = load(options.cases)
    else:
        result = measure(options.index, options.repetitions, options.warmup)
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
