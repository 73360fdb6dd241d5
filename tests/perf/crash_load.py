"""What the crash and outage tests share: a gunicorn server they may kill and start again, an
API client that records every answer, the clients that take cases round the loop while the
server dies under them, and the check of the database afterwards.

A client files a case with a unique Idempotency-Key and takes it through accept → dispatch →
sign → finish → verify → close with the demo accounts, each action sent with the version it
read. An unanswered request (connection refused or reset, timeout, 5xx) is retried: an intake
with the same key (the server answers the first case again), an action after reading the case
again, because the lost attempt may have committed; then the case already shows the action
at the expected sequence number, and a retry would be refused with 409, which is right.
Everything a client saw answered 2xx, or found committed, goes into the `Ledger` that
`check_database` compares with the rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from PIL import Image
from shapely.geometry import shape

from tests.perf.bench_server import REPO, BenchSite, free_port

HOST = "127.0.0.1"  # loopback only
API = "/api/v1"
SETTINGS = "tests.perf.reliability_settings"
GRID = "440703006107001"  # 石冲社区第1网格, the demo `gridworker`'s grid (wangge.demo.cases)
DEPARTMENT = "D440703CG"  # 城管局, the demo `handler`'s department
CATEGORY = "C0104"  # 路灯
ACCOUNTS = ("gridworker", "dispatcher", "handler")
REPORTER = "gridworker"
READER = "dispatcher"  # sees every case of the district, whatever its state
# The loop after the report: (action, account, body besides the version).
STEPS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("accept", "dispatcher", {}),
    ("dispatch", "dispatcher", {"department": DEPARTMENT}),
    ("sign", "handler", {}),
    ("finish", "handler", {"note": "已修复，路灯恢复照明"}),
    ("verify", "gridworker", {"note": "现场核查，路灯已亮"}),
    ("close", "dispatcher", {}),
)
LOOP = ("report", *(action for action, _, _ in STEPS))
REQUEST_TIMEOUT = 10.0
RETRY_PAUSE = 0.25


def site_env(site: BenchSite, **extra: str) -> dict[str, str]:
    return {**site.env, "DJANGO_SETTINGS_MODULE": SETTINGS, **extra}


def point_in_grid(site: BenchSite, code: str = GRID) -> tuple[float, float]:
    boundary = dict(site.grid_boundaries())[code]
    point = shapely.make_valid(shape(boundary)).representative_point()
    return round(point.x, 6), round(point.y, 6)


# --- the server -------------------------------------------------------------------------------


class Server:
    """gunicorn with sync workers on one loopback port, in its own process group so that a kill
    takes the master and every worker at once, as a crash of the machine's service would."""

    def __init__(self, env: Mapping[str, str], log_path: Path, *, workers: int = 2) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> float:
        """Start gunicorn; returns the seconds until /healthz answers 200."""
        started = time.monotonic()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "wangge.wsgi:application",
            "--worker-class=sync",
            f"--workers={self.workers}",
            f"--bind={HOST}:{self.port}",
            "--timeout=30",
            "--graceful-timeout=5",
            "--log-level=warning",
        ]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while fetch(self.port, "GET", "/healthz", timeout=2).status != 200:
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"gunicorn did not come up:\n{self.log_tail()}")
            time.sleep(0.1)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL to the whole process group: no worker finishes its request."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def log_tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]


