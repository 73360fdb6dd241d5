"""Reports endpoints (mounted under /api/v1/ by wangge.api): the stored weekly and monthly
reports of the user's area, making one now, and downloading its workbook or PDF (each download
audited). Thin: `reports` reads, checks and writes. A report out of reach is a 404, as an
unknown one is; a refusal is a 422 naming the field (a unit outside the user's area is an
invalid choice of `unit`, as the page's form refuses it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from wangge.analytics import report_exports, reports
from wangge.analytics.api_schemas import CODE, Detail, FieldErrors
from wangge.analytics.models import Report, ReportKind
from wangge.core import clock
from wangge.core.api_schemas import BodyIn, RecordId, Text
from wangge.core.models import User

router = Router()
LIST_LIMIT = 200


class ReportsQuery(Schema):
    unit: str | None = Field(None, max_length=32, pattern=CODE, description="Org unit code")
    kind: ReportKind | None = Field(None, description="weekly or monthly")
    limit: int = Field(50, ge=1, le=LIST_LIMIT)


class PeriodicReportIn(BodyIn):
    unit: Text = Field(max_length=32, description="Org unit code, one of your area units")
    kind: ReportKind = Field(description="weekly or monthly")
    period: Text = Field(
        max_length=16,
        description="A day of the week or month (2026-03-02), a week (2026-W10) or a month "
        "(2026-03); it must be over",
    )


class ReportLinks(Schema):
    xlsx: str
    pdf: str
    page: str = Field(description="The printable page, read now")


class PeriodicReportOut(Schema):
    id: int
    unit: str
    unit_name: str
    kind: str
    period: str = Field(description="2026-W10 or 2026-03")
    first: date
    last: date
    generated_at: datetime
    is_scheduled: bool
    links: ReportLinks


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _out(report: Report) -> dict[str, Any]:
    period = reports.period_name(report.kind, reports.period_of(report.kind, report.first_on))
    page = reverse("analytics:report_view")
    return {
        "id": report.pk,
        "unit": report.unit.code,
        "unit_name": report.unit.name,
        "kind": report.kind,
        "period": period,
        "first": report.first_on,
        "last": report.last_on,
        "generated_at": report.generated_at,
        "is_scheduled": report.is_scheduled,
        "links": {
            "xlsx": reverse("api:analytics_report_xlsx", args=[report.pk]),
            "pdf": reverse("api:analytics_report_pdf", args=[report.pk]),
            "page": f"{page}?unit={report.unit.code}&kind={report.kind}&period={period}",
        },
    }


def _refused(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"loc": ["body", field], "msg": message}]})


@router.get(
    "/analytics/reports",
    response={200: list[PeriodicReportOut], 422: FieldErrors},
    summary="Stored reports of your area, newest first",
    url_name="analytics_report_list",
)
def list_reports(request: HttpRequest, filters: Query[ReportsQuery]) -> list[dict[str, Any]]:
    rows = reports.reports_for(_user(request))
    if filters.unit:
        rows = rows.filter(unit__code=filters.unit)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return [_out(report) for report in rows[: filters.limit]]


@router.post(
    "/analytics/reports",
    response={201: PeriodicReportOut, 422: FieldErrors},
    summary="Make and store a report of a finished week or month now",
    url_name="analytics_report_create",
)
def create_report(request: HttpRequest, payload: PeriodicReportIn) -> Any:
    user = _user(request)
    unit = next((u for u in reports.report_units(user) if u.code == payload.unit), None)
    if unit is None:
        return _refused("unit", _("Choose a unit of your area."))
    try:
        period = reports.parse_period(payload.kind, payload.period)
        reports.check_period(payload.kind, period, clock.now())
        report = reports.generate_report(user, unit, payload.kind, period)
    except reports.ReportRefused as refusal:
        return _refused(refusal.field, refusal.message)
    return Status(201, _out(report))


def _report(request: HttpRequest, report_id: int) -> Report:
    try:
        return reports.get_report_for_user(_user(request), report_id)
    except reports.ReportNotFound:
        raise HttpError(404, _("Not found.")) from None


@router.get(
    "/analytics/reports/{report_id}",
    response={200: PeriodicReportOut, 404: Detail},
    summary="One stored report and its links",
    url_name="analytics_report",
)
def get_report(request: HttpRequest, report_id: Path[RecordId]) -> dict[str, Any]:
    return _out(_report(request, report_id))


def _binary(content_type: str) -> dict[str, Any]:
    schema = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {"200": {"description": "The file", "content": {content_type: schema}}}}


def _download(request: HttpRequest, report_id: int, file_format: str) -> FileResponse:
    report = _report(request, report_id)
    reports.record_download(_user(request), report, file_format)
    stored = report.xlsx if file_format == "xlsx" else report.pdf
    response = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"{report.unit.code}-{report.kind}-{report.first_on:%Y%m%d}.{file_format}",
        content_type=report_exports.XLSX_CONTENT_TYPE
        if file_format == "xlsx"
        else report_exports.PDF_CONTENT_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@router.get(
    "/analytics/reports/{report_id}/xlsx",
    response={404: Detail},
    openapi_extra=_binary(report_exports.XLSX_CONTENT_TYPE),
    summary="The report's Excel workbook",
    url_name="analytics_report_xlsx",
)
def download_xlsx(request: HttpRequest, report_id: Path[RecordId]) -> FileResponse:
    return _download(request, report_id, "xlsx")


@router.get(
    "/analytics/reports/{report_id}/pdf",
    response={404: Detail},
    openapi_extra=_binary(report_exports.PDF_CONTENT_TYPE),
    summary="The report's PDF",
    url_name="analytics_report_pdf",
)
def download_pdf(request: HttpRequest, report_id: Path[RecordId]) -> FileResponse:
    return _download(request, report_id, "pdf")
