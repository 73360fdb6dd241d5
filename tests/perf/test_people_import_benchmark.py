"""Benchmark: importing a ledger of persons with residences from CSV, on PostgreSQL and SQLite.

Run with `make bench` (pytest tests/perf -s); `WANGGE_BENCH_PEOPLE_ROWS` changes the 1,000,000
rows. Each database gets a fresh site with the demo district (see `bench_server`); a child
process writes the ledger (`people_import_probe write`), then two more import a tenth of it and
all of it into empty registries as the system, all or nothing. Prints rows, seconds, rows/s and
the import process's peak memory for both sizes beside the targets: >= 20,000 rows/s on
PostgreSQL, and peak memory that does not grow with the file (the full file within 1.5 x the
tenth's). Only correctness is asserted: every row became one person with one residence.
"""

from __future__ import annotations

import contextlib
import json
import os

import pytest

from tests.perf.bench_server import (
    POSTGRESQL,
    SQLITE,
    PostgresUnavailable,
    bench_site,
    machine_note,
)

ROWS = int(os.environ.get("WANGGE_BENCH_PEOPLE_ROWS", "1000000"))
TARGET_ROWS_PER_SECOND = 20_000
MEMORY_GROWTH = 1.5


@pytest.mark.parametrize("kind", [POSTGRESQL, SQLITE])
def test_importing_a_million_persons_with_residences(kind: str) -> None:
    measured = []
    for rows in (max(ROWS // 10, 1), ROWS):
        with contextlib.ExitStack() as stack:
            try:
                site = stack.enter_context(bench_site(kind))
            except PostgresUnavailable as error:
                pytest.skip(f"PostgreSQL is unreachable, so no PostgreSQL figures: {error}")
            ledger = site.var_dir / "ledger.csv"
            probe = "tests.perf.people_import_probe"
            site.python_module(probe, "write", "--rows", str(rows), "--out", str(ledger))
            size_mb = ledger.stat().st_size / 1024 / 1024
            output = site.python_module(probe, "import", str(ledger), timeout=7200)
            figures = json.loads(output.strip().splitlines()[-1])
            figures["size_mb"] = size_mb
            figures["database"] = site.database_version()
            measured.append(figures)
            assert figures["persons"] == rows and figures["residences"] == rows
    print(
        f"\n== registry import, persons with residences from CSV, all or nothing, "
        f"{measured[-1]['database']}; {machine_note()}\n"
        f"  {'rows':>10} {'file MB':>8} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} "
        f"{'before MB':>9}"
    )
    for figures in measured:
        print(
            f"  {figures['rows']:>10,} {figures['size_mb']:>8.0f} {figures['seconds']:>8.1f} "
            f"{figures['rate']:>8,} {figures['peak_mb']:>8,} {figures['before_mb']:>9,}"
        )
    print(f"  {measured[-1]['counts']}")
    small, large = measured
    flat = large["peak_mb"] <= small["peak_mb"] * MEMORY_GROWTH
    print(f"  memory flat with file size (≤ {MEMORY_GROWTH} x): {'met' if flat else 'NOT met'}")
    if kind == POSTGRESQL:
        fast = large["rate"] >= TARGET_ROWS_PER_SECOND
        print(
            f"  target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s on PostgreSQL: "
            f"{'met' if fast else 'NOT met'}"
        )
