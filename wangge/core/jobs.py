"""Periodic jobs: work the worker repeats on a timer, declared by each app on its AppConfig.

An app lists its jobs as `periodic_jobs = (("dotted.path.to.callable", period), ...)`: the
callable takes no argument and returns a short printable summary, or something false when
there is nothing to report; the period is in seconds, or None for `settings.WORKER_TICK_SECONDS`.
Jobs must be safe to run twice at once (several workers may run), which their compare-and-set
claims make them. `wangge worker` calls `run_due_jobs` on every tick.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    path: str
    period: float  # seconds between two runs
    app_label: str

    def run(self) -> object:
        return import_string(self.path)()


@dataclass(frozen=True)
class JobRun:
    """What one run of a job gave: a summary to print, or the exception it raised."""

    job: PeriodicJob
    summary: str | None = None
    error: Exception | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def periodic_jobs() -> list[PeriodicJob]:
    """Every job declared by an installed app, in the order of INSTALLED_APPS."""
    jobs = []
    for config in apps.get_app_configs():
        for path, period in getattr(config, "periodic_jobs", ()):
            seconds = settings.WORKER_TICK_SECONDS if period is None else float(period)
            if seconds <= 0:
                raise ImproperlyConfigured(f"{config.label}: the period of {path} must be > 0")
            jobs.append(PeriodicJob(path=path, period=seconds, app_label=config.label))
    return jobs


def run_due_jobs(
    last_run: dict[str, float], now: float, jobs: Iterable[PeriodicJob] | None = None
) -> list[JobRun]:
    """Run each job whose period has passed since `last_run[path]` (never run: due now).

    `now` is a monotonic time in seconds (`time.monotonic()`), and `last_run` is updated in
    place. A job that raises is logged and reported; the others still run.
    """
    runs = []
    for job in periodic_jobs() if jobs is None else jobs:
        previous = last_run.get(job.path)
        if previous is not None and now - previous < job.period:
            continue
        last_run[job.path] = now
        try:
            result = job.run()
        except Exception as error:
            logger.exception("periodic job %s failed", job.path)
            runs.append(JobRun(job, error=error))
            continue
        runs.append(JobRun(job, summary=str(result) if result else None))
    return runs
