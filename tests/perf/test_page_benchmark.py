"""Benchmark: every page of the workbench with the demo data plus 100,000 cases on SQLite.

Run with `make bench` (pytest tests/perf -s); `WANGGE_BENCH_PAGE_CASES` changes the 100,000.
A fresh SQLite site with the demo district (see `bench_server`) gets the cases in bulk
(`queue_probe load`), then `page_probe` requests each page as the demo account that uses it,
through Django's test client in one process (middleware, view and template: the server's share
of a page), and prints p50/p95 per page beside the target: under 300 ms. Only correctness is
asserted: every page answered 200.
"""

from __future__ import annotations

import json
import os

from tests.perf.bench_server import SQLITE, bench_site, machine_note

CASES = int(os.environ.get("WANGGE_BENCH_PAGE_CASES", "100000"))
TARGET_MS = 300


def test_every_page_with_a_hundred_thousand_cases_on_sqlite() -> None:
    with bench_site(SQLITE) as site:
        site.python_module("tests.perf.queue_probe", "load", "--cases", str(CASES), timeout=1200)
        output = site.python_module("tests.perf.page_probe", timeout=1800)
    measured = json.loads(output.strip().splitlines()[-1])
    print(
        f"\n== pages on SQLite with {measured['cases']:,} cases (the demo's and {CASES:,} loaded); "
        f"in-process requests through Django's test client; {machine_note()}\n"
        f"  {'account':<11} {'page':<26} {'status':>6} {'KiB':>6} {'runs':>5} "
        f"{'p50 ms':>8} {'p95 ms':>8}"
    )
    slow = []
    for row in measured["results"]:
        late = row["p95_ms"] >= TARGET_MS
        if late:
            slow.append(f"{row['user']} {row['page']}")
        mark = "  ← misses" if late else ""
        print(
            f"  {row['user']:<11} {row['page']:<26} {row['status']:>6} "
            f"{row['bytes'] / 1024:>6.0f} {row['runs']:>5} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f}{mark}"
        )
    verdict = "met" if not slow else "NOT met by " + ", ".join(slow)
    print(f"  target p95 < {TARGET_MS} ms on every page: {verdict}")
    assert all(row["status"] == 200 for row in measured["results"]), measured["results"]
