"""The worker's sweep reminds once: receivers of a report not signed for, the reporter of a
requested continued report due soon and again once overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.info_reports.helpers import T0, at, first_report, follow_up
from wangge.core.jobs import periodic_jobs
from wangge.info_reports import services
from wangge.info_reports.services.reminders import SIGN_REMINDER_MINUTES
from wangge.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notices(user, word: str) -> int:
    return Notification.objects.filter(
        user=user, dedupe_key__startswith=f"info_reports:{word}"
    ).count()


def test_the_sweep_is_a_periodic_job():
    assert "wangge.info_reports.services.reminders.sweep_info_reports" in [
        job.path for job in periodic_jobs()
    ]


def test_receivers_are_reminded_once_of_a_report_not_signed_for(cast):
    with at(T0):
        first_report(cast.grid_worker_a)
    early = services.sweep_info_reports(T0 + timedelta(minutes=SIGN_REMINDER_MINUTES - 1))
    first = services.sweep_info_reports(T0 + timedelta(minutes=SIGN_REMINDER_MINUTES))
    again = services.sweep_info_reports(T0 + timedelta(minutes=SIGN_REMINDER_MINUTES + 5))

    assert (early.unsigned, first.unsigned, again.unsigned) == (0, 1, 0)
    assert _notices(cast.dispatcher, "unsigned") == 1
    assert _notices(cast.grid_worker_a, "unsigned") == 0


def test_a_signed_report_gets_no_reminder(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        services.sign_for(cast.dispatcher, report)
    assert services.sweep_info_reports(T0 + timedelta(hours=1)).unsigned == 0


def test_the_reporter_is_reminded_once_when_due_soon_and_once_when_overdue(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        services.sign_for(cast.dispatcher, report)
        services.request_continued(cast.dispatcher, report, T0 + timedelta(minutes=50))

    sweeps = [
        services.sweep_info_reports(T0 + timedelta(minutes=minutes))
        for minutes in (39, 40, 45, 51, 60)
    ]

    assert [s.due_soon for s in sweeps] == [0, 1, 0, 0, 0]
    assert [s.overdue for s in sweeps] == [0, 0, 0, 1, 0]
    assert _notices(cast.grid_worker_a, "due_soon") == 1
    assert _notices(cast.grid_worker_a, "overdue") == 1
    assert _notices(cast.dispatcher, "overdue") == 1


def test_an_answered_request_gets_no_reminder(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        services.request_continued(cast.dispatcher, report, T0 + timedelta(minutes=50))
        follow_up(cast.grid_worker_a, report)
    sweep = services.sweep_info_reports(T0 + timedelta(hours=2))
    assert (sweep.due_soon, sweep.overdue) == (0, 0)
