"""A small closed-loop HTTP load generator, run as its own process so that its work does not
share a Python interpreter (and a GIL) with the server it measures.

    python -m tests.perf.loadgen --port 8123 --path /api/v1/cases --bodies bodies.json \
        --header "X-API-Key: wg_…" --connections 8 --seconds 30 --warmup 3

Each of `--connections` threads holds one keep-alive `http.client` connection to 127.0.0.1 and
sends POSTs one after the other (at most that many requests are in flight), cycling through
the JSON bodies in the file. Requests started during the warm-up are not measured; every run is
bounded by its duration, `--max-requests` and a per-request timeout. Prints one JSON object:
measured count, rate, p50/p99/max latency, errors, and how many 201s the whole run got (warm-up
included) so the caller can check them against the rows in the database.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # loopback only: the generator never talks to another machine


@dataclass
class Recorder:
    """What every thread saw; threads append under the lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    started: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # 0: no answer (connection error)
    error_samples: list[str] = field(default_factory=list)

    def add(self, started: float, latency: float, status: int, error: str = "") -> None:
        with self.lock:
            self.started.append(started)
            self.latencies.append(latency)
            self.statuses.append(status)
            if error and len(self.error_samples) < 5:
                self.error_samples.append(error[:300])


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def drive(
    port: int,
    path: str,
    headers: dict[str, str],
    bodies: list[bytes],
    connections: int,
    warmup: float,
    seconds: float,
    max_requests: int,
    timeout: float,
) -> dict[str, Any]:
    recorder = Recorder()
    sequence = itertools.count()  # next() on a count is atomic under the GIL
    started_at = time.perf_counter()
    measure_from = started_at + warmup
    stop_at = measure_from + seconds
    base_headers = {"Content-Type": "application/json", **headers}

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        try:
            while True:
                number = next(sequence)
                if number >= max_requests or time.perf_counter() >= stop_at:
                    return
                body = bodies[number % len(bodies)]
                sent = time.perf_counter()
                try:
                    connection.request("POST", path, body=body, headers=base_headers)
                    response = connection.getresponse()
                    payload = response.read()
                    status = response.status
                    error = "" if 200 <= status < 300 else f"{status}: {payload[:200]!r}"
                except (OSError, http.client.HTTPException) as exc:
                    status, error = 0, f"{type(exc).__name__}: {exc}"
                    connection.close()  # the next request opens a fresh connection
                recorder.add(sent, time.perf_counter() - sent, status, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 2 * timeout + 5)
    still_running = sum(thread.is_alive() for thread in threads)

    with recorder.lock:
        rows = list(zip(recorder.started, recorder.latencies, recorder.statuses, strict=True))
    measured = [(latency, status) for sent, latency, status in rows if sent >= measure_from]
    window = min(seconds, max(time.perf_counter(), measure_from) - measure_from) or seconds
    ok = sorted(latency for latency, status in measured if 200 <= status < 300)
    all_measured = sorted(latency for latency, _ in measured)
    statuses = Counter(status for _, _, status in rows)
    return {
        "path": path,
        "connections": connections,
        "seconds": round(window, 3),
        "requests": len(measured),
        "ok": len(ok),
        "rate": len(ok) / window,
        "p50_ms": percentile(all_measured, 0.50) * 1000,
        "p99_ms": percentile(all_measured, 0.99) * 1000,
        "max_ms": (all_measured[-1] if all_measured else 0.0) * 1000,
        "errors": len(measured) - len(ok),
        "warmup_requests": len(rows) - len(measured),
        "created_total": statuses.get(201, 0),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "error_samples": recorder.error_samples,
        "threads_still_running": still_running,
    }


def parse_header(text: str) -> tuple[str, str]:
    name, _, value = text.partition(":")
    if not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"not a header: {text!r}")
    return name.strip(), value.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--bodies", type=Path, required=True, help="a JSON list of bodies")
    parser.add_argument("--header", type=parse_header, action="append", default=[])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    options = parser.parse_args(argv)
    bodies = [json.dumps(body).encode() for body in json.loads(options.bodies.read_text())]
    if not bodies:
        parser.error("the bodies file holds no bodies")
    result = drive(
        options.port,
        options.path,
        dict(options.header),
        bodies,
        max(1, min(options.connections, 256)),
        max(0.0, options.warmup),
        max(0.1, min(options.seconds, 600.0)),
        options.max_requests,
        options.timeout,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
