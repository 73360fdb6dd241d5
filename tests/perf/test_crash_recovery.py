"""Crash test: the server killed (SIGKILL, master and workers) again and again under load loses
nothing that was answered and writes nothing twice, on SQLite and on PostgreSQL.

Run with `make bench`, or `.venv/bin/pytest tests/perf/test_crash_recovery.py -s -o addopts=`.
A fresh demo site per database (see `bench_server`), gunicorn with 2 sync workers on loopback,
and `crash_load`'s clients (4 threads, at most 80 requests/s together) filing cases with unique
Idempotency-Keys and taking them round the loop as the demo accounts. After 3–7 s of service the
whole process group is killed and started again a second later, `WANGGE_CRASH_KILLS` times (6):
about a minute. The clients retry what got no answer; afterwards the database is checked
against everything they saw answered (`crash_load.check_database`). Prints requests, answers,
kills, cases and violations; asserts there are none of those, nor unexpected answers.
"""

from __future__ import annotations

import contextlib
import os
import random
import time

import pytest

from tests.perf.bench_server import (
    POSTGRESQL,
    SQLITE,
    PostgresUnavailable,
    bench_site,
    machine_note,
)
from tests.perf.crash_load import (
    Server,
    api_keys,
    check_database,
    point_in_grid,
    running_clients,
    site_env,
)

KILLS = int(os.environ.get("WANGGE_CRASH_KILLS", "6"))
CLIENTS = 4
RATE = 80.0  # requests per second, all clients together
WORKERS = 2
# Seconds of service between a restart and the next kill, drawn from a seeded generator so
# kills land at varied points of the requests and every run kills at the same moments.
UP_SECONDS = (3.0, 7.0)
DOWN_SECONDS = 1.0  # between the kill and the restart
QUIET_SECONDS = 5.0  # after the last restart, in which every doubt is settled
SEED = 20260101


@pytest.mark.parametrize("kind", [SQLITE, POSTGRESQL])
def test_killing_the_server_under_load_loses_and_doubles_nothing(kind: str) -> None:
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(bench_site(kind))
        except PostgresUnavailable as error:
            pytest.skip(f"PostgreSQL is unreachable, so no PostgreSQL figures: {error}")
        keys = api_keys(site)
        point = point_in_grid(site)
        database, machine = site.database_version(), machine_note()
        server = stack.enter_context(Server(site_env(site), site.var_dir / "gunicorn.log"))
        restarts: list[float] = []
        chance = random.Random(SEED)
        began = time.monotonic()
        with running_clients(CLIENTS, server.port, keys, point, rate=RATE) as (ledger, _stop):
            for _kill in range(KILLS):
                time.sleep(chance.uniform(*UP_SECONDS))
                server.kill()
                time.sleep(DOWN_SECONDS)
                restarts.append(server.start())
            time.sleep(QUIET_SECONDS)
        ran = time.monotonic() - began
        verdict = check_database(site, ledger)

    statuses = ", ".join(
        f"{status or 'none'}: {n:,}" for status, n in sorted(ledger.statuses.items())
    )
    print(
        f"\n== crash recovery on {database}: gunicorn {WORKERS} sync workers, {CLIENTS} clients "
        f"at most {RATE:g} requests/s, {ran:.0f} s; SIGKILL of master and workers after "
        f"{UP_SECONDS[0]:g}–{UP_SECONDS[1]:g} s of service, restart {DOWN_SECONDS:g} s later; "
        f"{machine}\n"
        f"  requests sent            {ledger.sent:>8,}\n"
        f"  answered 2xx             {ledger.successes:>8,}\n"
        f"  errors / unanswered      {ledger.failures:>8,}   ({statuses})\n"
        f"  kills                    {server.kills:>8}   restart to healthy "
        f"{min(restarts):.1f}–{max(restarts):.1f} s\n"
        f"  cases filed              {verdict.cases:>8,}   ({len(ledger.intakes):,} intakes "
        f"answered, {ledger.replays} of them replays of a lost first answer)\n"
        f"  actions answered         {len(ledger.actions):>8,}   ({ledger.found_committed} "
        f"found committed after a lost answer, {ledger.retried_into_409} retries refused 409)\n"
        f"  events of these cases    {verdict.events:>8,}   (all cases checked: "
        f"{verdict.all_cases:,})\n"
        f"  unexpected answers       {len(ledger.anomalies):>8}\n"
        f"  unsettled requests       {len(ledger.unresolved):>8}\n"
        f"  violations               {len(verdict.violations):>8}"
    )
    for line in [*ledger.anomalies[:5], *ledger.unresolved[:5], *verdict.violations[:10]]:
        print(f"    {line}")
    assert server.kills == KILLS
    assert verdict.cases > 0 and ledger.actions
    assert verdict.violations == []
    assert ledger.anomalies == []
    assert ledger.unresolved == []
