"""Benchmark: hot spots on the analytics benchmark's data (1,000,000 cases over 3 years in the
demo district, PostgreSQL; `WANGGE_BENCH_HOTSPOTS_CASES` changes the number; the 10,000,000-case
run of test_analytics_benchmark times the city's hot spots too).

Run with `pytest tests/perf/test_hotspots_benchmark.py -s`. A fresh site (see `bench_server`);
`analytics_probe load` writes the cases, `analytics_probe`'s rebuild is timed by its own
benchmark, and this module's `measure` (run inside the site: `python -m
tests.perf.test_hotspots_benchmark measure`) builds the rollups and times `hot_spots` of the
district for the last day, 7 days and 30 days, of each town for 7 days, and the cases behind the
first hot spot, p50/p95. Target (as the dashboard's): p95 < 500 ms for the district's week.
Only correctness is asserted: every answer is a list."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

import pytest

# A million by default: the city-scale run (10,000,000) times hot spots in
# test_analytics_benchmark too, so `make bench` loads ten million cases once.
CASES = int(os.environ.get("WANGGE_BENCH_HOTSPOTS_CASES", "1000000"))
REPETITIONS, WARMUP = 20, 2
TARGET_MS = 500


def measure(repetitions: int, warmup: int) -> dict[str, Any]:
    import django

    django.setup()

    from tests.perf.analytics_probe import timed
    from wangge.analytics import rollups
    from wangge.analytics.hotspots import cases_behind, hot_spots
    from wangge.analytics.queries import Period, Scope
    from wangge.core import clock
    from wangge.core.models import User
    from wangge.org.models import OrgUnit
    from wangge.org.roles import UnitKind

    rollups.rebuild()
    today = clock.today()
    city = OrgUnit.objects.filter(parent__isnull=True).exclude(kind=UnitKind.DEPARTMENT).first()
    assert city is not None
    results, found = [], {}
    for name, days in (("day", 1), ("week", 7), ("30 days", 30)):
        period = Period.last_days(days, today)
        found[name] = len(hot_spots(Scope(city), period).spots)
        result = timed(lambda p=period: hot_spots(Scope(city), p), repetitions, warmup)
        results.append({"query": f"district hot spots, {name}", **result})
    towns = list(OrgUnit.objects.filter(parent=city, is_active=True).exclude(kind="department"))
    week = Period.last_days(7, today)
    units = iter(towns * (repetitions + warmup))
    result = timed(lambda: hot_spots(Scope(next(units)), week), repetitions, warmup)
    results.append({"query": f"hot spots of each of {len(towns)} towns, week", **result})
    spots = hot_spots(Scope(city), week).spots
    superuser = User.objects.filter(is_superuser=True).first()
    if spots and superuser is not None:
        spot = spots[0]
        from wangge.cases.models import Category

        category = Category.objects.get(pk=spot.category.pk)
        result = timed(
            lambda: list(
                cases_behind(superuser, spot.place.unit, category, week, spot.place.address)
            ),
            repetitions,
            warmup,
        )
        results.append({"query": "the cases behind the hottest spot", **result})
    return {"results": results, "found": found}


def test_hot_spots_over_millions_of_cases() -> None:
    from tests.perf.bench_server import (
        POSTGRESQL,
        PostgresUnavailable,
        bench_site,
        machine_note,
    )
    from tests.perf.test_analytics_benchmark import probe

    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(bench_site(POSTGRESQL))
        except PostgresUnavailable as error:
            pytest.skip(f"PostgreSQL is unreachable, so no figures: {error}")
        loaded = probe(site, "load", f"--cases={CASES}", timeout=6 * 3600)
        output = site.python_module(
            "tests.perf.test_hotspots_benchmark",
            "measure",
            f"--repetitions={REPETITIONS}",
            f"--warmup={WARMUP}",
            timeout=6 * 3600,
        )
        measured = json.loads(output.rstrip().splitlines()[-1])
        print(
            f"\n== hot spots on {site.database_version()}: {CASES:,} cases loaded in "
            f"{loaded['total_seconds']:.0f} s; {machine_note()}; hot spots found "
            f"{measured['found']}"
        )
        print(f"  {'query':<44} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8}")
        for result in measured["results"]:
            late = "  ← misses" if result["p95_ms"] >= TARGET_MS else ""
            print(
                f"  {result['query']:<44} {result['runs']:>5} {result['p50_ms']:>8.1f} "
                f"{result['p95_ms']:>8.1f}{late}"
            )
        assert all(isinstance(count, int) for count in measured["found"].values())


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        options = dict(arg.lstrip("-").split("=") for arg in sys.argv[2:])
        print(
            json.dumps(
                measure(int(options.get("repetitions", 20)), int(options.get("warmup", 2))),
                default=str,
            )
        )
