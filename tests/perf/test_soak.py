"""Soak: 30 minutes of mixed traffic at a steady rate against the server as `make demo` runs it
(gunicorn, 2 workers × 4 threads), watching each worker's memory and the answer times.

Run with `make bench`, or alone:
    .venv/bin/pytest tests/perf/test_soak.py -s -o addopts= -p no:randomly
`WANGGE_SOAK_SECONDS` (1800), `WANGGE_SOAK_RATE` (20 requests/s) and `WANGGE_SOAK_DATABASES`
(`postgresql`; `postgresql,sqlite` for both, 30 minutes each) set the run. A fresh demo site
(see `bench_server`); the traffic (`soak_load.MIX`): filing cases over the API, taking them
round the loop (accept … close, with a photo for the finish), reading the queues and cases,
and opening "my work", the dispatch console, the leader's dashboard and the public report
form, each as its own signed-in account. Requests start on a fixed timetable (open loop).

Prints the answer times per kind and per window of the run, how late requests started, and
each worker's resident memory: after the warm-up, at the end, its peak and its slope. Targets
(issue 6): p99 under 500 ms, memory flat. It asserts only that every request was answered with
success and every filed case is in the database once, never a time.
"""

from __future__ import annotations

import contextlib
import os
import statistics

import pytest

from tests.perf.bench_server import (
    POSTGRESQL,
    SQLITE,
    PostgresUnavailable,
    bench_site,
    gunicorn,
    machine_note,
)
from tests.perf.crash_load import api_keys, point_in_grid
from tests.perf.loadgen import percentile
from tests.perf.soak_load import MIX, MemorySampler, Sample, Traffic, drive, gunicorn_master

SECONDS = float(os.environ.get("WANGGE_SOAK_SECONDS", "1800"))
RATE = float(os.environ.get("WANGGE_SOAK_RATE", "20"))
DATABASES = os.environ.get("WANGGE_SOAK_DATABASES", POSTGRESQL).split(",")
WORKERS, THREADS = 2, 4  # as `make demo` serves
WARM_UP = min(300.0, SECONDS / 6)  # memory is compared from here on
P99_TARGET_MS = 500
FLAT_MB = 10.0  # more growth than this after the warm-up is not "flat"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f}"


def _times(samples: list[Sample]) -> str:
    times = sorted(sample.seconds for sample in samples)
    return (
        f"{len(samples):>7,} {_ms(percentile(times, 0.5))} {_ms(percentile(times, 0.95))} "
        f"{_ms(percentile(times, 0.99))} {_ms(times[-1] if times else 0.0)}"
    )


def _slope_mb_per_hour(points: list[tuple[float, float]]) -> float:
    if len(points) < 3:
        return 0.0
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return statistics.linear_regression(xs, ys).slope * 3600


@pytest.mark.parametrize("kind", [POSTGRESQL, SQLITE])
def test_mixed_traffic_for_half_an_hour(kind: str) -> None:
    if kind not in DATABASES:
        pytest.skip(f"WANGGE_SOAK_DATABASES={','.join(DATABASES)} leaves {kind} out")
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(bench_site(kind))
        except PostgresUnavailable as error:
            pytest.skip(f"PostgreSQL is unreachable, so no PostgreSQL figures: {error}")
        keys, point = api_keys(site), point_in_grid(site)
        database, machine = site.database_version(), machine_note()
        port = stack.enter_context(gunicorn(site, workers=WORKERS, threads=THREADS))
        traffic = Traffic(port, keys, point)
        with MemorySampler(gunicorn_master(port)).running() as memory:
            drive(traffic, rate=RATE, seconds=SECONDS)
        stored = site.query(
            "SELECT count(*) FROM cases_case WHERE description = %s", ["路灯不亮（稳定性测试）"]
        )[0][0]

    record = traffic.record
    samples = sorted(record.samples, key=lambda sample: sample.due)
    ran = samples[-1].due if samples else 0.0
    every = sorted(sample.seconds for sample in samples)
    late = sorted(sample.late for sample in samples)
    p99 = percentile(every, 0.99)
    mix = ", ".join(f"{name} {count}" for name, count in MIX.items())
    print(
        f"\n== soak on {database}: {SECONDS / 60:.0f} min at {RATE:g} requests/s "
        f"(open loop, {len(samples):,} requests), gunicorn {WORKERS} workers × {THREADS} "
        f"threads; {machine}\n"
        f"  mix per {sum(MIX.values())} requests: {mix}\n"
        f"  cases filed {record.cases_filed:,}, taken round to closed {record.cases_closed:,}, "
        f"in the database {stored:,}\n"
        f"  {'kind':<20} {'count':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)"
    )
    for name in MIX:
        of_kind = [sample for sample in samples if sample.kind == name]
        print(f"  {name:<20} {_times(of_kind)}")
    print(f"  {'all':<20} {_times(samples)}")
    print(
        f"  started late: p50 {_ms(percentile(late, 0.5)).strip()} ms, "
        f"p99 {_ms(percentile(late, 0.99)).strip()} ms, max {_ms(late[-1]).strip()} ms"
    )
    window = max(60.0, SECONDS / 6)
    print(
        f"  by window of {window / 60:.0f} min: {'count':>7} {'p50':>7} {'p95':>7} "
        f"{'p99':>7} {'max':>7}"
    )
    start = 0.0
    while start < ran:
        within = [s for s in samples if start <= s.due < start + window]
        print(f"    {start / 60:>4.0f}–{(start + window) / 60:<4.0f} min    {_times(within)}")
        start += window

    print(
        f"  worker memory (RSS, MB): {'pid':>7} {'start':>7} {'warm':>7} {'end':>7} "
        f"{'peak':>7} {'growth':>7} {'MB/h':>7}"
    )
    growths = []
    for pid, points in sorted(memory.series.items()):
        after = [(t, mb) for t, mb in points if t >= WARM_UP]
        if not after:
            continue
        warm = statistics.median(mb for t, mb in after if t < WARM_UP + window)
        end = statistics.median(mb for t, mb in after if t >= after[-1][0] - window)
        growths.append(end - warm)
        print(
            f"    worker          {pid:>7} {points[0][1]:>7.1f} {warm:>7.1f} {end:>7.1f} "
            f"{max(mb for _, mb in points):>7.1f} {end - warm:>+7.1f} "
            f"{_slope_mb_per_hour(after):>+7.1f}"
        )
    flat = bool(growths) and max(growths) <= FLAT_MB
    print(
        f"  targets: p99 {p99 * 1000:.0f} ms < {P99_TARGET_MS} ms "
        f"{'met' if p99 * 1000 < P99_TARGET_MS else 'MISSED'}; memory after the warm-up "
        f"{'flat' if flat else 'NOT flat'} (each worker within {FLAT_MB:g} MB)"
    )
    one, five, fifteen = os.getloadavg()
    print(f"  load average at the end: {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)")
    for failure in record.failures[:10]:
        print(f"    {failure}")

    assert samples, "no request was sent"
    assert record.failures == [], "requests failed"
    assert all(200 <= sample.status < 400 for sample in samples)
    assert stored == record.cases_filed
    assert memory.series, "no worker memory was sampled"
