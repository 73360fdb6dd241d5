"""Case endpoints (mounted under /api/v1/ by wangge.api): the list, intake, one endpoint per
action of the transition table, attachments, categories, "my work" and the table itself.

Thin adapters: lists go through `queries` (scoped by `permissions.visible_cases`), one case
through `get_case_for_user` (a case outside the user's reach is a 404), every write through
`services`. Refusals are typed exceptions that `wangge.api` maps to HTTP answers once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.cases.api_schemas import (
    ActionIn,
    CaseDetail,
    CaseIn,
    CaseListQuery,
    CasePage,
    CategoryClassOut,
    CategoryDetail,
    CodedDetail,
    Detail,
    FieldErrors,
    QueuePage,
    UploadOut,
    WorkflowOut,
    action_endpoint_actions,
    case_detail,
    case_summary,
    category_out,
    category_tree,
    upload_out,
    workflow_out,
)
from wangge.cases.exceptions import NotFound
from wangge.cases.models import Case
from wangge.cases.permissions import get_attachment_for_user, get_case_for_user
from wangge.cases.queries import (
    CaseFilters,
    Tab,
    active_categories,
    category_by_code,
    my_queue_page,
    page_of,
    queue_counts,
    search_cases,
)
from wangge.cases.services import Report, perform, report_case, store_attachment
from wangge.cases.workflow import CaseAction
from wangge.core import clock
from wangge.core.api_schemas import Text
from wangge.core.models import User

router = Router(tags=["cases"])

IDEMPOTENCY_KEY_MAX = 200
_IDEMPOTENCY_KEY = Header(
    None, alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX, description="Any unique text"
)
_ERRORS: dict[int, Any] = {403: Detail, 404: Detail, 409: CodedDetail, 422: FieldErrors}


def _page(items: list[Case], next_cursor: str | None) -> dict[str, Any]:
    now = clock.now()
    return {"items": [case_summary(case, now) for case in items], "next_cursor": next_cursor}


# --- cases ------------------------------------------------------------------------------------


@router.get(
    "/cases",
    response={200: CasePage, 422: FieldErrors},
    summary="Cases you may see, newest first",
    url_name="case_list",
)
def list_cases(request: HttpRequest, filters: Query[CaseListQuery]) -> dict[str, Any]:
    cases = search_cases(
        request.user,
        CaseFilters(
            state=[state.value for state in filters.state],
            category=filters.category,
            unit=filters.unit,
            overdue=filters.overdue,
            reported_from=filters.reported_from,
            reported_to=filters.reported_to,
            text=filters.text,
            channel=filters.channel.value if filters.channel else "",
            needs_grid=filters.needs_grid,
        ),
    )
    page = page_of(cases, filters.cursor or None, filters.limit)
    return _page(page.items, page.next_cursor)


@router.post(
    "/cases",
    response={200: CaseDetail, 201: CaseDetail, **_ERRORS},
    summary="Report a case",
    description=(
        "201 with the new case. With an `Idempotency-Key` header, sending the same key again "
        "answers 200 with the case the first request created and `Idempotent-Replayed: true`."
    ),
    url_name="case_report",
)
def report(
    request: HttpRequest,
    response: HttpResponse,
    payload: CaseIn,
    idempotency_key: Text | None = _IDEMPOTENCY_KEY,
) -> Status[dict[str, Any]]:
    user = request.user
    assert isinstance(user, User)
    intake = report_case(
        user,
        Report(
            category=payload.category,
            description=payload.description,
            title=payload.title,
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            grid=payload.grid,
            channel=payload.channel.value if payload.channel else "",
            urgency=payload.urgency.value,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            attributes=payload.attributes,
            attachments=[str(uid) for uid in payload.attachments],
            source_ref=payload.source_ref,
            note=payload.note,
        ),
        resolve_on_the_spot=payload.resolve_on_the_spot,
        # The client is the account, so two systems (or people) never share a key space.
        idempotency=(str(user.pk), idempotency_key) if idempotency_key else None,
    )
    # A reporter always sees the case they filed: the new one is answered as it was written;
    # a replay is read again, as it may have moved on since.
    if intake.event is not None:
        return Status(201, case_detail(user, intake.case, clock.now(), filed=intake.event))
    case = get_case_for_user(user, intake.case.number)
    response["Idempotent-Replayed"] = "true"
    return Status(200, case_detail(user, case, clock.now()))


@router.get(
    "/cases/{number}",
    response={200: CaseDetail, 404: Detail},
    summary="One case, with its timeline and what you may do now",
    url_name="case_detail",
)
def get_case(request: HttpRequest, number: Text) -> dict[str, Any]:
    case = get_case_for_user(request.user, number)
    return case_detail(request.user, case, clock.now())


def _action_view(action: CaseAction) -> Callable[..., dict[str, Any]]:
    def act(request: HttpRequest, number: Text, payload: ActionIn | None = None) -> dict[str, Any]:
        user = request.user
        case = get_case_for_user(user, number)
        payload = payload or ActionIn()
        perform(user, case, action, payload.action_input(), expected_version=payload.version)
        # `case` is the state just written. It is answered even when the step took the case
        # out of the actor's reach (a handler returning it): they have just seen it.
        return case_detail(user, case, clock.now())

    act.__name__ = f"case_{action.value}"
    return act


# One endpoint per action of the table, so a new action gets its endpoint with no code here.
for _action in action_endpoint_actions():
    router.add_api_operation(
        f"/cases/{{number}}/{_action.value}",
        ["POST"],
        _action_view(_action),
        response={200: CaseDetail, **_ERRORS},
        operation_id=f"case_{_action.value}",
        summary=_action.label,
        url_name=f"case_{_action.value}",
    )


# --- attachments ------------------------------------------------------------------------------


@router.post(
    "/attachments",
    response={201: UploadOut, 422: FieldErrors},
    summary="Upload a photo or PDF, to cite by uid in a report or action",
    url_name="attachment_upload",
)
def upload(
    request: HttpRequest,
    file: File[UploadedFile],
    photo_only: Form[bool] = False,
) -> Status[dict[str, Any]]:
    user = request.user
    assert isinstance(user, User)
    attachment = store_attachment(
        user, file, name=file.name or "", photo_only=photo_only, field="file"
    )
    return Status(201, upload_out(attachment))


@router.get(
    "/attachments/{uid}",
    response={404: Detail},
    summary="The file itself",
    url_name="attachment_file",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in ("image/jpeg", "image/png", "application/pdf")
                },
            }
        }
    },
)
def download(request: HttpRequest, uid: UUID) -> FileResponse:
    user = request.user
    assert isinstance(user, User)
    attachment = get_attachment_for_user(user, uid)
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )


# --- categories -------------------------------------------------------------------------------


@router.get(
    "/categories",
    response=list[CategoryClassOut],
    summary="The categories a case may be filed under: classes with their subcategories",
    url_name="category_list",
)
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return category_tree(list(active_categories()))


@router.get(
    "/categories/{code}",
    response={200: CategoryDetail, 404: Detail},
    summary="One category (old cases keep inactive ones)",
    url_name="category_detail",
)
def get_category(request: HttpRequest, code: Text) -> dict[str, Any]:
    category = category_by_code(code)
    if category is None:
        raise NotFound(_("No such category."))
    children = active_categories().filter(parent=category) if category.is_top_level else []
    parent = category.parent
    return {
        **category_out(category),
        "children": [category_out(child) for child in children],
        "parent": {"code": parent.code, "name": parent.name} if parent else None,
        "is_active": category.is_active,
    }


# --- my work and the table --------------------------------------------------------------------


class QueueQuery(Schema):
    tab: Tab | None = Field(None, description="One of your tabs; default the first")
    cursor: Text = Field("", max_length=200)
    limit: int = Field(20, ge=1, le=100)


@router.get(
    "/my/queue",
    response={200: QueuePage, 422: FieldErrors},
    summary="What waits for you in one tab of your work",
    url_name="my_queue",
)
def queue(request: HttpRequest, params: Query[QueueQuery]) -> dict[str, Any]:
    tab, page = my_queue_page(
        request.user, params.tab.value if params.tab else None, params.cursor or None, params.limit
    )
    return {"tab": tab.value, **_page(page.items, page.next_cursor)}


@router.get(
    "/my/queue/counts",
    response=dict[str, int],
    summary="How many cases each of your tabs holds",
    url_name="my_queue_counts",
)
def queue_sizes(request: HttpRequest) -> dict[str, int]:
    return queue_counts(request.user)


@router.get(
    "/workflow",
    response=WorkflowOut,
    summary="The transition table: which action takes a case where, who may, and what it needs",
    url_name="workflow",
)
def workflow_table(request: HttpRequest) -> dict[str, Any]:
    return workflow_out()
