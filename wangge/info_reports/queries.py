"""Reads of information reports: the two lists (my unit's reports, the reports my units
receive) with their filters, a report's timeline and open request, and the figures analytics
reads (first reports on time, late reports) by the reporting unit's area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wangge.core import clock
from wangge.core.models import User
from wangge.info_reports.models import (
    ContinuedRequest,
    Entry,
    EntryAttachment,
    InfoKind,
    InfoReport,
    Receipt,
    ReportState,
)
from wangge.info_reports.permissions import received_by_units_of, reported_by_units_of
from wangge.org.models import OrgUnit

AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class ReportFilters:
    state: str = ""
    kind: str = ""
    overdue: bool = False  # a requested continued report past its deadline
    unsigned: bool = False  # a receiving unit has not signed for it


def _filtered(reports: QuerySet[InfoReport], filters: ReportFilters) -> QuerySet[InfoReport]:
    if filters.state:
        reports = reports.filter(state=filters.state)
    if filters.kind:
        reports = reports.filter(kind__code=filters.kind)
    if filters.overdue:
        late = ContinuedRequest.objects.filter(
            report=OuterRef("pk"), fulfilled_at__isnull=True, due_at__lt=clock.now()
        )
        reports = reports.filter(Exists(late))
    if filters.unsigned:
        unsigned = Receipt.objects.filter(report=OuterRef("pk"), signed_at__isnull=True)
        reports = reports.filter(Exists(unsigned)).exclude(state=ReportState.CLOSED)
    return reports


def _listed(reports: QuerySet[InfoReport]) -> QuerySet[InfoReport]:
    open_request = ContinuedRequest.objects.filter(report=OuterRef("pk"), fulfilled_at__isnull=True)
    unsigned = Receipt.objects.filter(report=OuterRef("pk"), signed_at__isnull=True)
    return (
        reports.select_related("kind", "from_unit", "to_unit")
        .annotate(has_unsigned=Exists(unsigned))
        .annotate(open_request_due_at=open_request.values("due_at")[:1])
        .annotate(open_request_warn_at=open_request.values("warn_at")[:1])
        .order_by("-reported_at", "-pk")
    )


def my_unit_reports(user: AnyUser, filters: ReportFilters | None = None) -> QuerySet[InfoReport]:
    return _listed(_filtered(reported_by_units_of(user), filters or ReportFilters()))


def received_reports(user: AnyUser, filters: ReportFilters | None = None) -> QuerySet[InfoReport]:
    return _listed(_filtered(received_by_units_of(user), filters or ReportFilters()))


def active_kinds() -> QuerySet[InfoKind]:
    return InfoKind.objects.filter(is_active=True).order_by("position", "code")


def timeline(report: InfoReport) -> list[tuple[Entry, list]]:
    """The report's entries in order, each with its files."""
    entries = list(report.entries.select_related("unit").order_by("seq"))
    files: dict[int, list] = {}
    for link in EntryAttachment.objects.filter(entry__report=report).select_related("attachment"):
        files.setdefault(link.entry_id, []).append(link)
    return [(entry, files.get(entry.pk, [])) for entry in entries]


def open_request_of(report: InfoReport) -> ContinuedRequest | None:
    return report.requests.filter(fulfilled_at__isnull=True).first()


def receipts_of_report(report: InfoReport) -> list[Receipt]:
    return list(report.receipts.select_related("unit", "signed_by").order_by("unit__depth"))


# --- figures for analytics ----------------------------------------------------------------------


def _in_areas(area_unit_ids: set[int] | None) -> QuerySet[InfoReport] | None:
    reports = InfoReport.objects.all()
    if area_unit_ids is None:
        return reports
    paths = list(OrgUnit.objects.filter(pk__in=area_unit_ids).values_list("path", flat=True))
    if not paths:
        return None
    condition = Q()
    for path in paths:
        condition |= Q(from_unit__path__descendant_of=path)
    return reports.filter(condition)


def _due_in(reports: QuerySet[InfoReport], first: date, last: date) -> QuerySet[InfoReport]:
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return reports.filter(first_report_due_at__gte=start, first_report_due_at__lt=end)


def first_report_counts(area_unit_ids: set[int] | None, first: date, last: date) -> tuple[int, int]:
    """(first reports on time, reports whose first-report deadline fell in `first`..`last`),
    by the reporting unit in the subtrees of `area_unit_ids` (None: everywhere). Days are
    local days."""
    reports = _in_areas(area_unit_ids)
    if reports is None:
        return 0, 0
    due = _due_in(reports, first, last)
    return due.filter(is_late=False).count(), due.count()


def late_or_missing(area_unit_ids: set[int] | None, first: date, last: date) -> int:
    """Reports late (迟报) whose first-report deadline fell in `first`..`last`, by the reporting
    unit's area. Missing reports (漏报) are not counted: a report never entered leaves no row."""
    reports = _in_areas(area_unit_ids)
    if reports is None:
        return 0
    return _due_in(reports, first, last).filter(is_late=True).count()
