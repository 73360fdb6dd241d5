"""The Django side of the page benchmark, run in a child process inside a `bench_server` site
whose cases were loaded by `queue_probe load`:

    python -m tests.perf.page_probe [--repetitions 100]

Each page is requested through Django's test client in this process (middleware, view,
template: the server's whole share of a page, without the network), as the demo account that
uses it, and timed. Prints one JSON line: p50/p95 per page, its status and size.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import django

django.setup()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.perf.loadgen import percentile  # noqa: E402
from wangge.cases.models import Case  # noqa: E402
from wangge.core.heap import freeze_long_lived_objects  # noqa: E402
from wangge.core.models import User  # noqa: E402

BUDGET_SECONDS = 20  # per page


def pages() -> list[tuple[str, str, Callable[[], str]]]:
    """(account, label, URL) of every page, the URL computed once the data is there."""
    open_case = Case.objects.filter(state="handling").order_by("-id").first()
    number = open_case.number if open_case else Case.objects.order_by("-id").first().number
    return [
        ("dispatcher", "my work", lambda: reverse("cases:my_work")),
        ("handler", "my work", lambda: reverse("cases:my_work")),
        ("gridworker", "my work", lambda: reverse("cases:my_work")),
        ("dispatcher", "dispatch console", lambda: reverse("cases:dispatch")),
        ("dispatcher", "case list", lambda: reverse("cases:list")),
        ("dispatcher", "case list, text search", lambda: reverse("cases:list") + "?text=路灯"),
        ("dispatcher", "case detail", lambda: reverse("cases:detail", args=[number])),
        ("gridworker", "report a case", lambda: reverse("cases:report")),
        ("leader", "dashboard (30 days)", lambda: reverse("analytics:dashboard")),
        (
            "leader",
            "dashboard (a year)",
            lambda: reverse("analytics:dashboard") + "?first=2025-11-24&last=2026-11-23",
        ),
        ("", "public home", lambda: reverse("public:home")),
        ("", "public lookup", lambda: reverse("public:lookup")),
        ("", "public report", lambda: reverse("public:report")),
    ]


def timed(client: Client, url: str, repetitions: int) -> dict[str, Any]:
    response = client.get(url)
    for _ in range(3):  # warm-up: templates compiled, caches filled
        client.get(url)
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < repetitions and (
        len(samples) < 10 or time.perf_counter() - started < BUDGET_SECONDS
    ):
        began = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - began)
    samples.sort()
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "runs": len(samples),
        "p50_ms": percentile(samples, 0.5) * 1000,
        "p95_ms": percentile(samples, 0.95) * 1000,
    }


def measure(repetitions: int) -> dict[str, Any]:
    freeze_long_lived_objects()  # as wangge/wsgi.py does in every server process
    results = []
    clients: dict[str, Client] = {}
    for username, label, url in pages():
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client(HTTP_HOST="127.0.0.1")
            if username:
                client.force_login(User.objects.get(username=username))
        results.append(
            {"user": username or "resident", "page": label, **timed(client, url(), repetitions)}
        )
    return {"cases": Case.objects.count(), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=100)
    options = parser.parse_args()
    print(json.dumps(measure(options.repetitions)))


if __name__ == "__main__":
    main()
