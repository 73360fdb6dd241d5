"""`wangge worker`: the background worker, running the periodic jobs and the queued tasks.

    wangge worker                 run until SIGTERM or Ctrl-C
    wangge worker --once          run every periodic job once and every ready task, then exit
                                  (tests and cron)
    wangge worker --interval 2    seconds between looks at an empty task queue (default 1)

One loop in the main thread. Each turn runs the periodic jobs that are due (declared by the
apps, see `wangge.core.jobs`), then the ready tasks of django-tasks-db's queue through that
package's own `Worker` in batch mode, so tasks are claimed, run and recorded exactly as its
`db_worker` does; a turn runs at most `TASKS_PER_TURN` tasks so a long queue never holds back
the periodic jobs, and an idle worker sleeps `--interval` between turns. One thread keeps
database connections and signals simple; for more throughput run several workers side by side:
django-tasks-db claims each task for one worker, and every periodic job claims its rows by
compare-and-set.

SIGTERM or SIGINT stops the worker gracefully: the job or task under way finishes first. A
second signal stops it at once (the task under way is recorded as failed).

Exit codes: 0 done; 1 with --once when a periodic job failed (the others still ran); 130 when
stopped at once by a second signal.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from wangge.core.jobs import JobRun, periodic_jobs, run_due_jobs

logger = logging.getLogger(__name__)

TASKS_PER_TURN = 50
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _TaskRunner(Worker):
    """django-tasks-db's worker, counting the tasks it ran."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ran = 0

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            self.ran += 1


class _Stop:
    """Set by the first stop signal; the second one stops at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.runner: _TaskRunner | None = None

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def request(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        logger.warning(
            "%s received: stopping after the work under way (again to stop at once)",
            signal.Signals(signum).name,
        )
        self.event.set()
        if self.runner is not None:
            self.runner.running = False


@contextmanager
def _stopping_on_signals(stop: _Stop) -> Iterator[None]:
    """Route SIGINT and SIGTERM to `stop` for the block (only the main thread can)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop.request)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _quiet_task_worker(verbosity: int) -> Iterator[None]:
    """django-tasks-db's worker logs its start and end at INFO: once per turn, too often."""
    worker_logger = logging.getLogger("django_tasks_db")
    level = worker_logger.level
    if verbosity < 2:
        worker_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        worker_logger.setLevel(level)


def _positive_seconds(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds < float("inf"):
        raise ValueError(value)
    return seconds


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so the text is translated when the parser is made (argparse needs str).
        return _("Run the background worker: periodic jobs and queued tasks.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help=_("Run every periodic job once and every ready task, then exit."),
        )
        parser.add_argument(
            "--interval",
            type=_positive_seconds,
            default=1.0,
            help=_("Seconds to wait when there is nothing to do (default 1)."),
        )
        parser.add_argument(
            "--queue-name",
            default="*",
            help=_("Task queues to run, separated by commas; * for all (the default)."),
        )

    def handle(
        self, *args: Any, once: bool, interval: float, queue_name: str, **options: Any
    ) -> None:
        verbosity = options["verbosity"]
        stop = _Stop()
        jobs = periodic_jobs()
        last_run: dict[str, float] = {}
        worker_id = get_random_string(32)
        failed_jobs = 0
        with _stopping_on_signals(stop), _quiet_task_worker(verbosity):
            try:
                while not stop.requested:
                    runs = run_due_jobs(last_run, time.monotonic(), jobs)
                    failed_jobs += self._report(runs, verbosity)
                    if stop.requested:
                        break
                    ran = self._run_tasks(
                        stop,
                        queue_names=queue_name.split(","),
                        interval=interval,
                        worker_id=worker_id,
                        limit=None if once else TASKS_PER_TURN,
                    )
                    if once:
                        break
                    close_old_connections()
                    if ran < TASKS_PER_TURN:
                        stop.event.wait(interval)
            except KeyboardInterrupt:
                self.stderr.write(_("Stopped at once."))
                raise SystemExit(130) from None
        if once and failed_jobs:
            raise CommandError(
                _("%(count)d periodic job(s) failed; see the log.") % {"count": failed_jobs}
            )

    def _report(self, runs: list[JobRun], verbosity: int) -> int:
        failed = 0
        for run in runs:
            if run.error is not None:
                failed += 1
                self.stderr.write(
                    _("%(job)s failed: %(error)s") % {"job": run.job.path, "error": run.error}
                )
            elif run.summary and verbosity >= 1:
                self.stdout.write(run.summary)
            elif verbosity >= 2:
                self.stdout.write(_("%(job)s: nothing to do.") % {"job": run.job.path})
        return failed

    def _run_tasks(
        self,
        stop: _Stop,
        *,
        queue_names: list[str],
        interval: float,
        worker_id: str,
        limit: int | None,
    ) -> int:
        """Run ready tasks (at most `limit`) with django-tasks-db's worker; return how many."""
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            return 0  # tasks run where they are enqueued (immediate backend): nothing queued
        runner = _TaskRunner(
            queue_names=queue_names,
            interval=interval,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=limit,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        stop.runner = runner
        try:
            if not stop.requested:
                runner.run()
        finally:
            stop.runner = None
        return runner.ran
