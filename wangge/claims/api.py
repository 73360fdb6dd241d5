"""Endpoints of claims (mounted under /api/v1/ by wangge.api): member units, the three lists,
suggestions, claims, agreements with deliverables and progress, volunteers and their hours, and
the figures.

Thin adapters: lists are scoped by `permissions.visible_*` and paged newest first (`before`:
the last id of the previous page), one record goes through `get_*_for_user` (out of reach is a
404, as unknown is), every write through `services`. Refusals are mapped once, by
`answer_refusals`: NotFound 404, NotAllowed 403, InvalidState 409, Invalid 422 naming the field.
Evidence is uploaded first with POST /api/v1/attachments and cited by uid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from wangge.cases.exceptions import NotFound as CaseNotFound
from wangge.cases.models import Attachment
from wangge.cases.permissions import get_case_for_user
from wangge.claims import queries, services
from wangge.claims.api_schemas import (
    ClaimsAgreementDetail,
    ClaimsAgreementListQuery,
    ClaimsAgreementPage,
    ClaimsClaimIn,
    ClaimsCompleteIn,
    ClaimsDecisionIn,
    ClaimsDeliverableIn,
    ClaimsDeliverableOut,
    ClaimsDetail,
    ClaimsFieldErrors,
    ClaimsFiguresOut,
    ClaimsFiguresQuery,
    ClaimsHoursIn,
    ClaimsHoursOut,
    ClaimsMemberUnitIn,
    ClaimsMemberUnitOut,
    ClaimsMemberUnitPage,
    ClaimsNeedIn,
    ClaimsNeedListQuery,
    ClaimsNeedOut,
    ClaimsNeedPage,
    ClaimsPageQuery,
    ClaimsProgressIn,
    ClaimsProgressOut,
    ClaimsProjectIn,
    ClaimsProjectOut,
    ClaimsProjectPage,
    ClaimsReasonIn,
    ClaimsResourceIn,
    ClaimsResourceOut,
    ClaimsResourcePage,
    ClaimsSuggestionOut,
    ClaimsVolunteerListQuery,
    ClaimsVolunteerOut,
    ClaimsVolunteerPage,
    agreement_out,
    member_unit_out,
    need_out,
    project_out,
    resource_out,
    suggestion_out,
    volunteer_out,
)
from wangge.claims.exceptions import ClaimsError, Invalid, InvalidState, NotAllowed, NotFound
from wangge.claims.models import Agreement, MemberUnit
from wangge.claims.permissions import (
    communities_for,
    get_agreement_for_user,
    get_hours_for_user,
    get_member_unit_for_user,
    get_need_for_user,
    get_project_for_user,
    get_volunteer_for_user,
    visible_agreements,
    visible_member_units,
    visible_needs,
    visible_projects,
    visible_resources,
    visible_volunteers,
)
from wangge.core.api_refusals import answer_refusals
from wangge.core.api_schemas import RecordId
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability

router = Router(tags=["claims"])

_READ: dict[int, Any] = {404: ClaimsDetail, 422: ClaimsFieldErrors}
_WRITE: dict[int, Any] = {
    403: ClaimsDetail,
    404: ClaimsDetail,
    409: ClaimsDetail,
    422: ClaimsFieldErrors,
}
_LIST: dict[int, Any] = {422: ClaimsFieldErrors}


router.add_decorator(
    answer_refusals(ClaimsError, {NotFound: 404, NotAllowed: 403, InvalidState: 409})
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(
    rows: QuerySet, page: ClaimsPageQuery, out: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    if page.before is not None:
        rows = rows.filter(pk__lt=page.before)
    found = list(rows.order_by("-pk")[: page.limit + 1])
    more = len(found) > page.limit
    found = found[: page.limit]
    return {"items": [out(row) for row in found], "next_before": found[-1].pk if more else None}


def _community(user: User, code: str, field: str = "community") -> OrgUnit:
    """A community where the user keeps the lists, or Invalid naming `field`."""
    found = communities_for(user, Capability.MANAGE_CLAIMS).filter(code=code).first()
    if found is None:
        raise Invalid(_("Choose a community or village you keep."), field)
    return found


def _evidence(user: User, uids: list[UUID]) -> list[Attachment]:
    found = {a.uid: a for a in Attachment.objects.filter(uid__in=uids, uploaded_by=user, case=None)}
    if len(found) != len(set(uids)):
        raise Invalid(_("This file cannot be used as evidence here."), "evidence")
    return [found[uid] for uid in uids]


# --- member units and resources ---------------------------------------------------------------


@router.get(
    "/claims/member-units",
    response={200: ClaimsMemberUnitPage, **_LIST},
    summary="Member units of the communities you see (a contact: its own)",
    url_name="claims_member_unit_list",
)
def list_member_units(request: HttpRequest, page: Query[ClaimsPageQuery]) -> dict[str, Any]:
    rows = visible_member_units(request.user).prefetch_related("communities")
    return _page(rows, page, member_unit_out)


@router.post(
    "/claims/member-units",
    response={201: ClaimsMemberUnitOut, **_WRITE},
    summary="Register a member unit of communities you keep",
    url_name="claims_member_unit_create",
)
def create_member_unit(request: HttpRequest, payload: ClaimsMemberUnitIn) -> Status[dict[str, Any]]:
    user = _user(request)
    communities = [_community(user, code, "communities") for code in payload.communities]
    unit = services.save_member_unit(
        user,
        services.MemberUnitInput(
            name=payload.name,
            kind=payload.kind,
            communities=communities,
            credit_code=payload.credit_code,
            address=payload.address,
            note=payload.note,
        ),
    )
    return Status(201, member_unit_out(unit))


@router.get(
    "/claims/member-units/{member_unit_id}",
    response={200: ClaimsMemberUnitOut, **_READ},
    summary="One member unit",
    url_name="claims_member_unit_detail",
)
def get_member_unit(request: HttpRequest, member_unit_id: Path[RecordId]) -> dict[str, Any]:
    return member_unit_out(get_member_unit_for_user(request.user, member_unit_id))


@router.post(
    "/claims/member-units/{member_unit_id}/resources",
    response={201: ClaimsResourceOut, **_WRITE},
    summary="Offer a resource of the member unit (its contact, or the community's staff)",
    url_name="claims_resource_create",
)
def create_resource(
    request: HttpRequest, member_unit_id: Path[RecordId], payload: ClaimsResourceIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    unit = get_member_unit_for_user(user, member_unit_id)
    community = unit.communities.filter(code=payload.community).first()
    if community is None:
        raise Invalid(_("The member unit does not serve this community."), "community")
    row = services.save_resource(
        user,
        unit,
        services.ResourceInput(
            kind=payload.kind,
            title=payload.title,
            community=community,
            description=payload.description,
            quantity=payload.quantity,
            unit=payload.unit,
            place=payload.place,
            available_from=payload.available_from,
            available_until=payload.available_until,
        ),
    )
    return Status(201, resource_out(row))


@router.get(
    "/claims/resources",
    response={200: ClaimsResourcePage, **_LIST},
    summary="Resources offered in the communities you see",
    url_name="claims_resource_list",
)
def list_resources(request: HttpRequest, page: Query[ClaimsPageQuery]) -> dict[str, Any]:
    rows = visible_resources(request.user).select_related("member_unit", "community")
    return _page(rows, page, resource_out)


# --- needs ------------------------------------------------------------------------------------


@router.get(
    "/claims/needs",
    response={200: ClaimsNeedPage, **_LIST},
    summary="Needs you may see; contact phones masked",
    url_name="claims_need_list",
)
def list_needs(request: HttpRequest, filters: Query[ClaimsNeedListQuery]) -> dict[str, Any]:
    rows = visible_needs(request.user).select_related("community", "case")
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.community:
        rows = rows.filter(community__code=filters.community)
    return _page(rows, filters, need_out)


@router.post(
    "/claims/needs",
    response={201: ClaimsNeedOut, **_WRITE},
    summary="Raise a need in a community you keep, or from a case you can see",
    url_name="claims_need_create",
)
def create_need(request: HttpRequest, payload: ClaimsNeedIn) -> Status[dict[str, Any]]:
    user = _user(request)
    given = services.NeedInput(
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        quantity=payload.quantity,
        unit=payload.unit,
        place=payload.place,
        urgency=payload.urgency,
        wanted_by=payload.wanted_by,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
    )
    if payload.case:
        try:
            case = get_case_for_user(user, payload.case)
        except CaseNotFound:
            raise Invalid(_("No case you can see has this number."), "case") from None
        need = services.raise_need_from_case(user, case, given)
    else:
        need = services.raise_need(user, _community(user, payload.community), given)
    return Status(201, need_out(need))


@router.get(
    "/claims/needs/{need_id}",
    response={200: ClaimsNeedOut, **_READ},
    summary="One need",
    url_name="claims_need_detail",
)
def get_need(request: HttpRequest, need_id: Path[RecordId]) -> dict[str, Any]:
    return need_out(get_need_for_user(request.user, need_id))


@router.get(
    "/claims/needs/{need_id}/suggestions",
    response={200: list[ClaimsSuggestionOut], **_READ},
    summary="Resources suggested for the need, best first, with the reasons of each score",
    url_name="claims_need_suggestions",
)
def need_suggestions(request: HttpRequest, need_id: Path[RecordId]) -> list[dict[str, Any]]:
    need = get_need_for_user(request.user, need_id)
    return [suggestion_out(found) for found in services.suggest_resources(need)]


def _claimant(user: User, member_unit_id: int) -> MemberUnit:
    try:
        return get_member_unit_for_user(user, member_unit_id)
    except NotFound:
        raise Invalid(_("No member unit you may act for has this id."), "member_unit_id") from None


def _claim_input(payload: ClaimsClaimIn) -> services.ClaimInput:
    return services.ClaimInput(
        title=payload.title,
        terms=payload.terms,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        deliverables=[(d.title, d.due_on) for d in payload.deliverables],
    )


def _agreement_detail(user: User, agreement: Agreement) -> dict[str, Any]:
    row = (
        queries.with_overdue(visible_agreements(user), queries.today())
        .select_related("community", "member_unit")
        .get(pk=agreement.pk)
    )
    progress = queries.progress_of(row)
    return {
        **agreement_out(row),
        "terms": row.terms,
        "outcome": row.outcome,
        "deliverables": [
            {
                "id": item["deliverable"].pk,
                "title": item["deliverable"].title,
                "due_on": item["deliverable"].due_on,
                "done_at": item["deliverable"].done_at,
                "is_overdue": item["is_overdue"],
            }
            for item in queries.deliverables_of(row)
        ],
        "progress": [
            {
                "id": entry.pk,
                "note": entry.note,
                "is_completion": entry.is_completion,
                "deliverable_id": entry.deliverable_id,
                "recorded_at": entry.recorded_at,
                "evidence": [e.attachment.uid for e in entry.evidence.all()],
            }
            for entry in progress
        ],
    }


@router.post(
    "/claims/needs/{need_id}/claim",
    response={201: ClaimsAgreementDetail, **_WRITE},
    summary="Claim the need for a member unit: the agreement is made (409 if claimed already)",
    url_name="claims_need_claim",
)
def claim_need(
    request: HttpRequest, need_id: Path[RecordId], payload: ClaimsClaimIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    need = get_need_for_user(user, need_id)
    made = services.claim_need(
        user, need, _claimant(user, payload.member_unit_id), _claim_input(payload)
    )
    return Status(201, _agreement_detail(user, made))


# --- projects ---------------------------------------------------------------------------------


@router.get(
    "/claims/projects",
    response={200: ClaimsProjectPage, **_LIST},
    summary="Services and projects you may see",
    url_name="claims_project_list",
)
def list_projects(request: HttpRequest, page: Query[ClaimsPageQuery]) -> dict[str, Any]:
    return _page(visible_projects(request.user).select_related("community"), page, project_out)


@router.post(
    "/claims/projects",
    response={201: ClaimsProjectOut, **_WRITE},
    summary="Plan a service or project in a community you keep",
    url_name="claims_project_create",
)
def create_project(request: HttpRequest, payload: ClaimsProjectIn) -> Status[dict[str, Any]]:
    user = _user(request)
    project = services.save_project(
        user,
        _community(user, payload.community),
        services.ProjectInput(
            title=payload.title,
            description=payload.description,
            budget=payload.budget,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
        ),
    )
    return Status(201, project_out(project))


@router.post(
    "/claims/projects/{project_id}/claim",
    response={201: ClaimsAgreementDetail, **_WRITE},
    summary="Claim the project for a member unit (409 if claimed already)",
    url_name="claims_project_claim",
)
def claim_project(
    request: HttpRequest, project_id: Path[RecordId], payload: ClaimsClaimIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    project = get_project_for_user(user, project_id)
    made = services.claim_project(
        user, project, _claimant(user, payload.member_unit_id), _claim_input(payload)
    )
    return Status(201, _agreement_detail(user, made))


# --- agreements -------------------------------------------------------------------------------


@router.get(
    "/claims/agreements",
    response={200: ClaimsAgreementPage, **_LIST},
    summary="Agreements you may see, with whether each is overdue now",
    url_name="claims_agreement_list",
)
def list_agreements(
    request: HttpRequest, filters: Query[ClaimsAgreementListQuery]
) -> dict[str, Any]:
    today = queries.today()
    rows = queries.with_overdue(visible_agreements(request.user), today).select_related(
        "community", "member_unit"
    )
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.overdue:
        rows = rows.filter(queries.overdue_agreements(today))
    if filters.member_unit_id:
        rows = rows.filter(member_unit_id=filters.member_unit_id)
    return _page(rows, filters, agreement_out)


@router.get(
    "/claims/agreements/{agreement_id}",
    response={200: ClaimsAgreementDetail, **_READ},
    summary="One agreement: parties, dates, deliverables and progress",
    url_name="claims_agreement_detail",
)
def get_agreement(request: HttpRequest, agreement_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    return _agreement_detail(user, get_agreement_for_user(user, agreement_id))


@router.post(
    "/claims/agreements/{agreement_id}/deliverables",
    response={201: ClaimsDeliverableOut, **_WRITE},
    summary="Add a deliverable with its due date",
    url_name="claims_agreement_deliverable",
)
def add_deliverable(
    request: HttpRequest, agreement_id: Path[RecordId], payload: ClaimsDeliverableIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    agreement = get_agreement_for_user(user, agreement_id)
    row = services.add_deliverable(user, agreement, payload.title, payload.due_on)
    return Status(
        201,
        {
            "id": row.pk,
            "title": row.title,
            "due_on": row.due_on,
            "done_at": None,
            "is_overdue": row.due_on < queries.today(),
        },
    )


@router.post(
    "/claims/agreements/{agreement_id}/progress",
    response={201: ClaimsProgressOut, **_WRITE},
    summary="Record progress with evidence (uids of your uploads)",
    url_name="claims_agreement_progress",
)
def record_progress(
    request: HttpRequest, agreement_id: Path[RecordId], payload: ClaimsProgressIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    agreement = get_agreement_for_user(user, agreement_id)
    deliverable = None
    if payload.deliverable_id is not None:
        deliverable = agreement.deliverables.filter(pk=payload.deliverable_id).first()
        if deliverable is None:
            raise Invalid(_("This deliverable belongs to another agreement."), "deliverable_id")
    entry = services.record_progress(
        user, agreement, payload.note, _evidence(user, payload.evidence), deliverable=deliverable
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "note": entry.note,
            "is_completion": False,
            "deliverable_id": entry.deliverable_id,
            "recorded_at": entry.recorded_at,
            "evidence": payload.evidence,
        },
    )


@router.post(
    "/claims/agreements/{agreement_id}/complete",
    response={200: ClaimsAgreementDetail, **_WRITE},
    summary="Complete the agreement with evidence (now or given with earlier progress)",
    url_name="claims_agreement_complete",
)
def complete_agreement(
    request: HttpRequest, agreement_id: Path[RecordId], payload: ClaimsCompleteIn
) -> dict[str, Any]:
    user = _user(request)
    agreement = get_agreement_for_user(user, agreement_id)
    services.complete_agreement(user, agreement, payload.outcome, _evidence(user, payload.evidence))
    return _agreement_detail(user, agreement)


@router.post(
    "/claims/agreements/{agreement_id}/cancel",
    response={200: ClaimsAgreementDetail, **_WRITE},
    summary="Cancel a live agreement: its need is open again",
    url_name="claims_agreement_cancel",
)
def cancel_agreement(
    request: HttpRequest, agreement_id: Path[RecordId], payload: ClaimsReasonIn
) -> dict[str, Any]:
    user = _user(request)
    agreement = get_agreement_for_user(user, agreement_id)
    services.cancel_agreement(user, agreement, payload.reason)
    return _agreement_detail(user, agreement)


# --- volunteers -------------------------------------------------------------------------------


@router.get(
    "/claims/volunteers",
    response={200: ClaimsVolunteerPage, **_LIST},
    summary="Volunteers registered with the communities you see; phones masked",
    url_name="claims_volunteer_list",
)
def list_volunteers(
    request: HttpRequest, filters: Query[ClaimsVolunteerListQuery]
) -> dict[str, Any]:
    rows = visible_volunteers(request.user).select_related("community")
    if filters.state:
        rows = rows.filter(state=filters.state)
    return _page(rows, filters, volunteer_out)


@router.post(
    "/claims/volunteers/{volunteer_id}/decision",
    response={200: ClaimsVolunteerOut, **_WRITE},
    summary="Confirm (or decline) a registration",
    url_name="claims_volunteer_decision",
)
def decide_volunteer(
    request: HttpRequest, volunteer_id: Path[RecordId], payload: ClaimsDecisionIn
) -> dict[str, Any]:
    user = _user(request)
    volunteer = get_volunteer_for_user(user, volunteer_id)
    decide = services.confirm_volunteer if payload.confirmed else services.decline_volunteer
    return volunteer_out(decide(user, volunteer))


def _hours_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "volunteer_id": row.volunteer_id,
        "served_on": row.served_on,
        "hours": row.hours,
        "what": row.what,
        "state": row.state,
    }


@router.post(
    "/claims/volunteers/{volunteer_id}/hours",
    response={201: ClaimsHoursOut, **_WRITE},
    summary="Record a volunteer's hours (confirmed at once)",
    url_name="claims_volunteer_hours",
)
def record_hours(
    request: HttpRequest, volunteer_id: Path[RecordId], payload: ClaimsHoursIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    volunteer = get_volunteer_for_user(user, volunteer_id)
    row = services.record_hours(user, volunteer, payload.served_on, payload.hours, payload.what)
    return Status(201, _hours_out(row))


@router.post(
    "/claims/hours/{hours_id}/decision",
    response={200: ClaimsHoursOut, **_WRITE},
    summary="Confirm (or reject) hours a volunteer recorded",
    url_name="claims_hours_decision",
)
def decide_hours(
    request: HttpRequest, hours_id: Path[RecordId], payload: ClaimsDecisionIn
) -> dict[str, Any]:
    user = _user(request)
    row = get_hours_for_user(user, hours_id)
    return _hours_out(services.confirm_hours(user, row, confirmed=payload.confirmed))


# --- figures ----------------------------------------------------------------------------------


@router.get(
    "/claims/figures",
    response={200: ClaimsFiguresOut, **_LIST},
    summary="Agreements reached, fulfilled and overdue per community and member unit; funds "
    "allocated and spent; confirmed volunteer hours",
    url_name="claims_figures",
)
def figures(request: HttpRequest, filters: Query[ClaimsFiguresQuery]) -> dict[str, Any]:
    return queries.figures(request.user, year=filters.year)
