"""The Django side of the analytics benchmark, run in a child process inside a `bench_server`
site (DJANGO_SETTINGS_MODULE and WANGGE_DATABASE_URL come from the environment):

    python -m tests.perf.analytics_probe load --cases 10000000
    python -m tests.perf.analytics_probe measure [--repetitions 50]

`load` writes cases over 3 years into the demo district with the queue benchmark's loader
(numpy draws, COPY on PostgreSQL; realistic state mixes, grids, departments and categories,
one event per case). `measure` times `wangge analytics rebuild` from scratch; the city
dashboard (`queries.dashboard` of the district, as the page reads it) for a day, a month, a
quarter and a year ending today; the drill-down into each unit one level down for a month; and
the incremental job on a batch of new case events. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.perf.loadgen import percentile  # noqa: E402
from tests.perf.queue_probe import load  # noqa: E402
from wangge.analytics import rollups  # noqa: E402
from wangge.analytics.models import Rollup  # noqa: E402
from wangge.analytics.queries import Period, Scope, dashboard  # noqa: E402
from wangge.core import clock  # noqa: E402
from wangge.org.models import OrgUnit  # noqa: E402
from wangge.org.roles import UnitKind  # noqa: E402

BUDGET_SECONDS = 30  # per measured figure


def timed(work: Callable[[], Any], repetitions: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        work()
    samples: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(samples) < repetitions and (not samples or time.perf_counter() < deadline):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "runs": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p95_ms": percentile(samples, 0.95),
    }


def measure(repetitions: int, warmup: int, events: int) -> dict[str, Any]:
    started = time.perf_counter()
    built = rollups.rebuild()
    build_seconds = time.perf_counter() - started
    now = clock.now()
    today = timezone.localdate(now)
    city = OrgUnit.objects.filter(parent__isnull=True).exclude(kind=UnitKind.DEPARTMENT).first()
    assert city is not None
    results = []
    for name, days in (("day", 1), ("month", 30), ("quarter", 91), ("year", 365)):
        period = Period.last_days(days, today)
        result = timed(lambda p=period: dashboard(Scope(city), p, now), repetitions, warmup)
        results.append({"query": f"city dashboard, {name}", **result})
    below = list(
        OrgUnit.objects.filter(parent=city, is_active=True).exclude(kind=UnitKind.DEPARTMENT)
    )
    month = Period.last_days(30, today)
    units = iter(below * (repetitions + warmup))
    result = timed(lambda: dashboard(Scope(next(units)), month, now), repetitions, warmup)
    results.append({"query": f"drill-down into {len(below)} units, month", **result})
    grids = list(OrgUnit.objects.filter(kind=UnitKind.GRID)[:50])
    cells = iter(grids * (repetitions + warmup))
    result = timed(lambda: dashboard(Scope(next(cells)), month, now), repetitions, warmup)
    results.append({"query": "drill-down into a grid, month", **result})
    # The map of grids by a figure, the heat map (the one read of the cases themselves) and
    # the hot spots, of the whole city.
    from wangge.analytics.geography import figure_map, heat_cells
    from wangge.analytics.hotspots import hot_spots

    for name, work in (
        ("map by figure, month", lambda: figure_map(Scope(city), month)),
        ("map values only, month", lambda: figure_map(Scope(city), month, outlines=False)),
        ("heat map, month", lambda: heat_cells(city, month)),
        ("hot spots, week", lambda: hot_spots(Scope(city), Period.last_days(7, today))),
        ("hot spots, month", lambda: hot_spots(Scope(city), month)),
    ):
        result = timed(work, max(repetitions // 2, 1), warmup)
        results.append({"query": f"city {name}", **result})

    # The incremental job: `events` new events (comments) on random cases, then applied.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_caseevent (case_id, seq, action, from_state, to_state, actor_id,"
            " actor_kind, actor_name, note, data, created_at)"
            " SELECT id, 1000 + version, 'comment', state, state, NULL, 'system', '', '',"
            " '{}', %s FROM (SELECT id, version, state FROM cases_case ORDER BY random()"
            " LIMIT %s) c",
            [now, events],
        )
    started = time.perf_counter()
    rollups.apply_pending()
    job_seconds = time.perf_counter() - started
    return {
        "cases": built.cases,
        "rollup_rows": built.rollup_rows,
        "rows_by_grain": dict(
            Rollup.objects.values_list("grain").annotate(n=django.db.models.Count("pk"))
        ),
        "build_seconds": build_seconds,
        "results": results,
        "job_events": events,
        "job_seconds": job_seconds,
        "job_events_per_second": events / job_seconds if job_seconds else None,
    }


def profile(days: int, unit_code: str) -> dict[str, Any]:
    """The queries of one city dashboard with their times, slowest first, and the plan of the
    slowest (PostgreSQL)."""
    from django.test.utils import CaptureQueriesContext

    now = clock.now()
    city = OrgUnit.objects.filter(parent__isnull=True).exclude(kind=UnitKind.DEPARTMENT).first()
    if unit_code:
        city = OrgUnit.objects.get(code=unit_code)
    period = Period.last_days(days, timezone.localdate(now))
    dashboard(Scope(city), period, now)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        dashboard(Scope(city), period, now)
        total = (time.perf_counter() - started) * 1000
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    plan = ""
    if connection.vendor == "postgresql" and queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + queries[0]["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
    return {
        "total_ms": total,
        "queries": [(float(q["time"]) * 1000, q["sql"][:300]) for q in queries],
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    loading = commands.add_parser("load")
    loading.add_argument("--cases", type=int, required=True)
    measuring = commands.add_parser("measure")
    measuring.add_argument("--repetitions", type=int, default=50)
    measuring.add_argument("--warmup", type=int, default=5)
    measuring.add_argument("--events", type=int, default=20_000)
    profiling = commands.add_parser("profile")
    profiling.add_argument("--days", type=int, default=91)
    profiling.add_argument("--unit", default="")
    args = parser.parse_args()
    if args.command == "load":
        result = load(args.cases)
    elif args.command == "profile":
        result = profile(args.days, args.unit)
    else:
        result = measure(args.repetitions, args.warmup, args.events)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
