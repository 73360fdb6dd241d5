"""A throw-away Wangge site for the benchmarks: a temporary var/ directory, a database (SQLite
in var/, or a fresh PostgreSQL database `bench_<pid>` dropped afterwards), migrated and loaded
with the demo district, and gunicorn serving it on a free loopback port.

Everything runs in child processes with `DJANGO_SETTINGS_MODULE=tests.perf.bench_settings`,
so the pytest process (configured for the test database) never touches the benchmark
database through Django; it reads it with the plain driver (`BenchSite.query`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[2]
# Where PostgreSQL benchmark databases are created (the server's maintenance database).
POSTGRES_ADMIN_URL = os.environ.get(
    "WANGGE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SQLITE, POSTGRESQL = "sqlite", "postgresql"


class PostgresUnavailable(Exception):
    """No PostgreSQL server answered at `POSTGRES_ADMIN_URL`."""


def _admin_connection() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        raise PostgresUnavailable(f"{POSTGRES_ADMIN_URL}: {error}".strip()) from error


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@dataclass
class BenchSite:
    kind: str
    var_dir: Path
    database_url: str

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.perf.bench_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "WANGGE_VAR_DIR": str(self.var_dir),
            "WANGGE_DATABASE_URL": self.database_url,
            "WANGGE_DEBUG": "false",
            "WANGGE_LOG_LEVEL": "WARNING",
        }

    def run(self, args: Sequence[str], *, timeout: float = 600) -> str:
        """Run a child process in the site's environment; its stdout, or an error with both
        streams when it fails."""
        done = subprocess.run(
            list(args),
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:4])} … exited {done.returncode}\n"
                f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def wangge(self, *args: str, timeout: float = 600) -> str:
        return self.run([str(Path(sys.executable).with_name("wangge")), *args], timeout=timeout)

    def python_module(self, module: str, *args: str, timeout: float = 600) -> str:
        return self.run([sys.executable, "-m", module, *args], timeout=timeout)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read statement, through the plain driver (no Django here)."""
        if self.kind == SQLITE:
            with contextlib.closing(sqlite3.connect(self.var_dir / "wangge.sqlite3")) as db:
                return db.execute(statement.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.database_url, connect_timeout=5) as db:
            return db.execute(statement, params).fetchall()

    def database_version(self) -> str:
        if self.kind == SQLITE:
            return f"SQLite {self.query('SELECT sqlite_version()')[0][0]} (WAL)"
        return " ".join(self.query("SELECT version()")[0][0].split()[:2])

    def grid_boundaries(self) -> list[tuple[str, dict]]:
        rows = self.query(
            "SELECT code, boundary FROM org_orgunit WHERE kind = 'grid' AND is_active ORDER BY code"
        )
        return [(code, json.loads(b) if isinstance(b, str) else b) for code, b in rows]


@contextlib.contextmanager
def bench_site(kind: str, *, demo: bool = True) -> Iterator[BenchSite]:
    """A migrated site (with the demo district unless `demo=False`), removed afterwards even
    when the benchmark fails. Raises PostgresUnavailable before creating anything."""
    admin = None
    name = f"bench_{os.getpid()}"
    if kind == POSTGRESQL:
        admin = _admin_connection()
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    var_dir = Path(tempfile.mkdtemp(prefix=f"wangge-bench-{kind}-"))
    if kind == POSTGRESQL:
        url = _with_database(POSTGRES_ADMIN_URL, name)
    else:
        url = f"sqlite:///{var_dir / 'wangge.sqlite3'}"
    site = BenchSite(kind, var_dir, url)
    try:
        site.wangge("migrate", "--no-input", "--verbosity", "0")
        if demo:
            site.wangge("demo")
        yield site
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if admin is not None:
            with admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def machine_note() -> str:
    """CPUs and load now: figures from a busy machine read low, so the header says so."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.2f} (1 min) / {five:.2f} (5 min) at start"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(site: BenchSite, *, workers: int = 2, threads: int = 4) -> Iterator[int]:
    """gunicorn serving the site on 127.0.0.1 (the same worker setup as `make demo`); yields
    the port once /healthz answers, and stops the server (its whole process group) after."""
    port = free_port()
    log_path = site.var_dir / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "wangge.wsgi:application",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--keep-alive=5",
        "--graceful-timeout=5",
        "--log-level=warning",
    ]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command,
            cwd=REPO,
            env=site.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not come up:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
