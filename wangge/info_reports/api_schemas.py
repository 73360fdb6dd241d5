"""The shapes of the information-reports API (`wangge.info_reports.api`).

Bodies give their fields defaults where the service checks them anyway: the report named in the
path is found (or refused, 404) before the body's content is judged, and a missing value is
then a 422 naming it, from the service, in the same words as on the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AwareDatetime

from wangge.core.api_schemas import BodyFloat, BodyIn, BodyInt, RecordId, Text
from wangge.info_reports.models import (
    ContinuedRequest,
    Entry,
    EntryKind,
    InfoReport,
    Receipt,
    ReportState,
)
from wangge.info_reports.services.deadlines import first_report_light, request_light

Figure = Annotated[BodyInt, Field(ge=0, le=100_000)]
Uid = Annotated[Text, Field(max_length=64)]


class ReportListQuery(Schema):
    received: bool = Field(False, description="The reports your units receive, not your own")
    state: ReportState | None = None
    kind: Annotated[Text, Field(max_length=32)] | None = Field(None, description="A kind's code")
    overdue: bool = Field(False, description="Only those with a requested report overdue")
    unsigned: bool = Field(False, description="Only those a receiving unit has not signed for")
    cursor: RecordId | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


class InfoReportIn(BodyIn):
    kind: Annotated[Text, Field(max_length=32)] = Field("", description="A kind's code")
    title: Text = Field("", max_length=500)
    description: Text = Field("", max_length=10000)
    happened_at: AwareDatetime | None = None
    known_at: AwareDatetime | None = Field(None, description="When the reporter learned of it")
    from_unit: Annotated[Text, Field(max_length=32)] | None = Field(
        None, description="The reporting unit's code; your only unit when absent"
    )
    to_unit: Annotated[Text, Field(max_length=32)] | None = Field(
        None, description="The receiving unit's code; the nearest command centre when absent"
    )
    grid: Annotated[Text, Field(max_length=32)] | None = Field(None, description="A grid's code")
    address: Text = Field("", max_length=1000)
    longitude: BodyFloat | None = None
    latitude: BodyFloat | None = None
    dead: Figure = 0
    injured: Figure = 0
    missing: Figure = 0
    measures: Text = Field("", max_length=10000)
    attachments: list[Uid] = Field(
        default_factory=list,
        max_length=20,
        description="uids of your uploads (POST /api/v1/attachments)",
    )


class FollowUpIn(BodyIn):
    text: Text = Field("", max_length=10000)
    dead: Figure | None = None
    injured: Figure | None = None
    missing: Figure | None = None
    measures: Text = Field("", max_length=10000)
    attachments: list[Uid] = Field(default_factory=list, max_length=20)


class ReceiptOut(Schema):
    unit: str = Field(description="The unit's code")
    unit_name: str
    received_at: datetime
    signed_by: str | None
    signed_at: datetime | None


class EntryOut(Schema):
    seq: int
    kind: EntryKind
    text: str
    dead: int | None
    injured: int | None
    missing: int | None
    unit: str | None
    due_at: datetime | None
    by: str
    at: datetime
    attachments: list[str] = Field(description="uids")


class RequestOut(Schema):
    due_at: datetime
    note: str
    light: str = Field(description="green, yellow or red")


class InfoReportOut(Schema):
    id: int
    number: str
    kind: str
    kind_name: str
    title: str
    state: ReportState
    from_unit: str
    to_unit: str
    happened_at: datetime
    known_at: datetime
    reported_at: datetime
    first_report_due_at: datetime
    first_report_light: str = Field(description="At the moment it was entered: green, yellow, red")
    is_late: bool
    minutes_late: int
    dead: int
    injured: int
    missing: int


class ReportDetail(InfoReportOut):
    description: str
    address: str
    grid: str | None
    longitude: float | None
    latitude: float | None
    measures: str
    open_request: RequestOut | None
    receipts: list[ReceiptOut]
    timeline: list[EntryOut]


class ReportPage(Schema):
    items: list[InfoReportOut]
    next_cursor: int | None


class EntryCreated(Schema):
    report: ReportDetail
    entry: EntryOut


def report_out(report: InfoReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "number": report.number,
        "kind": report.kind.code,
        "kind_name": report.kind.name,
        "title": report.title,
        "state": report.state,
        "from_unit": report.from_unit.code,
        "to_unit": report.to_unit.code,
        "happened_at": report.happened_at,
        "known_at": report.known_at,
        "reported_at": report.reported_at,
        "first_report_due_at": report.first_report_due_at,
        "first_report_light": first_report_light(report),
        "is_late": report.is_late,
        "minutes_late": report.minutes_late,
        "dead": report.dead,
        "injured": report.injured,
        "missing": report.missing,
    }


def entry_out(entry: Entry, uids: list[str]) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "text": entry.text,
        "dead": entry.dead,
        "injured": entry.injured,
        "missing": entry.missing,
        "unit": entry.unit.code if entry.unit_id else None,
        "due_at": entry.due_at,
        "by": entry.actor_name,
        "at": entry.created_at,
        "attachments": uids,
    }


def receipt_out(receipt: Receipt) -> dict[str, Any]:
    return {
        "unit": receipt.unit.code,
        "unit_name": receipt.unit.name,
        "received_at": receipt.created_at,
        "signed_by": receipt.signed_by.display_name if receipt.signed_by_id else None,
        "signed_at": receipt.signed_at,
    }


def request_out(request: ContinuedRequest | None) -> dict[str, Any] | None:
    if request is None:
        return None
    return {"due_at": request.due_at, "note": request.note, "light": request_light(request)}
