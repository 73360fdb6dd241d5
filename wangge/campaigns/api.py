"""Endpoints of campaigns (mounted under /api/v1/ by wangge.api): the campaigns a user sees,
their progress, a helper's own list, one target, recording a visit (idempotent by the client's
UUID: a second sending answers 200 with the stored visit) and the outcome codes.

Thin adapters: lists are scoped by `permissions`, one record goes through `get_*_for_user` (one
outside the user's reach is a 404, as an unknown one is), every write through `services`. The
campaigns' refusals are mapped to HTTP once, by `_answer_refusals`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError, ValidationError

from wangge.campaigns import queries, services
from wangge.campaigns.api_schemas import (
    CampaignOut,
    CampaignPage,
    Detail,
    FieldErrors,
    OutcomeOut,
    PageQuery,
    ProgressOut,
    RecordId,
    TargetOut,
    TargetPage,
    VisitIn,
    VisitOut,
    campaign_out,
    outcome_out,
    progress_out,
    target_out,
    visit_out,
)
from wangge.campaigns.exceptions import CampaignError, NotAllowed, NotFound, UuidTaken, WrongState
from wangge.campaigns.models import Visit
from wangge.campaigns.permissions import get_campaign_for_user, get_target_for_user
from wangge.core.models import User

router = Router(tags=["campaigns"])

_READ: dict[int, Any] = {404: Detail, 422: FieldErrors}
_LIST: dict[int, Any] = {422: FieldErrors}


def _answer_refusals(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise HttpError(404, error.message) from None
        except NotAllowed as error:
            raise HttpError(403, error.message) from None
        except (WrongState, UuidTaken) as error:
            raise HttpError(409, error.message) from None
        except CampaignError as error:
            where = "query" if request.method in ("GET", "HEAD") else "body"
            raise ValidationError(
                [{"loc": [where, error.field or "__all__"], "msg": error.message}]
            ) from None

    return answer


router.add_decorator(_answer_refusals)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's auth lets no anonymous request through
    return user


@router.get(
    "/campaigns",
    response={200: CampaignPage, **_LIST},
    summary="Canvass campaigns you may see, the latest first",
    url_name="campaign_list",
)
def list_campaigns(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    rows = list(queries.campaign_list(request.user)[page.offset : page.offset + page.limit + 1])
    more = len(rows) > page.limit
    return {
        "items": [campaign_out(c) for c in rows[: page.limit]],
        "next_offset": page.offset + page.limit if more else None,
    }


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, **_READ},
    summary="One canvass campaign",
    url_name="campaign_detail",
)
def get_campaign(request: HttpRequest, campaign_id: Path[RecordId]) -> dict[str, Any]:
    return campaign_out(get_campaign_for_user(request.user, campaign_id))


@router.get(
    "/campaigns/{campaign_id}/progress",
    response={200: ProgressOut, **_READ},
    summary="Targets, visited, reached and remaining per grid, community and town",
    url_name="campaign_progress",
)
def get_progress(request: HttpRequest, campaign_id: Path[RecordId]) -> dict[str, Any]:
    campaign = get_campaign_for_user(request.user, campaign_id)
    return progress_out(queries.progress(request.user, campaign))


@router.get(
    "/campaigns/{campaign_id}/my-targets",
    response={200: TargetPage, **_READ},
    summary="Your own list: by compound, building, floor and house number",
    url_name="campaign_my_targets",
)
def my_targets(
    request: HttpRequest,
    campaign_id: Path[RecordId],
    page: Query[PageQuery],
    remaining: bool = False,
) -> dict[str, Any]:
    user = _user(request)
    campaign = get_campaign_for_user(user, campaign_id)
    targets = queries.my_targets(user, campaign).select_related("grid")
    if remaining:
        targets = targets.filter(is_done=False)
    rows = list(targets[page.offset : page.offset + page.limit + 1])
    more = len(rows) > page.limit
    return {
        "items": [target_out(t, user.pk) for t in rows[: page.limit]],
        "next_offset": page.offset + page.limit if more else None,
    }


@router.get(
    "/campaign-targets/{target_id}",
    response={200: TargetOut, **_READ},
    summary="One target of a campaign",
    url_name="campaign_target_detail",
)
def get_target(request: HttpRequest, target_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    return target_out(get_target_for_user(user, target_id), user.pk)


@router.post(
    "/campaign-targets/{target_id}/visits",
    response={
        200: VisitOut,
        201: VisitOut,
        403: Detail,
        404: Detail,
        409: Detail,
        422: FieldErrors,
    },
    summary="Record a visit (idempotent by client_uuid: a resend answers 200 with the visit)",
    url_name="campaign_visit_create",
)
def create_visit(request: HttpRequest, target_id: Path[RecordId], body: VisitIn) -> Status:
    user = _user(request)
    target = get_target_for_user(user, target_id)
    resident = None
    if body.new_resident is not None:
        given = body.new_resident
        resident = services.NewResident(
            name=given.name,
            document_type=given.document_type,
            document_number=given.document_number,
            phone=given.phone,
            relation=given.relation,
            moved_in=given.moved_in,
        )
    visit, created = services.record_visit(
        user,
        target,
        services.VisitInput(
            client_uuid=body.client_uuid,
            outcome=body.outcome,
            answers=dict(body.answers),
            note=body.note,
            visited_at=body.visited_at,
            new_resident=resident,
        ),
    )
    visit = Visit.objects.select_related("outcome", "visitor").get(pk=visit.pk)
    return Status(201 if created else 200, visit_out(visit))


@router.get(
    "/campaign-outcomes",
    response={200: list[OutcomeOut]},
    summary="The outcome codes a visit may record",
    url_name="campaign_outcomes",
)
def list_outcomes(request: HttpRequest) -> list[dict[str, Any]]:
    return [outcome_out(o) for o in queries.active_outcomes()]
