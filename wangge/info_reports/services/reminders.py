"""The worker's sweep: receivers are reminded of reports not signed for after
`SIGN_REMINDER_MINUTES`, reporters of a requested continued report once it is due soon (80 % of
the time) and once it is overdue. Each reminder is claimed by compare-and-set on its own
timestamp, so running the sweep twice, or in two processes, sends each once. Lights never
depend on it (they are read from timestamps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.info_reports.models import ContinuedRequest, Receipt, ReportState
from wangge.info_reports.services import notices

SIGN_REMINDER_MINUTES = 10
BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    unsigned: int
    due_soon: int
    overdue: int

    def __bool__(self) -> bool:
        return bool(self.unsigned or self.due_soon or self.overdue)

    def __str__(self) -> str:
        return (
            f"{self.unsigned} sign-for reminders, {self.due_soon} due-soon and "
            f"{self.overdue} overdue continued-report reminders"
        )


def sweep_info_reports(now: datetime | None = None) -> SweepReport:
    now = now or clock.now()
    return SweepReport(
        unsigned=_remind_unsigned(now), due_soon=_remind_due_soon(now), overdue=_remind_overdue(now)
    )


def _remind_unsigned(now: datetime) -> int:
    waiting = (
        Receipt.objects.filter(
            signed_at__isnull=True,
            reminded_at__isnull=True,
            created_at__lte=now - timedelta(minutes=SIGN_REMINDER_MINUTES),
        )
        .exclude(report__state=ReportState.CLOSED)
        .select_related("report__kind", "unit")
        .order_by("created_at")
    )
    sent = 0
    for receipt in waiting[:BATCH]:
        if Receipt.objects.filter(pk=receipt.pk, reminded_at__isnull=True).update(reminded_at=now):
            notices.tell(
                notices.receivers_at([receipt.unit]),
                receipt.report,
                _("Not signed for yet: %(title)s") % {"title": receipt.report.title},
                f"unsigned:{receipt.pk}",
            )
            sent += 1
    return sent


def _open_requests() -> QuerySet[ContinuedRequest]:
    return ContinuedRequest.objects.filter(fulfilled_at__isnull=True).select_related(
        "report__from_unit"
    )


def _remind_due_soon(now: datetime) -> int:
    sent = 0
    due_soon = _open_requests().filter(
        due_soon_notified_at__isnull=True, warn_at__lte=now, due_at__gt=now
    )
    for request in due_soon.order_by("due_at")[:BATCH]:
        claimed = ContinuedRequest.objects.filter(
            pk=request.pk, due_soon_notified_at__isnull=True
        ).update(due_soon_notified_at=now)
        if claimed:
            notices.tell(
                notices.reporters_of(request.report),
                request.report,
                _("Continued report due soon: %(title)s") % {"title": request.report.title},
                f"due_soon:{request.pk}",
            )
            sent += 1
    return sent


def _remind_overdue(now: datetime) -> int:
    sent = 0
    overdue = _open_requests().filter(overdue_notified_at__isnull=True, due_at__lt=now)
    for request in overdue.order_by("due_at")[:BATCH]:
        claimed = ContinuedRequest.objects.filter(
            pk=request.pk, overdue_notified_at__isnull=True
        ).update(overdue_notified_at=now)
        if claimed:
            users = [*notices.reporters_of(request.report)]
            if request.requested_by_id:
                users.append(request.requested_by_id)
            notices.tell(
                users,
                request.report,
                _("Continued report overdue: %(title)s") % {"title": request.report.title},
                f"overdue:{request.pk}",
            )
            sent += 1
    return sent
