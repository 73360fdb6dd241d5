"""Benchmark: filing cases over HTTP, on SQLite and on PostgreSQL.

Run with `make bench` (pytest tests/perf -s); `WANGGE_BENCH_SECONDS` shortens the 30 s runs,
`WANGGE_BENCH_CONNECTIONS` changes the 8 connections and `WANGGE_BENCH_THREADS` the 1 thread
per gunicorn worker. Each database gets a fresh site (see `bench_server`): the demo district, an
API key for the `dispatcher` account, and gunicorn with 2 workers on loopback. A load generator
in another process (`loadgen`) then posts to a bare view that inserts one row, and to `POST
/api/v1/cases` with points inside real grids, in the same run. Prints requests, cases/s, p50/p99
latency and errors for both, the intake / bare ratio and whether the targets are met: on
PostgreSQL >= 400 cases/s with p99 < 100 ms, and >= half the bare view's rate. Only correctness
is asserted: the database holds exactly one row per 201.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from tests.perf.bench_server import (
    POSTGRESQL,
    SQLITE,
    BenchSite,
    PostgresUnavailable,
    bench_site,
    gunicorn,
    machine_note,
)

SECONDS = float(os.environ.get("WANGGE_BENCH_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("WANGGE_BENCH_CONNECTIONS", "8"))
WARMUP_SECONDS = min(3.0, SECONDS / 5)
WORKERS = 2
THREADS = int(os.environ.get("WANGGE_BENCH_THREADS", "1"))  # per worker: sync, 2 workers
INTAKE_PATH, BARE_PATH = "/api/v1/cases", "/bare/"
CATEGORY = "C0104"  # 路灯
TARGET_CASES_PER_SECOND = 400
TARGET_P99_MS = 100
TARGET_RATIO = 0.5


def grid_points(site: BenchSite) -> list[tuple[float, float]]:
    """One point inside each grid of the demo map."""
    points = []
    for _code, boundary in site.grid_boundaries():
        point = shapely.make_valid(shape(boundary)).representative_point()
        points.append((round(point.x, 6), round(point.y, 6)))
    return points


def report_bodies(points: list[tuple[float, float]]) -> list[dict[str, Any]]:
    return [
        {
            "category": CATEGORY,
            "description": f"路灯不亮，晚上路面很黑（基准测试 {number}）",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13800000000",
        }
        for number, (lon, lat) in enumerate(points)
    ]


def post_once(port: int, path: str, body: dict, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST", path, json.dumps(body), {"Content-Type": "application/json", **headers}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_load(
    site: BenchSite, port: int, path: str, bodies_file: Path, headers: dict[str, str]
) -> dict[str, Any]:
    args = [
        f"--port={port}",
        f"--path={path}",
        f"--bodies={bodies_file}",
        f"--connections={CONNECTIONS}",
        f"--warmup={WARMUP_SECONDS}",
        f"--seconds={SECONDS}",
        *(f"--header={name}: {value}" for name, value in headers.items()),
    ]
    output = site.python_module("tests.perf.loadgen", *args, timeout=SECONDS + 120)
    return json.loads(output.strip().splitlines()[-1])


def row(database: str, target: str, figures: dict[str, Any]) -> str:
    return (
        f"  {database:<11} {target:<24} {figures['requests']:>9,} {figures['rate']:>9,.0f} "
        f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['max_ms']:>8.1f} "
        f"{figures['errors']:>7,}"
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


@pytest.mark.parametrize("kind", [SQLITE, POSTGRESQL])
def test_filing_cases_over_http_beside_a_bare_view(kind: str, tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(bench_site(kind))
        except PostgresUnavailable as error:
            pytest.skip(f"PostgreSQL is unreachable, so no PostgreSQL figures: {error}")
        key = site.wangge("apikey", "create", "bench", "--user", "dispatcher").split()[-1]
        bodies_file = tmp_path / "bodies.json"
        points = grid_points(site)
        bodies_file.write_text(json.dumps(report_bodies(points), ensure_ascii=False))
        # The demo files a few cases of its own.
        demo_cases = site.query("SELECT count(*) FROM cases_case")[0][0]
        port = stack.enter_context(gunicorn(site, workers=WORKERS, threads=THREADS))
        database = site.database_version()
        machine = machine_note()

        bare = run_load(site, port, BARE_PATH, bodies_file, {})
        # An empty body: 404 means the endpoint is not there; anything else that it is.
        has_intake = post_once(port, INTAKE_PATH, {}, {"X-API-Key": key}) != 404
        intake = (
            run_load(site, port, INTAKE_PATH, bodies_file, {"X-API-Key": key})
            if has_intake
            else None
        )

        bare_rows = site.query("SELECT count(*) FROM core_auditentry WHERE action = 'bench.bare'")
        case_rows = site.query("SELECT count(*) FROM cases_case")[0][0] - demo_cases

    print(
        f"\n== intake over HTTP on {database}: gunicorn {WORKERS} workers × {THREADS} threads, "
        f"{CONNECTIONS} connections (kept alive where the server does), {SECONDS:g} s per "
        f"target after {WARMUP_SECONDS:g} s warm-up; {len(points)} report points, one inside "
        f"each grid; {machine}, shared by server, database and load generator\n"
        f"  {'database':<11} {'target':<24} {'requests':>9} {'rate/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    print(row(kind, f"POST {BARE_PATH} (1 INSERT)", bare))
    if intake is None:
        print(
            f"  {kind:<11} POST {INTAKE_PATH:<19} not measured: the endpoint answers 404 "
            "(wangge/cases/api.py is not there yet)"
        )
    else:
        print(row(kind, f"POST {INTAKE_PATH}", intake))
    for figures in (bare, intake):
        if figures and figures["error_samples"]:
            print(f"  errors on {figures['path']}: {figures['statuses']}")
            for sample in figures["error_samples"][:3]:
                print(f"    {sample}")
    assert bare["ok"] > 0
    assert bare_rows[0][0] == bare["created_total"]
    if intake is None:
        return
    ratio = intake["rate"] / bare["rate"] if bare["rate"] else 0.0
    print(
        f"  intake / bare  {ratio:.2f}×\n"
        f"  cases the run added to the database: {case_rows:,}; 201 answers (warm-up included): "
        f"{intake['created_total']:,}"
    )
    if kind == POSTGRESQL:
        print(
            f"  target >= {TARGET_CASES_PER_SECOND} cases/s: "
            f"{verdict(intake['rate'] >= TARGET_CASES_PER_SECOND)}\n"
            f"  target p99 < {TARGET_P99_MS} ms: {verdict(intake['p99_ms'] < TARGET_P99_MS)}"
        )
    print(f"  target intake >= {TARGET_RATIO} × bare: {verdict(ratio >= TARGET_RATIO)}")
    assert case_rows == intake["created_total"]
