"""Benchmark: the figures at city scale, 10,000,000 cases over 3 years on PostgreSQL.

Run with `pytest tests/perf/test_analytics_benchmark.py -s`; `WANGGE_BENCH_ANALYTICS_CASES`
changes the ten million (develop with 200,000). A fresh site with the demo district (see
`bench_server`); `analytics_probe load` writes the cases in bulk (COPY), then `analytics_probe
measure` prints the time to build the rollups from scratch, the city dashboard p50/p95 for a
day, a month, a quarter and a year, the drill-down into the units below and into a grid for a
month, and the incremental job's events per second. Target: every dashboard p95 < 500 ms.
Only correctness is asserted: the rollups were built from every case loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import pytest

from tests.perf.bench_server import (
    POSTGRESQL,
    BenchSite,
    PostgresUnavailable,
    bench_site,
    machine_note,
)

CASES = int(os.environ.get("WANGGE_BENCH_ANALYTICS_CASES", "10000000"))
REPETITIONS, WARMUP = 50, 5
TARGET_MS = 500


def probe(site: BenchSite, *args: str, timeout: float) -> dict[str, Any]:
    output = site.python_module("tests.perf.analytics_probe", *args, timeout=timeout)
    lines = output.rstrip().splitlines()
    for line in lines[:-1]:
        print(line)
    return json.loads(lines[-1])


def test_the_city_dashboard_over_millions_of_cases() -> None:
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(bench_site(POSTGRESQL))
        except PostgresUnavailable as error:
            pytest.skip(f"PostgreSQL is unreachable, so no figures: {error}")
        loaded = probe(site, "load", f"--cases={CASES}", timeout=6 * 3600)
        measured = probe(
            site, "measure", f"--repetitions={REPETITIONS}", f"--warmup={WARMUP}", timeout=6 * 3600
        )
        assert measured["cases"] == loaded["demo_cases"] + CASES
        print(
            f"\n== analytics on {site.database_version()}: {CASES:,} cases loaded in "
            f"{loaded['total_seconds']:.0f} s; {machine_note()}\n"
            f"  rollups built from scratch in {measured['build_seconds']:.1f} s: "
            f"{measured['rollup_rows']:,} rows {measured['rows_by_grain']}"
        )
        print(f"  {'query':<40} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8}")
        for result in measured["results"]:
            late = "  ← misses" if result["p95_ms"] >= TARGET_MS else ""
            print(
                f"  {result['query']:<40} {result['runs']:>5} {result['p50_ms']:>8.1f} "
                f"{result['p95_ms']:>8.1f}{late}"
            )
        print(
            f"  incremental job: {measured['job_events']:,} events in "
            f"{measured['job_seconds']:.2f} s = {measured['job_events_per_second']:,.0f} events/s"
        )
        missing = [r["query"] for r in measured["results"] if r["p95_ms"] >= TARGET_MS]
        verdict = "met" if not missing else "NOT met by " + ", ".join(missing)
        print(f"  target p95 < {TARGET_MS} ms: {verdict}")