# --- one request ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    body: Any
    seconds: float
    error: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def lost(self) -> bool:
        """No answer, or the server failing: the request may or may not have taken effect."""
        return self.status == 0 or self.status >= 500


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Answer:
    """One request on a fresh connection (sync workers close it after each answer anyway)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        return Answer(0, None, time.monotonic() - started, f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw[:300].decode(errors="replace")
    seconds = time.monotonic() - started
    return Answer(response.status, parsed, seconds, headers=dict(response.getheaders()))


def photo() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 220, 235))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return output.getvalue()


def multipart(name: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients sent and saw; threads write under the lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    keys_sent: set[str] = field(default_factory=set)
    intakes: dict[str, str] = field(default_factory=dict)  # key -> number, from a 2xx
    replays: int = 0  # intakes answered with the case of an earlier attempt
    # (number, seq, action): answered 2xx, or found committed after a lost answer.
    actions: list[tuple[str, int, str]] = field(default_factory=list)
    found_committed: int = 0
    retried_into_409: int = 0
    anomalies: list[str] = field(default_factory=list)  # answers that should not happen
    unresolved: list[str] = field(default_factory=list)  # lost requests never settled

    def count(self, answer: Answer) -> None:
        with self.lock:
            self.sent += 1
            self.statuses[answer.status] += 1

    def note(self, attribute: str, item: str) -> None:
        with self.lock:
            getattr(self, attribute).append(item)

    @property
    def successes(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def failures(self) -> int:
        return self.sent - self.successes


class Client:
    """Takes cases round the loop, one at a time, until `stop` is set; a request in doubt is
    settled before the client stops (until `give_up_at`)."""

    def __init__(
        self,
        name: str,
        port: int,
        keys: Mapping[str, str],
        point: tuple[float, float],
        ledger: Ledger,
        pace: Pace,
        stop: threading.Event,
        give_up_at: float,
    ) -> None:
        self.name, self.port, self.keys, self.point = name, port, keys, point
        self.ledger, self.pace, self.stop, self.give_up_at = ledger, pace, stop, give_up_at
        self.photo = photo()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            case = self.file_case(f"{self.name}-{number}")
            if case is None:
                continue
            case_number, version = case
            for action, account, body in STEPS:
                if self.stop.is_set():
                    break
                if action == "finish":
                    uid = self.upload()
                    if uid is None:
                        break
                    body = {**body, "attachments": [uid]}
                version = self.act(case_number, version, action, account, body)
                if version is None:
                    break

    def request(self, account: str, method: str, path: str, **options: Any) -> Answer:
        self.pace.wait()
        headers = {"X-API-Key": self.keys[account], **options.pop("headers", {})}
        answer = fetch(self.port, method, f"{API}{path}", headers=headers, **options)
        self.ledger.count(answer)
        return answer

    def post_json(self, account: str, path: str, body: dict, **headers: str) -> Answer:
        data = json.dumps(body).encode()
        return self.request(
            account,
            "POST",
            path,
            body=data,
            headers={"Content-Type": "application/json", **headers},
        )

    def retrying(self) -> bool:
        if time.monotonic() > self.give_up_at:
            return False
        time.sleep(RETRY_PAUSE)
        return True

    def file_case(self, key: str) -> tuple[str, int] | None:
        lon, lat = self.point
        body = {
            "category": CATEGORY,
            "description": f"路灯不亮（崩溃测试 {key}）",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13800000000",
        }
        with self.ledger.lock:
            self.ledger.keys_sent.add(key)
        while True:
            answer = self.post_json(REPORTER, "/cases", body, **{"Idempotency-Key": key})
            if answer.ok:
                number = answer.body["number"]
                with self.ledger.lock:
                    self.ledger.intakes[key] = number
                    self.ledger.replays += answer.status == 200
                return number, answer.body["version"]
            if not answer.lost:
                self.ledger.note("anomalies", f"intake {key}: {answer.status} {answer.body}")
                return None
            if not self.retrying():
                self.ledger.note("unresolved", f"intake {key}")
                return None

    def upload(self) -> str | None:
        content, boundary = multipart("file", "result.jpg", self.photo, "image/jpeg")
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        while True:
            # A lost upload leaves at most an unused file behind: send another.
            answer = self.request("handler", "POST", "/attachments", body=content, headers=headers)
            if answer.ok:
                return answer.body["uid"]
            if not answer.lost:
                self.ledger.note("anomalies", f"upload: {answer.status} {answer.body}")
                return None
            if not self.retrying():
                return None

    def act(
        self, number: str, version: int, action: str, account: str, body: dict[str, Any]
    ) -> int | None:
        """Send `action` as seen at `version`; the version after it, or None to drop the case."""
        in_doubt = False
        while True:
            answer = self.post_json(
                account, f"/cases/{number}/{action}", {**body, "version": version}
            )
            if answer.ok:
                if answer.body["version"] != version + 1:
                    self.ledger.note("anomalies", f"{number} {action}: {answer.body['version']}")
                with self.ledger.lock:
                    self.ledger.actions.append((number, version + 1, action))
                return version + 1
            if not (answer.lost or (in_doubt and answer.status == 409)):
                self.ledger.note("anomalies", f"{number} {action}: {answer.status} {answer.body}")
                return None
            if answer.status == 409:
                with self.ledger.lock:
                    self.ledger.retried_into_409 += 1
            in_doubt = True
            timeline = self.read(number)
            if timeline is None:
                self.ledger.note("unresolved", f"{number} {action}")
                return None
            if len(timeline) == version:  # the lost attempt did not commit: send it again
                if not self.retrying():
                    self.ledger.note("unresolved", f"{number} {action}")
                    return None
                continue
            committed = timeline[version] if len(timeline) > version else None
            if committed == (version + 1, action):
                with self.ledger.lock:
                    self.ledger.actions.append((number, version + 1, action))
                    self.ledger.found_committed += 1
                return version + 1
            self.ledger.note("anomalies", f"{number} {action} at v{version}: log {timeline}")
            return None

    def read(self, number: str) -> list[tuple[int, str]] | None:
        """The case's log as (seq, action), read until the server answers."""
        while True:
            answer = self.request(READER, "GET", f"/cases/{number}")
            if answer.ok:
                return [(event["seq"], event["action"]) for event in answer.body["timeline"]]
            if not answer.lost or not self.retrying():
                return None


