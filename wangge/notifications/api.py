"""The inbox endpoints (mounted under /api/v1/ by wangge.api): a user's own notices, newest
first, with the unread count, and marking them read. Nobody reads another's inbox."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from wangge.core.api_schemas import BodyBool, BodyId, BodyIn
from wangge.notifications.queries import inbox, unread_count
from wangge.notifications.services import mark_all_read, mark_read

router = Router(tags=["notifications"])


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    subject: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(Schema):
    unread: int
    items: list[NoticeOut]


class InboxQuery(Schema):
    unread_only: bool = False
    limit: int = Field(50, ge=1, le=200)
    before_id: int | None = Field(None, description="Only notices older than this one (paging)")


class ReadIn(BodyIn):
    ids: list[BodyId] = Field(default_factory=list, max_length=1000)
    all: BodyBool = Field(False, description="Mark every notice read instead of `ids`")


class ReadOut(Schema):
    marked: int
    unread: int


@router.get("/notifications", response=InboxOut, operation_id="inbox")
def get_inbox(request: HttpRequest, filters: Query[InboxQuery]) -> dict:
    notices = inbox(request.user, unread_only=filters.unread_only)
    if filters.before_id is not None:
        notices = notices.filter(pk__lt=filters.before_id)
    return {"unread": unread_count(request.user), "items": list(notices[: filters.limit])}


@router.post("/notifications/read", response=ReadOut, operation_id="inbox_mark_read")
def post_read(request: HttpRequest, payload: ReadIn) -> dict:
    marked = mark_all_read(request.user) if payload.all else mark_read(request.user, payload.ids)
    return {"marked": marked, "unread": unread_count(request.user)}
