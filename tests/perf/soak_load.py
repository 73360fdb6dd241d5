"""The soak test's traffic and its watchers: signed-in sessions for the pages, an open-loop
scheduler that starts requests of a fixed mix at a steady rate whatever the answers take, the
cases it files taken round the loop one action at a time, and a sampler of each gunicorn
worker's resident memory.

Open loop on purpose: a client that waits for each answer before sending the next slows down
with the server and hides its slow moments ("coordinated omission"). Here request i is due at
`start + i / rate`; a pool of threads sends it, and how late it started is recorded beside how
long it took.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.perf.crash_load import (
    API,
    CATEGORY,
    HOST,
    STEPS,
    Answer,
    fetch,
    multipart,
    photo,
)

PASSWORD = "wangge-demo"  # the demo accounts' password (wangge.demo.loader.DEMO_PASSWORD)
# Who opens which page: the accounts of the demo, each in their own session.
PAGE_ACCOUNTS = ("gridworker", "dispatcher", "handler", "leader")
# The mix, as request kinds and how many of each in every block of 17 requests: one case filed
# for the six actions that take a case round the loop, so cases are closed as fast as filed.
MIX: dict[str, int] = {
    "intake": 1,  # POST /api/v1/cases by the grid worker
    "action": 6,  # the next step of a case in flight (the finish step uploads a photo first)
    "queue": 3,  # GET /api/v1/my/queue and its counts, by the dispatcher or the handler
    "case": 2,  # GET /api/v1/cases/{number}
    "my work page": 2,  # /cases/my/ of the grid worker, dispatcher or handler
    "dispatch console": 1,  # /cases/dispatch/ of the dispatcher
    "dashboard": 1,  # /analytics/ of the leader, the last 30 days of the district
    "public report page": 1,  # /public/report/, no account
}
POOL_THREADS = 16
SEED = 20261124


class Session:
    """A signed-in browser: the login form posted with its CSRF token, cookies kept."""

    def __init__(self, port: int, username: str) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        form = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body or "")
        if form.status != 200 or token is None:
            raise RuntimeError(f"no login form for {username}: {form.status}")
        body = urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
        )
        answer = self.request(
            "POST",
            "/accounts/login/",
            body.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in: {answer.status}")

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Answer:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.monotonic()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(
                method,
                path,
                body=body,
                headers={"Cookie": cookie, "Accept-Language": "zh-hans", **(headers or {})},
            )
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            return Answer(0, None, time.monotonic() - started, f"{type(error).__name__}: {error}")
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, cookie_value = pair.partition("=")
                self.cookies[key.strip()] = cookie_value
        text = raw.decode(errors="replace")
        return Answer(response.status, text, time.monotonic() - started)


@dataclass
class Sample:
    kind: str
    due: float  # monotonic seconds since the start when the scheduler meant to send it
    late: float  # how much later it was sent
    seconds: float  # how long the answer took
    status: int


@dataclass
class Record:
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    cases_filed: int = 0
    cases_closed: int = 0

    def add(self, sample: Sample, failure: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if failure and len(self.failures) < 20:
                self.failures.append(failure)


class Traffic:
    """The request kinds of the mix, each one function that sends one request (two for a
    finish: the photo, then the step) and records what it saw."""

    def __init__(self, port: int, keys: dict[str, str], point: tuple[float, float]) -> None:
        self.port, self.keys, self.point = port, keys, point
        self.sessions = {account: Session(port, account) for account in PAGE_ACCOUNTS}
        self.record = Record()
        self.in_flight: deque[tuple[str, int, int]] = deque()  # (number, version, next step)
        self.in_flight_lock = threading.Lock()
        self.numbers: deque[str] = deque(maxlen=500)  # recent cases, for the reads
        self.photo = photo()
        self.turns = itertools.count()
        self.began = time.monotonic()

    # --- sending ------------------------------------------------------------------------------

    def api(self, account: str, method: str, path: str, body: Any = None) -> Answer:
        headers = {"X-API-Key": self.keys[account]}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return fetch(self.port, method, f"{API}{path}", body=data, headers=headers, timeout=30)

    def run(self, kind: str, due: float) -> None:
        late = time.monotonic() - self.began - due
        handler: Callable[[], tuple[Answer, str]] = getattr(self, "_" + kind.replace(" ", "_"))
        try:
            answer, what = handler()
        except Exception as error:  # a bug in the client must show, not stop the run
            self.record.add(Sample(kind, due, late, 0.0, -1), f"{kind}: {error!r}")
            return
        failure = "" if 200 <= answer.status < 400 else f"{what}: {answer.status} {answer.error}"
        if failure and answer.body:
            failure += f" {str(answer.body)[:200]}"
        self.record.add(Sample(kind, due, late, answer.seconds, answer.status), failure)

    def _intake(self) -> tuple[Answer, str]:
        lon, lat = self.point
        body = {
            "category": CATEGORY,
            "description": "路灯不亮（稳定性测试）",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13800000000",
        }
        answer = self.api("gridworker", "POST", "/cases", body)
        if answer.ok:
            number = answer.body["number"]
            with self.in_flight_lock:
                self.in_flight.append((number, answer.body["version"], 0))
                self.record.cases_filed += 1
            self.numbers.append(number)
        return answer, "intake"

    def _action(self) -> tuple[Answer, str]:
        with self.in_flight_lock:
            taken = self.in_flight.popleft() if self.in_flight else None
        if taken is None:  # nothing to move yet: read a queue instead
            return self._queue()
        number, version, step = taken
        action, account, body = STEPS[step]
        if action == "finish":
            content, boundary = multipart("file", "result.jpg", self.photo, "image/jpeg")
            upload = fetch(
                self.port,
                "POST",
                f"{API}/attachments",
                body=content,
                headers={
                    "X-API-Key": self.keys["handler"],
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
                timeout=30,
            )
            if not upload.ok:
                return upload, f"upload for {number}"
            body = {**body, "attachments": [upload.body["uid"]]}
        answer = self.api(
            account, "POST", f"/cases/{number}/{action}", {**body, "version": version}
        )
        if answer.ok:
            with self.in_flight_lock:
                if step + 1 < len(STEPS):
                    self.in_flight.append((number, answer.body["version"], step + 1))
                else:
                    self.record.cases_closed += 1
        return answer, f"{action} {number}"

    def _queue(self) -> tuple[Answer, str]:
        turn = next(self.turns)
        account = ("dispatcher", "handler")[turn % 2]
        path = "/my/queue/counts" if turn % 3 == 0 else "/my/queue"
        return self.api(account, "GET", path), f"{account} {path}"

    def _case(self) -> tuple[Answer, str]:
        numbers = list(self.numbers)
        if not numbers:
            return self._queue()
        number = random.Random(next(self.turns)).choice(numbers)
        return self.api("dispatcher", "GET", f"/cases/{number}"), f"case {number}"

    def _my_work_page(self) -> tuple[Answer, str]:
        account = ("gridworker", "dispatcher", "handler")[next(self.turns) % 3]
        return self.sessions[account].get("/cases/my/"), f"my work of {account}"

    def _dispatch_console(self) -> tuple[Answer, str]:
        return self.sessions["dispatcher"].get("/cases/dispatch/"), "dispatch console"

    def _dashboard(self) -> tuple[Answer, str]:
        return self.sessions["leader"].get("/analytics/"), "dashboard"

    def _public_report_page(self) -> tuple[Answer, str]:
        return fetch(self.port, "GET", "/public/report/", timeout=30), "public report page"


def schedule(seed: int = SEED) -> Iterator[str]:
    """The kinds in a shuffled order, each block holding the mix exactly."""
    chance = random.Random(seed)
    block = [kind for kind, count in MIX.items() for _ in range(count)]
    while True:
        chance.shuffle(block)
        yield from block


def drive(traffic: Traffic, *, rate: float, seconds: float) -> None:
    """Start request i at began + i / rate until `seconds` have passed; wait for the last."""
    kinds = schedule()
    with ThreadPoolExecutor(max_workers=POOL_THREADS) as pool:
        traffic.began = time.monotonic()
        for i in itertools.count():
            due = i / rate
            if due >= seconds:
                break
            pause = traffic.began + due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(traffic.run, next(kinds), due)


# --- memory -----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def gunicorn_master(port: int) -> int:
    """The gunicorn master serving `port` (the benchmark server does not hand out its pid)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            words = cmdline.read_bytes().split(b"\0")
            if b"gunicorn" in b" ".join(words) and f"127.0.0.1:{port}".encode() in b" ".join(words):
                pid = int(cmdline.parent.name)
                if _children(pid):
                    return pid
    raise RuntimeError(f"no gunicorn master found for port {port}")


@dataclass
class MemorySampler:
    """Every `every` seconds, the resident memory of each worker of the master (by pid)."""

    master: int
    every: float = 10.0
    series: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        began = time.monotonic()
        while not self.stop.wait(0 if not self.series else self.every):
            now = time.monotonic() - began
            for pid in _children(self.master):
                rss = _rss_mb(pid)
                if rss is not None:
                    self.series.setdefault(pid, []).append((now, rss))

    @contextlib.contextmanager
    def running(self) -> Iterator[MemorySampler]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            thread.join(timeout=self.every + 5)
