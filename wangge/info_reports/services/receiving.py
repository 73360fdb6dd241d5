"""The receiving side: signing for a report (签收, once per receiving unit), asking for a
continued report by a deadline (要求续报), forwarding it to a higher unit (转报, which becomes
a receiver too), and closing it once the final report is in. Each is a timeline entry."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.models import User
from wangge.info_reports.exceptions import Conflict, Invalid
from wangge.info_reports.models import (
    ContinuedRequest,
    EntryKind,
    InfoReport,
    Receipt,
    ReportState,
)
from wangge.info_reports.permissions import require_receiver
from wangge.info_reports.services import notices
from wangge.info_reports.services.deadlines import warn_moment
from wangge.info_reports.services.reports import (
    OPEN_STATES,
    TEXT_MAX,
    _text,
    append_entry,
    receiving_candidates,
)
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability

REQUEST_MAX = timedelta(days=7)


def _locked(report: InfoReport) -> InfoReport:
    return (
        InfoReport.objects.select_for_update(of=("self",))
        .select_related("from_unit", "to_unit", "kind", "reporter")
        .get(pk=report.pk)
    )


def _own_receipt(actor: User, receipts: list[Receipt]) -> Receipt:
    """The receipt `actor` acts for: the one of their own unit, else the nearest to the
    reporter (receipts come deepest first)."""
    own = set(scope_for(actor, Capability.RECEIVE_INFORMATION).paths)
    return next((r for r in receipts if r.unit.path in own), receipts[0])


def sign_for(actor: User, report: InfoReport) -> Receipt:
    """Sign for the report for the actor's receiving unit; each unit signs once."""
    with transaction.atomic():
        report = _locked(report)
        receipts = require_receiver(actor, report)
        if report.state == ReportState.CLOSED:
            raise Conflict(_("This report is closed."), "state")
        unsigned = [r for r in receipts if r.signed_at is None]
        if not unsigned:
            raise Conflict(_("This report has been signed for already."), "state")
        receipt = _own_receipt(actor, unsigned)
        now = clock.now()
        receipt.signed_by = actor
        receipt.signed_at = now
        receipt.save(update_fields=["signed_by", "signed_at"])
        append_entry(report, EntryKind.SIGNED, actor, now, unit=receipt.unit)
        audit.record(actor, "info_reports.report.sign", report, receipt.unit.name)
    return receipt


def request_continued(
    actor: User, report: InfoReport, due_at: datetime | None, note: str = ""
) -> ContinuedRequest:
    """Ask the reporting unit for a continued report by `due_at` (at most a week ahead)."""
    note = _text(note, "note", TEXT_MAX)
    with transaction.atomic():
        report = _locked(report)
        receipts = require_receiver(actor, report)
        if report.state not in OPEN_STATES:
            raise Conflict(
                _("This report is finished: no continued report can be asked for."), "state"
            )
        now = clock.now()
        if due_at is None:
            raise Invalid(_("This field is required."), "due_at")
        if due_at <= now:
            raise Invalid(_("The deadline must be later than now."), "due_at")
        if due_at > now + REQUEST_MAX:
            raise Invalid(_("The deadline can be at most seven days ahead."), "due_at")
        if ContinuedRequest.objects.filter(report=report, fulfilled_at__isnull=True).exists():
            raise Conflict(
                _("A continued report has been asked for already and is not in yet."), "state"
            )
        receipt = _own_receipt(actor, receipts)
        request = ContinuedRequest.objects.create(
            report=report,
            unit=receipt.unit,
            requested_by=actor,
            note=note,
            created_at=now,
            due_at=due_at,
            warn_at=warn_moment(now, due_at),
        )
        append_entry(
            report, EntryKind.REQUESTED, actor, now, text=note, unit=receipt.unit, due_at=due_at
        )
        audit.record(
            actor, "info_reports.report.request", report, note[:200], due_at=due_at.isoformat()
        )
        notices.tell(
            notices.reporters_of(report),
            report,
            _("A continued report is asked for: %(title)s") % {"title": report.title},
            f"request:{request.pk}",
        )
    return request


def forward_report(
    actor: User, report: InfoReport, unit: OrgUnit | None, note: str = ""
) -> Receipt:
    """Forward the report to a command unit above the actor's receiving unit, which becomes a
    receiver that signs for it too."""
    note = _text(note, "note", TEXT_MAX)
    with transaction.atomic():
        report = _locked(report)
        receipts = require_receiver(actor, report)
        if report.state == ReportState.CLOSED:
            raise Conflict(_("This report is closed."), "state")
        if unit is None:
            raise Invalid(_("Choose the unit to forward it to."), "unit")
        own = _own_receipt(actor, receipts)
        allowed = {u.pk for u in forward_candidates(report, own)}
        if unit.pk not in allowed:
            raise Invalid(_("Choose a command unit above yours that has not received it."), "unit")
        now = clock.now()
        receipt = Receipt.objects.create(
            report=report, unit=unit, forwarded_by=actor, created_at=now
        )
        append_entry(report, EntryKind.FORWARDED, actor, now, text=note, unit=unit)
        audit.record(actor, "info_reports.report.forward", report, unit.name)
        notices.tell(
            notices.receivers_at([unit]),
            report,
            notices.new_report_title(report),
            f"new:{receipt.pk}",
        )
    return receipt


def forward_candidates(report: InfoReport, receipt: Receipt) -> list[OrgUnit]:
    """The command units above `receipt`'s unit that do not receive the report yet."""
    receiving = set(report.receipts.values_list("unit_id", flat=True))
    return [u for u in receiving_candidates(receipt.unit) if u.pk not in receiving]


def close_report(actor: User, report: InfoReport, note: str = "") -> InfoReport:
    """Close a report whose final report is in."""
    note = _text(note, "note", TEXT_MAX)
    with transaction.atomic():
        report = _locked(report)
        receipts = require_receiver(actor, report)
        if report.state != ReportState.FINISHED:
            raise Conflict(_("Only a report whose final report is in can be closed."), "state")
        now = clock.now()
        own = _own_receipt(actor, receipts)
        append_entry(report, EntryKind.CLOSED, actor, now, text=note, unit=own.unit)
        report.state = ReportState.CLOSED
        report.closed_at = now
        report.updated_at = now
        report.save(update_fields=["state", "closed_at", "updated_at"])
        audit.record(actor, "info_reports.report.close", report, note[:200])
    return report
