"""Endpoints of information reports (mounted under /api/v1/ by wangge.api): the list (my unit's
or received), a first report, one report with its timeline, continued and final reports, and
signing for.

Thin adapters: lists are scoped through `permissions` and paginated by id (newest first,
`next_cursor`); one report goes through `get_report_for_user` (outside the caller's reach is a
404, as an unknown one is); every write through `services`, whose refusals are mapped once by
`answer_refusals`: 404, 403, 409 for a state that forbids it, 422 naming the field. Files are
uploaded first (`POST /api/v1/attachments`) and cited by uid."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from wangge.cases.models import Attachment
from wangge.core.api_refusals import answer_refusals
from wangge.core.api_schemas import Detail, FieldErrors, RecordId
from wangge.core.models import User
from wangge.info_reports import queries, services
from wangge.info_reports.api_schemas import (
    EntryCreated,
    FollowUpIn,
    InfoReportIn,
    ReportDetail,
    ReportListQuery,
    ReportPage,
    entry_out,
    receipt_out,
    report_out,
    request_out,
)
from wangge.info_reports.exceptions import (
    Conflict,
    InfoReportError,
    Invalid,
    NotAllowed,
    NotFound,
)
from wangge.info_reports.models import EntryAttachment, EntryKind, InfoKind, InfoReport
from wangge.info_reports.permissions import get_report_for_user
from wangge.org.models import OrgUnit

router = Router(tags=["info_reports"])

_READ: dict[int, Any] = {404: Detail, 422: FieldErrors}
_WRITE: dict[int, Any] = {403: Detail, 404: Detail, 409: Detail, 422: FieldErrors}


router.add_decorator(
    answer_refusals(InfoReportError, {NotFound: 404, NotAllowed: 403, Conflict: 409})
)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise HttpError(401, _("Log in to do this."))
    return user


def _unit(code: str | None, field: str) -> OrgUnit | None:
    if not code:
        return None
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise Invalid(_("Unknown unit “%(code)s”.") % {"code": code[:32]}, field)
    return unit


def _own_uploads(user: User, uids: list[str], field: str = "attachments") -> list[Attachment]:
    try:
        wanted = [uuid.UUID(str(uid)) for uid in uids]
    except ValueError:
        raise Invalid(_("Unknown file."), field) from None
    found = list(
        Attachment.objects.filter(uid__in=wanted, uploaded_by=user, case__isnull=True).exclude(
            pk__in=EntryAttachment.objects.values("attachment_id")
        )
    )
    if len(found) != len(set(wanted)):
        raise Invalid(_("Unknown file, or one already used."), field)
    return found


def _detail(report: InfoReport) -> dict[str, Any]:
    timeline = queries.timeline(report)
    return {
        **report_out(report),
        "description": report.description,
        "address": report.address,
        "grid": report.grid.code if report.grid_id else None,
        "longitude": report.longitude,
        "latitude": report.latitude,
        "measures": report.measures,
        "open_request": request_out(queries.open_request_of(report)),
        "receipts": [receipt_out(r) for r in queries.receipts_of_report(report)],
        "timeline": [
            entry_out(entry, [str(link.attachment.uid) for link in files])
            for entry, files in timeline
        ],
    }


@router.get(
    "/info-reports",
    response={200: ReportPage, 422: FieldErrors},
    url_name="info_reports_list",
)
def list_reports(request: HttpRequest, filters: Query[ReportListQuery]) -> dict[str, Any]:
    given = queries.ReportFilters(
        state=filters.state or "",
        kind=filters.kind or "",
        overdue=filters.overdue,
        unsigned=filters.unsigned,
    )
    if filters.received:
        reports = queries.received_reports(request.user, given)
    else:
        reports = queries.my_unit_reports(request.user, given)
    if filters.cursor:
        reports = reports.filter(pk__lt=filters.cursor)
    rows = list(reports.order_by("-pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [report_out(r) for r in rows], "next_cursor": rows[-1].pk if more else None}


@router.post(
    "/info-reports",
    response={201: ReportDetail, **_WRITE},
    summary="Send a first report",
    url_name="info_reports_create",
)
def create_report(request: HttpRequest, payload: InfoReportIn) -> Status[dict[str, Any]]:
    user = _user(request)
    kind = InfoKind.objects.filter(code=payload.kind).first() if payload.kind else None
    report = services.submit_first_report(
        user,
        services.FirstReport(
            kind=kind,
            title=payload.title,
            description=payload.description,
            happened_at=payload.happened_at,
            known_at=payload.known_at,
            from_unit=_unit(payload.from_unit, "from_unit"),
            to_unit=_unit(payload.to_unit, "to_unit"),
            grid=_unit(payload.grid, "grid"),
            address=payload.address,
            longitude=payload.longitude,
            latitude=payload.latitude,
            dead=payload.dead,
            injured=payload.injured,
            missing=payload.missing,
            measures=payload.measures,
            attachments=_own_uploads(user, payload.attachments),
        ),
    )
    return Status(201, _detail(get_report_for_user(user, report.pk)))


@router.get(
    "/info-reports/{report_id}",
    response={200: ReportDetail, **_READ},
    url_name="info_reports_detail",
)
def get_report(request: HttpRequest, report_id: Path[RecordId]) -> dict[str, Any]:
    return _detail(get_report_for_user(request.user, report_id))


def _follow_up(
    request: HttpRequest, report_id: int, kind: str, payload: FollowUpIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    report = get_report_for_user(user, report_id)
    entry = services.add_follow_up(
        user,
        report,
        kind,
        services.FollowUp(
            text=payload.text,
            dead=payload.dead,
            injured=payload.injured,
            missing=payload.missing,
            measures=payload.measures,
            attachments=_own_uploads(user, payload.attachments),
        ),
    )
    uids = [str(link.attachment.uid) for link in entry.files.select_related("attachment")]
    detail = _detail(get_report_for_user(user, report.pk))
    return Status(201, {"report": detail, "entry": entry_out(entry, uids)})


@router.post(
    "/info-reports/{report_id}/continued",
    response={201: EntryCreated, **_WRITE},
    summary="Add a continued report",
    url_name="info_reports_continued",
)
def add_continued(
    request: HttpRequest, report_id: Path[RecordId], payload: FollowUpIn
) -> Status[dict[str, Any]]:
    return _follow_up(request, report_id, EntryKind.CONTINUED, payload)


@router.post(
    "/info-reports/{report_id}/final",
    response={201: EntryCreated, **_WRITE},
    summary="Add the final report",
    url_name="info_reports_final",
)
def add_final(
    request: HttpRequest, report_id: Path[RecordId], payload: FollowUpIn
) -> Status[dict[str, Any]]:
    return _follow_up(request, report_id, EntryKind.FINAL, payload)


@router.post(
    "/info-reports/{report_id}/sign",
    response={200: ReportDetail, **_WRITE},
    summary="Sign for a report for your receiving unit",
    url_name="info_reports_sign",
)
def sign_report(request: HttpRequest, report_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    report = get_report_for_user(user, report_id)
    services.sign_for(user, report)
    return _detail(get_report_for_user(user, report.pk))