class Pace:
    """Bounds the rate of all clients together: one request per 1/rate seconds at most."""

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self.lock = threading.Lock()
        self.next_at = time.monotonic()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_at)
            self.next_at = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@contextlib.contextmanager
def running_clients(
    count: int,
    port: int,
    keys: Mapping[str, str],
    point: tuple[float, float],
    *,
    rate: float,
    settle_seconds: float = 60,
) -> Iterator[tuple[Ledger, threading.Event]]:
    """`count` client threads; set the event to stop them, and leaving waits for them."""
    ledger, stop, pace = Ledger(), threading.Event(), Pace(rate)
    run_id = uuid.uuid4().hex[:8]
    clients = [
        Client(f"crash-{run_id}-{n}", port, keys, point, ledger, pace, stop, float("inf"))
        for n in range(count)
    ]
    threads = [threading.Thread(target=client.run, daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    try:
        yield ledger, stop
    finally:
        give_up_at = time.monotonic() + settle_seconds
        for client in clients:
            client.give_up_at = give_up_at
        stop.set()
        for thread in threads:
            thread.join(timeout=max(0.0, give_up_at - time.monotonic()) + 2 * REQUEST_TIMEOUT)
        stuck = sum(thread.is_alive() for thread in threads)
        if stuck:
            ledger.note("unresolved", f"{stuck} client threads did not stop")


# --- the check --------------------------------------------------------------------------------


def intake_key(user_id: int, key: str) -> str:
    """As `wangge.cases.services.intake.intake_key` stores an Idempotency-Key of that account."""
    return hashlib.sha256(f"{user_id}\x00{key}".encode()).hexdigest()


@dataclass
class Verdict:
    cases: int  # cases the run filed
    events: int
    all_cases: int
    violations: list[str]


def check_database(site: BenchSite, ledger: Ledger) -> Verdict:
    """Every answered intake is one case, every case's state is its log's last `to_state` with
    seq 1..n and version n, every answered action is in the log at its seq, and no run case
    took a step twice or out of order."""
    violations: list[str] = []
    reporter_id = site.query("SELECT id FROM core_user WHERE username = %s", [REPORTER])[0][0]
    by_key = dict(
        site.query("SELECT intake_key, number FROM cases_case WHERE intake_key IS NOT NULL")
    )
    for key, number in sorted(ledger.intakes.items()):
        stored = by_key.get(intake_key(reporter_id, key))
        if stored != number:
            violations.append(f"intake {key}: answered {number}, database holds {stored}")
    ours = {intake_key(reporter_id, key) for key in ledger.keys_sent}
    strangers = sorted(number for key, number in by_key.items() if key not in ours)
    if strangers:
        violations.append(f"cases filed under keys nobody sent: {strangers[:5]}")
    unanswered = {
        by_key[hashed]
        for key in ledger.keys_sent - ledger.intakes.keys()
        if (hashed := intake_key(reporter_id, key)) in by_key
    }
    if unanswered:
        violations.append(f"cases whose intake was never answered 2xx: {sorted(unanswered)[:5]}")

    rows = site.query(
        """
        SELECT c.number, c.state, c.version, count(e.id), coalesce(min(e.seq), 0),
               coalesce(max(e.seq), 0),
               (SELECT last.to_state FROM cases_caseevent last
                 WHERE last.case_id = c.id ORDER BY last.seq DESC LIMIT 1)
          FROM cases_case c LEFT JOIN cases_caseevent e ON e.case_id = c.id
         GROUP BY c.id, c.number, c.state, c.version
        """
    )
    for number, state, version, count, first, last, last_state in rows:
        if count == 0 or first != 1 or last != count:
            violations.append(f"{number}: events seq {first}..{last} for {count} events")
        if version != count:
            violations.append(f"{number}: version {version} with {count} events")
        if state != last_state:
            violations.append(f"{number}: state {state}, last event to {last_state}")

    logs: dict[str, list[tuple[int, str]]] = {}
    events = 0
    for number, seq, action in site.query(
        """
        SELECT c.number, e.seq, e.action FROM cases_case c
          JOIN cases_caseevent e ON e.case_id = c.id
         WHERE c.intake_key IS NOT NULL ORDER BY c.number, e.seq
        """
    ):
        logs.setdefault(number, []).append((seq, action))
        events += 1
    for number, seq, action in ledger.actions:
        if (seq, action) not in logs.get(number, []):
            violations.append(f"{number}: {action} answered 2xx as seq {seq}, not in the log")
    for number, log in logs.items():
        actions = tuple(action for _, action in log)
        if actions != LOOP[: len(actions)]:
            violations.append(f"{number}: log {actions} is not the loop in order, once each")
    return Verdict(len(by_key), events, len(rows), violations)


def api_keys(site: BenchSite) -> dict[str, str]:
    """An API key for each demo account the clients act as."""
    return {
        account: site.wangge("apikey", "create", f"crash {account}", "--user", account).split()[-1]
        for account in ACCOUNTS
    }
