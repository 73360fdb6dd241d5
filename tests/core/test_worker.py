"""`wangge worker`: the periodic jobs the apps declare, and the queued tasks, in one process.

These tests run the real command with call_command. It shares django-tasks-db's worker, which
commits and recycles database connections the way a long-running process must, so they run
outside the per-test transaction (transactional_db).
"""

import os
import signal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.notifications.receiver import Receiver
from wangge.core.jobs import PeriodicJob, periodic_jobs, run_due_jobs
from wangge.notifications.models import WebhookDelivery
from wangge.notifications.services import create_webhook, enqueue_webhook_event

calls: list[str] = []


def first_job() -> str:
    calls.append("first")
    return "first job: 3 reminders sent"


def failing_job() -> None:
    calls.append("failing")
    raise RuntimeError("the database went away")


def quiet_job() -> None:
    calls.append("quiet")


def stopping_job() -> None:
    calls.append("stopping")
    os.kill(os.getpid(), signal.SIGTERM)


def impatient_job() -> None:
    calls.append("impatient")
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGTERM)


JOBS = f"{__name__}."


@pytest.fixture
def declared(monkeypatch):
    """Declare jobs on the core app, as an app does in its AppConfig; no other app's jobs."""
    calls.clear()

    def declare(*jobs: tuple[str, float | None]) -> None:
        for config in apps.get_app_configs():
            if hasattr(config, "periodic_jobs"):
                monkeypatch.setattr(config, "periodic_jobs", ())
        monkeypatch.setattr(apps.get_app_config("core"), "periodic_jobs", jobs, raising=False)

    return declare


def worker(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("worker", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_notifications_app_declares_webhook_delivery_on_the_worker_tick(settings):
    settings.WORKER_TICK_SECONDS = 12.5

    jobs = {job.path: job for job in periodic_jobs()}

    assert jobs["wangge.notifications.services.deliver_due_webhooks"] == PeriodicJob(
        path="wangge.notifications.services.deliver_due_webhooks",
        period=12.5,
        app_label="notifications",
    )


def test_a_job_runs_again_only_when_its_period_has_passed(declared, settings):
    settings.WORKER_TICK_SECONDS = 30
    declared((JOBS + "first_job", 60), (JOBS + "quiet_job", None))
    last_run: dict[str, float] = {}

    at_start = run_due_jobs(last_run, 1000.0)
    soon = run_due_jobs(last_run, 1029.0)
    after_a_tick = run_due_jobs(last_run, 1030.0)
    after_a_minute = run_due_jobs(last_run, 1060.0)

    assert [run.summary for run in at_start] == ["first job: 3 reminders sent", None]
    assert soon == []
    assert [run.job.path for run in after_a_tick] == [JOBS + "quiet_job"]
    assert [run.job.path for run in after_a_minute] == [JOBS + "first_job", JOBS + "quiet_job"]
    assert calls == ["first", "quiet", "quiet", "first", "quiet"]


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_every_periodic_job_and_prints_what_they_did(declared):
    declared((JOBS + "first_job", 3600), (JOBS + "quiet_job", None))

    out, err = worker("--once")

    assert calls == ["first", "quiet"]
    assert out == "first job: 3 reminders sent\n"
    assert err == ""


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_does_not_stop_the_others(declared):
    declared((JOBS + "failing_job", None), (JOBS + "first_job", None))

    with pytest.raises(CommandError, match="1 periodic job"):
        worker("--once")

    assert calls == ["failing", "first"]


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_the_task_queued_when_an_event_commits(declared):
    declared()  # no periodic job: only the queued task can send it
    with Receiver() as receiver:
        create_webhook(None, name="城运中心", url=receiver.url)
        with transaction.atomic():
            enqueue_webhook_event("case.closed", "evt-1", {"number": "20261123000042"})
        queued = DBTaskResult.objects.get()

        worker("--once")

    assert len(receiver.requests) == 1
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert WebhookDelivery.objects.get().status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_the_periodic_job_and_the_task_together_send_an_event_once():
    with Receiver() as receiver:
        create_webhook(None, name="城运中心", url=receiver.url)
        with transaction.atomic():
            enqueue_webhook_event("case.closed", "evt-1", {"number": "20261123000042"})

        out, _ = worker("--once")

    assert len(receiver.requests) == 1
    assert "1 delivered" in out
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_work_under_way_finish_and_then_stops_the_worker(declared):
    declared((JOBS + "stopping_job", None), (JOBS + "quiet_job", None))

    worker("--interval", "0.05")  # returns: it would run forever otherwise

    assert calls == ["stopping", "quiet"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # handlers put back


@pytest.mark.django_db(transaction=True)
def test_a_second_signal_stops_the_worker_at_once(declared):
    declared((JOBS + "impatient_job", None), (JOBS + "quiet_job", None))

    with pytest.raises(SystemExit) as stopped:
        worker("--interval", "0.05")

    assert stopped.value.code == 130
    assert calls == ["impatient"]
