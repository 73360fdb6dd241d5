"""Deadline lights of information reports, read from stored timestamps when asked, as those of
cases are (`wangge.cases.deadlines.deadline_light`: yellow from 80 % of the time, red past it).

Limits are natural minutes (emergencies do not wait for office hours), so the 80 % moment is
plain arithmetic on the wall clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from wangge.cases.deadlines import deadline_light
from wangge.core import clock
from wangge.core.calendar import DEFAULT_WARN_FRACTION
from wangge.info_reports.models import ContinuedRequest, InfoKind, InfoReport


def warn_moment(start: datetime, due: datetime) -> datetime:
    """When a deadline from `start` to `due` turns yellow: after 80 % of the time allowed."""
    if due <= start:
        return start
    return start + (due - start) * DEFAULT_WARN_FRACTION


def first_report_due(kind: InfoKind, known_at: datetime) -> datetime:
    return known_at + timedelta(minutes=kind.first_report_minutes)


def written_report_due(kind: InfoKind, known_at: datetime) -> datetime:
    return known_at + timedelta(minutes=kind.written_report_minutes)


def first_report_light(report: InfoReport) -> str:
    """How the first report kept its deadline: its light at the moment it was entered (green
    before 80 % of the time, yellow after, red when late)."""
    return deadline_light(
        report.first_report_due_at, report.first_report_warn_at, report.reported_at
    )


def request_light(request: ContinuedRequest | None, now: datetime | None = None) -> str:
    """green, yellow or red for a requested continued report not yet sent; "" otherwise."""
    if request is None or request.fulfilled_at is not None:
        return ""
    return deadline_light(request.due_at, request.warn_at, now or clock.now())


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end`, rounded up (a report 10 seconds late is 1 minute
    late), never negative."""
    seconds = (end - start).total_seconds()
    if seconds <= 0:
        return 0
    return int(-(-seconds // 60))
