"""Endpoints of campaigns (mounted under /api/v1/ by wangge.api): the campaigns a user sees,
their progress, a helper's own list, one target, recording a visit (idempotent by the client's
UUID: a second sending answers 200 with the stored visit) and the outcome codes; and the
organisers' writes (RUN_CAMPAIGNS over the campaign's unit): creating a campaign as a draft,
adding a question to a draft, opening it, and reassigning its targets in bulk.

Thin adapters: lists are scoped by `permissions`, one record goes through `get_*_for_user` (one
outside the user's reach is a 404, as an unknown one is), every write through `services`. The
campaigns' refusals are mapped to HTTP once, by `answer_refusals` (from wangge.core).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from wangge.campaigns import queries, services
from wangge.campaigns.api_schemas import (
    AssignedOut,
    AssignIn,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CanvassVisitIn,
    CanvassVisitOut,
    Detail,
    FieldErrors,
    OpenedOut,
    OutcomeOut,
    PageQuery,
    ProgressOut,
    QuestionIn,
    QuestionOut,
    TargetOut,
    TargetPage,
    campaign_out,
    outcome_out,
    progress_out,
    question_out,
    target_out,
    visit_out,
)
from wangge.campaigns.exceptions import (
    CampaignError,
    Invalid,
    NotAllowed,
    NotFound,
    UuidTaken,
    WrongState,
)
from wangge.campaigns.models import Campaign, CampaignState, Visit
from wangge.campaigns.permissions import (
    get_campaign_for_user,
    get_target_for_user,
    may_run,
    may_run_somewhere,
)
from wangge.core.api_refusals import answer_refusals
from wangge.core.api_schemas import RecordId
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people.models import Building, Compound, HouseUse

router = Router(tags=["campaigns"])

_READ: dict[int, Any] = {404: Detail, 422: FieldErrors}
_LIST: dict[int, Any] = {422: FieldErrors}
_WRITE: dict[int, Any] = {403: Detail, 404: Detail, 409: Detail, 422: FieldErrors}

# The services name their fields as the forms do; the API's bodies name some differently.
_BODY_FIELDS = {
    "unit": "unit_code",
    "units": "unit_codes",
    "compounds": "compound_ids",
    "buildings": "building_ids",
}


router.add_decorator(
    answer_refusals(
        CampaignError,
        {NotFound: 404, NotAllowed: 403, WrongState: 409, UuidTaken: 409},
        _BODY_FIELDS,
    )
)


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


def _run_campaign(user: User, campaign_id: int) -> Campaign:
    """A campaign the user runs: one they cannot see is a 404, one they only see a 403."""
    campaign = get_campaign_for_user(user, campaign_id)
    if not may_run(user, campaign):
        raise NotAllowed(_("You may not run this campaign."))
    return campaign


def _campaign_input(user: User, body: CampaignIn) -> services.CampaignInput:
    """The body's codes and ids as records inside the user's RUN_CAMPAIGNS scope; one outside
    it is named as unknown, as a missing one is."""
    scope = scope_for(user, Capability.RUN_CAMPAIGNS)
    unit = queries.campaign_units_for(user).filter(code=body.unit_code).first()
    if unit is None:
        if OrgUnit.objects.filter(code=body.unit_code).exists():
            raise NotAllowed(_("You may not run campaigns in this unit."), "unit_code")
        raise Invalid(_("No community, town or district has this code."), "unit_code")
    codes = sorted(set(body.unit_codes))
    units = list(scope.filter(OrgUnit.objects.filter(code__in=codes, is_active=True)))
    if len(units) != len(codes):
        raise Invalid(_("An org unit code is unknown."), "unit_codes")
    compound_ids = sorted(set(body.compound_ids))
    compounds = list(
        scope.filter(Compound.objects.filter(pk__in=compound_ids), "grid__path").select_related(
            "grid"
        )
    )
    if len(compounds) != len(compound_ids):
        raise Invalid(_("A compound is unknown."), "compound_ids")
    building_ids = sorted(set(body.building_ids))
    buildings = list(
        scope.filter(Building.objects.filter(pk__in=building_ids), "grid__path").select_related(
            "grid", "compound"
        )
    )
    if len(buildings) != len(building_ids):
        raise Invalid(_("A building is unknown."), "building_ids")
    return services.CampaignInput(
        title=body.title,
        unit=unit,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        description=body.description,
        target_kind=body.target_kind,
        units=units,
        compounds=compounds,
        buildings=buildings,
        uses=list(body.uses),
        tags=list(body.tags),
    )


@router.post(
    "/campaigns",
    response={201: CampaignOut, 403: Detail, 422: FieldErrors},
    summary="Create a canvass campaign as a draft (organisers)",
    url_name="campaign_create",
)
def create_campaign(request: HttpRequest, body: CampaignIn) -> Status:
    user = _user(request)
    if not may_run_somewhere(user):
        raise NotAllowed(_("You may not run campaigns."))
    campaign = services.create_campaign(user, _campaign_input(user, body))
    campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    return Status(201, campaign_out(campaign))


@router.post(
    "/campaigns/{campaign_id}/questions",
    response={201: QuestionOut, **_WRITE},
    summary="Add a question to a draft campaign's questionnaire (organisers)",
    url_name="campaign_question_create",
)
def add_question(request: HttpRequest, campaign_id: Path[RecordId], body: QuestionIn) -> Status:
    user = _user(request)
    campaign = _run_campaign(user, campaign_id)
    question = services.add_question(
        user,
        campaign,
        services.QuestionInput(
            label=body.label,
            kind=body.kind,
            choices=list(body.choices),
            is_required=body.is_required,
            help_text=body.help_text,
        ),
    )
    return Status(201, question_out(question))


@router.post(
    "/campaigns/{campaign_id}/open",
    response={200: OpenedOut, **_WRITE},
    summary="Open a draft campaign: its targets are made and given to the grids' workers",
    url_name="campaign_open",
)
def open_campaign(request: HttpRequest, campaign_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    campaign = _run_campaign(user, campaign_id)
    count = services.open_campaign(user, campaign)
    campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    return {"campaign": campaign_out(campaign), "targets": count}


@router.post(
    "/campaigns/{campaign_id}/assignments",
    response={200: AssignedOut, **_WRITE},
    summary="Give the selected targets of an open campaign to a helper, or take them back",
    url_name="campaign_assign",
)
def assign_targets(
    request: HttpRequest, campaign_id: Path[RecordId], body: AssignIn
) -> dict[str, Any]:
    user = _user(request)
    campaign = _run_campaign(user, campaign_id)
    if campaign.state == CampaignState.DRAFT:
        raise WrongState(_("Open the campaign first: its targets are made when it opens."))
    assignee = None
    if body.assignee is not None:
        helpers = {h.user.get_username(): h.user for h in services.helpers_for(campaign)}
        assignee = helpers.get(body.assignee)
        if assignee is None:
            raise Invalid(_("Nobody of this username may canvass in this campaign."), "assignee")
    grid = None
    if body.grid_code is not None:
        grid = OrgUnit.objects.filter(
            code=body.grid_code, pk__in=campaign.targets.values("grid")
        ).first()
        if grid is None:
            raise Invalid(_("The campaign has no target in a grid of this code."), "grid_code")
    if body.category and body.category not in HouseUse.values:
        raise Invalid(_("Unknown house use: %(use)s") % {"use": body.category}, "category")
    selection = services.Selection(
        grid=grid,
        building_id=body.building_id,
        floor_from=body.floor_from,
        floor_to=body.floor_to,
        category=body.category,
        target_ids=body.target_ids,
        only_not_done=body.only_not_done,
        only_unassigned=body.only_unassigned,
    )
    return {"count": services.assign_targets(user, campaign, selection, assignee)}


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
        200: CanvassVisitOut,
        201: CanvassVisitOut,
        403: Detail,
        404: Detail,
        409: Detail,
        422: FieldErrors,
    },
    summary="Record a visit (idempotent by client_uuid: a resend answers 200 with the visit)",
    url_name="campaign_visit_create",
)
def create_visit(request: HttpRequest, target_id: Path[RecordId], body: CanvassVisitIn) -> Status:
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
