"""Database outage under load (PostgreSQL): while the database is away the app says so at once
(/healthz 503, pages and API 503 with Retry-After) instead of hanging, and it recovers by itself
when the database returns, with no restart.

Run with `make bench`, or `.venv/bin/pytest tests/perf/test_database_outage.py -s -o addopts=`.
The machine's PostgreSQL is not stopped: the site reaches it through `tcp_proxy.TcpProxy`, which
the test stops (no listener, every live connection reset) for `WANGGE_OUTAGE_SECONDS` (10) and
starts again. gunicorn (2 sync workers, `WANGGE_DB_CONNECT_TIMEOUT=2`) serves a demo site; a
prober asks /healthz every 0.2 s and 3 clients cycle through an API read, an intake and a
public page. Prints the time to the first 503, the slowest answer while down, the statuses seen,
and the time until /healthz and every request answer 200 again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.perf.bench_server import (
    POSTGRESQL,
    BenchSite,
    PostgresUnavailable,
    bench_site,
    machine_note,
)
from tests.perf.crash_load import API, CATEGORY, Server, api_keys, fetch, point_in_grid, site_env
from tests.perf.tcp_proxy import TcpProxy

UP_SECONDS = 5.0  # before the outage and after it
DOWN_SECONDS = float(os.environ.get("WANGGE_OUTAGE_SECONDS", "10"))
CONNECT_TIMEOUT = 2  # WANGGE_DB_CONNECT_TIMEOUT for the site
CLIENTS = 3
PROBE_EVERY = 0.2
# What "bounded" means here: the connect timeout plus room for a busy machine.
MAX_DOWN_ANSWER_SECONDS = 6.0
MAX_FIRST_503_SECONDS = 6.0
MAX_RECOVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Sample:
    what: str
    started: float
    seconds: float
    status: int  # 0: no answer
    retry_after: bool


class Traffic:
    """Clients and a /healthz prober in threads, each answer kept as a Sample."""

    def __init__(
        self, port: int, keys: dict[str, str], number: str, point: tuple[float, float]
    ) -> None:
        self.port, self.keys, self.number, self.point = port, keys, number, point
        self.samples: list[Sample] = []
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.intakes = itertools.count()
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]
        self.threads.append(threading.Thread(target=self.prober, daemon=True))

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)

    def send(self, what: str, method: str, path: str, account: str = "", body: bytes = b"") -> None:
        headers = {"X-API-Key": self.keys[account]} if account else {}
        if body:
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = f"outage-{next(self.intakes)}"
        started = time.monotonic()
        answer = fetch(self.port, method, path, body=body or None, headers=headers, timeout=30)
        sample = Sample(
            what, started, answer.seconds, answer.status, "Retry-After" in answer.headers
        )
        with self.lock:
            self.samples.append(sample)

    def client(self) -> None:
        lon, lat = self.point
        report = {
            "category": CATEGORY,
            "description": "路灯不亮（数据库中断测试）",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13800000000",
        }
        while not self.stop.is_set():
            self.send("api read", "GET", f"{API}/cases/{self.number}", "dispatcher")
            self.send("intake", "POST", f"{API}/cases", "gridworker", json.dumps(report).encode())
            self.send("page", "GET", "/public/report/")

    def prober(self) -> None:
        while not self.stop.is_set():
            self.send("healthz", "GET", "/healthz")
            time.sleep(PROBE_EVERY)


def through_proxy(site: BenchSite, port: int) -> BenchSite:
    parts = urlsplit(site.database_url)
    credentials, at, _ = parts.netloc.rpartition("@")
    netloc = f"{credentials}{at}127.0.0.1:{port}"
    return dataclasses.replace(site, database_url=urlunsplit(parts._replace(netloc=netloc)))


@pytest.mark.parametrize("kind", [POSTGRESQL])
def test_the_app_answers_503_while_the_database_is_away_and_recovers_by_itself(kind: str) -> None:
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(bench_site(kind))
        except PostgresUnavailable as error:
            pytest.skip(f"PostgreSQL is unreachable, so no outage figures: {error}")
        keys = api_keys(site)
        number = site.query("SELECT number FROM cases_case ORDER BY id LIMIT 1")[0][0]
        point = point_in_grid(site)
        database, machine = site.database_version(), machine_note()
        proxy = stack.enter_context(TcpProxy(urlsplit(site.database_url).port or 5432))
        env = site_env(
            through_proxy(site, proxy.port), WANGGE_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT)
        )
        server = stack.enter_context(Server(env, site.var_dir / "gunicorn.log"))
        assert server.process is not None
        pid = server.process.pid

        with Traffic(server.port, keys, number, point) as traffic:
            time.sleep(UP_SECONDS)
            stopping_at = time.monotonic()
            proxy.stop()
            down_at = time.monotonic()  # every connection is reset by now
            time.sleep(DOWN_SECONDS)
            back_at = time.monotonic()
            proxy.start()
            up_at = time.monotonic()  # accepting connections again
            time.sleep(UP_SECONDS)
        same_server = server.process.pid == pid and server.process.poll() is None
        samples = traffic.samples

    before = [s for s in samples if s.started + s.seconds < stopping_at]
    # Sent and answered while the database was away (one sent just before its return may be
    # served after it).
    down = [s for s in samples if s.started >= down_at and s.started + s.seconds < back_at]
    after = [s for s in samples if s.started >= up_at]
    health_down = [s for s in down if s.what == "healthz"]
    first_503 = min(
        (s.started + s.seconds - down_at for s in health_down if s.status == 503), default=None
    )
    health_back = min(
        (s.started + s.seconds - up_at for s in after if s.what == "healthz" and s.status == 200),
        default=None,
    )
    # From the first answer after the return on, nothing may fail any more.
    failing_after = [s for s in after if s.status != 200 and s.status != 201]
    all_back = max((s.started + s.seconds - up_at for s in failing_after), default=0.0)
    slowest_down = max((s.seconds for s in down), default=0.0)

    print(
        f"\n== database outage on {database} through a TCP proxy: gunicorn 2 sync workers, "
        f"{CLIENTS} clients and a /healthz probe every {PROBE_EVERY:g} s, connect timeout "
        f"{CONNECT_TIMEOUT} s; database away {DOWN_SECONDS:g} s; {machine}\n"
        f"  before: {len(before):,} requests, statuses {dict(statuses(before))}\n"
        f"  down:   {len(down):,} requests, statuses {dict(statuses(down))}\n"
        f"          first /healthz 503 after {fmt(first_503)}; slowest answer {slowest_down:.2f} s "
        f"(per kind: {slowest_by_kind(down)}); Retry-After on "
        f"{sum(s.retry_after for s in down if s.what != 'healthz')}/"
        f"{sum(s.what != 'healthz' for s in down)} non-health answers\n"
        f"  after:  {len(after):,} requests, statuses {dict(statuses(after))}\n"
        f"          /healthz 200 again after {fmt(health_back)}; last failure "
        f"{all_back:.2f} s after the return; same gunicorn, no restart: {same_server}"
    )
    for s in down:
        if s.status != 503:
            print(f"    {s.what} {s.status} sent at +{s.started - down_at:.3f} s")
    assert before and all(s.status in (200, 201) for s in before)
    assert first_503 is not None and first_503 < MAX_FIRST_503_SECONDS
    assert all(s.status == 503 for s in health_down)
    assert slowest_down < MAX_DOWN_ANSWER_SECONDS
    assert all(s.status == 503 and s.retry_after for s in down if s.what != "healthz")
    assert health_back is not None and health_back < MAX_RECOVERY_SECONDS
    assert all_back < MAX_RECOVERY_SECONDS
    assert any(s.what != "healthz" and s.status in (200, 201) for s in after)
    assert same_server


def statuses(samples: list[Sample]) -> Counter[str]:
    return Counter(f"{s.what} {s.status or 'none'}" for s in samples)


def slowest_by_kind(samples: list[Sample]) -> str:
    slowest: dict[str, float] = {}
    for s in samples:
        slowest[s.what] = max(slowest.get(s.what, 0.0), s.seconds)
    return ", ".join(f"{what} {seconds:.2f} s" for what, seconds in sorted(slowest.items()))


def fmt(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.2f} s"
