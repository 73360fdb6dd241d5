"""The long API fuzzing run: schemathesis against gunicorn serving a throw-away site with the
demo district (see `bench_server`), many more requests per operation than the short run in
`make test` (tests/security/test_api_fuzz.py), valid and schema-violating, as the demo's
administrator of 蓬江区, its grid worker and an anonymous client. Path parameters are often
filled with the demo's real case numbers, unit codes and record ids.

Prints how many operations and requests ran, the statuses answered and every finding; asserts
that there are none. `WANGGE_FUZZ_EXAMPLES` sets the administrator's examples per operation and
mode (default 60; the grid worker gets 2/5 of that, the anonymous client 1/12). SQLite only:
the short run already runs on both databases in CI.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from tests.perf.bench_server import SQLITE, BenchSite, bench_site, gunicorn, machine_note
from tests.security.fuzzing import Persona, fuzz_api

EXAMPLES = int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "60"))
SAMPLE = 25  # real values per path parameter


def _api_key(site: BenchSite, name: str, username: str) -> str:
    return site.wangge("apikey", "create", name, "--user", username).strip().splitlines()[-1]


def _sample(site: BenchSite, statement: str) -> list[Any]:
    """The first values of one column, `statement` ending in "ORDER BY 1 LIMIT %s"."""
    return [row[0] for row in site.query(statement, (SAMPLE,))]


def _known_ids(site: BenchSite) -> dict[str, list[Any]]:
    uids = _sample(site, "SELECT uid FROM cases_attachment ORDER BY 1 LIMIT %s")
    return {
        "code": _sample(site, "SELECT code FROM org_orgunit ORDER BY 1 LIMIT %s")
        + _sample(site, "SELECT code FROM cases_category ORDER BY 1 LIMIT %s"),
        "number": _sample(site, "SELECT number FROM cases_case ORDER BY 1 LIMIT %s"),
        "uid": [str(uuid.UUID(str(uid))) for uid in uids],
        "person_id": _sample(site, "SELECT id FROM people_person ORDER BY 1 LIMIT %s"),
        "house_id": _sample(site, "SELECT id FROM people_house ORDER BY 1 LIMIT %s"),
        "residence_id": _sample(site, "SELECT id FROM people_residence ORDER BY 1 LIMIT %s"),
    }


def test_the_api_answers_as_documented_under_a_long_fuzzing_run():
    with bench_site(SQLITE) as site:
        personas = [
            Persona(
                "administrator", {"X-API-Key": _api_key(site, "fuzz admin", "admin")}, EXAMPLES
            ),
            Persona(
                "grid worker",
                {"X-API-Key": _api_key(site, "fuzz grid worker", "gridworker")},
                max(1, EXAMPLES * 2 // 5),
            ),
            Persona("anonymous", {}, max(1, EXAMPLES // 12)),
        ]
        known_ids = _known_ids(site)
        with gunicorn(site) as port:
            started = time.monotonic()
            report = fuzz_api(f"http://127.0.0.1:{port}", personas, known_ids=known_ids)
            seconds = time.monotonic() - started

        print(f"\nAPI fuzzing, {site.database_version()}, gunicorn; {machine_note()}")
        print(
            "examples per operation and mode: "
            + ", ".join(f"{p.name} {p.examples}" for p in personas)
            + "; real values: "
            + ", ".join(f"{name} {len(values)}" for name, values in known_ids.items())
        )
        print(f"{seconds:.0f} s, {report.requests / seconds:.0f} requests/s")
        print(report.summary())
        assert not report.findings, report.summary()
