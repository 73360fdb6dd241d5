"""The three lists: resources member units offer (资源清单), needs of a community (需求清单) raised
by staff, by residents on the public page or from a case, and the services and projects the
community plans (服务清单)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.cases.models import Case
from wangge.claims.exceptions import Invalid, InvalidState, NotAllowed
from wangge.claims.models import (
    MemberUnit,
    Need,
    NeedSource,
    NeedState,
    Project,
    ProjectState,
    Resource,
    ResourceKind,
    Urgency,
)
from wangge.claims.permissions import acts_for, may_manage, require_manage
from wangge.claims.services import checks
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import AREA_KINDS
from wangge.people.services.persons import phone_index

# Which state a need may move to from each (moved only by these services and the agreements').
NEED_TRANSITIONS: dict[str, frozenset[str]] = {
    NeedState.OPEN: frozenset({NeedState.CLAIMED, NeedState.CLOSED_UNMET}),
    NeedState.CLAIMED: frozenset({NeedState.IN_PROGRESS, NeedState.OPEN, NeedState.CLOSED_UNMET}),
    NeedState.IN_PROGRESS: frozenset({NeedState.FULFILLED, NeedState.OPEN, NeedState.CLOSED_UNMET}),
    NeedState.FULFILLED: frozenset(),
    NeedState.CLOSED_UNMET: frozenset(),
}


def move_need(need: Need, to_state: str) -> None:
    """Move a locked need; InvalidState when the table does not allow it."""
    if to_state not in NEED_TRANSITIONS[NeedState(need.state)]:
        raise InvalidState(
            _("A need that is %(state)s cannot become %(to)s.")
            % {"state": need.get_state_display(), "to": NeedState(to_state).label},
            "state",
        )
    need.state = to_state
    need.updated_at = clock.now()
    need.save(update_fields=["state", "updated_at"])


# --- resources --------------------------------------------------------------------------------


@dataclass
class ResourceInput:
    kind: str
    title: str
    community: OrgUnit | None = None
    description: str = ""
    quantity: int | None = None
    unit: str = ""
    place: str = ""
    available_from: date | None = None
    available_until: date | None = None
    is_active: bool = True


def save_resource(
    actor: User | None,
    member_unit: MemberUnit,
    given: ResourceInput,
    resource: Resource | None = None,
) -> Resource:
    """Offer a resource of `member_unit` in one of the communities it serves, or change one.
    The unit's own contact may do it, or the staff of that community."""
    community = checks.community(given.community)
    if not member_unit.communities.filter(pk=community.pk).exists():
        raise Invalid(_("The member unit does not serve this community."), "community")
    if not (acts_for(actor, member_unit) or may_manage(actor, community)):
        raise NotAllowed()
    if resource is not None and resource.member_unit_id != member_unit.pk:
        raise NotAllowed()
    if given.kind not in ResourceKind.values:
        raise Invalid(_("Unknown kind: %(kind)s") % {"kind": given.kind}, "kind")
    checks.dates_in_order(given.available_from, given.available_until, "available_until")
    now = clock.now()
    item = resource or Resource(member_unit=member_unit, created_at=now)
    item.community = community
    item.kind = given.kind
    item.title = checks.text("title", given.title, 100, required=True)
    item.description = checks.text("description", given.description, 4000)
    item.quantity = checks.positive_quantity(given.quantity)
    item.unit = checks.text("unit", given.unit, 16)
    item.place = checks.text("place", given.place, 100)
    item.available_from = given.available_from
    item.available_until = given.available_until
    item.is_active = bool(given.is_active)
    item.updated_at = now
    with transaction.atomic():
        item.save()
        audit.record(actor, "claims.resource.save", item, f"{member_unit.name} {item.title}")
    return item


# --- needs ------------------------------------------------------------------------------------


@dataclass
class NeedInput:
    kind: str
    title: str
    description: str = ""
    quantity: int | None = None
    unit: str = ""
    place: str = ""
    urgency: str = Urgency.NORMAL
    wanted_by: date | None = None
    contact_name: str = ""
    contact_phone: str = ""


def _fill_need(need: Need, given: NeedInput, *, phone_required: bool = False) -> None:
    if given.kind not in ResourceKind.values:
        raise Invalid(_("Unknown kind: %(kind)s") % {"kind": given.kind}, "kind")
    if given.urgency not in Urgency.values:
        raise Invalid(_("Unknown urgency: %(urgency)s") % {"urgency": given.urgency}, "urgency")
    need.kind = given.kind
    need.title = checks.text("title", given.title, 100, required=True)
    need.description = checks.text("description", given.description, 4000)
    need.quantity = checks.positive_quantity(given.quantity)
    need.unit = checks.text("unit", given.unit, 16)
    need.place = checks.text("place", given.place, 100)
    need.urgency = given.urgency
    need.wanted_by = given.wanted_by
    need.contact_name = checks.text("contact_name", given.contact_name, 64)
    digits = checks.phone(given.contact_phone, "contact_phone", required=phone_required)
    need.contact_phone = digits
    need.contact_phone_index = phone_index(digits)


def _store_need(actor: User | None, need: Need, action: str) -> Need:
    with transaction.atomic():
        need.save()
        audit.record(actor, action, need, f"{need.community.code} {need.title}", source=need.source)
    return need


def raise_need(
    actor: User | None,
    community: OrgUnit,
    given: NeedInput,
    *,
    source: str = NeedSource.STAFF,
) -> Need:
    """A need raised by the community's staff (or by the system, for imports and other apps);
    `source` CANVASS for one the campaigns app raises from a canvass answer."""
    checks.community(community)
    require_manage(actor, community)
    if source not in (NeedSource.STAFF, NeedSource.CANVASS):
        raise Invalid(_("Unknown source: %(source)s") % {"source": source}, "source")
    now = clock.now()
    need = Need(
        community=community,
        source=source,
        raised_by=actor,
        created_at=now,
        updated_at=now,
    )
    _fill_need(need, given)
    return _store_need(actor, need, "claims.need.raise")


def raise_need_as_resident(community: OrgUnit, given: NeedInput) -> Need:
    """A need a resident raised on the public page, without an account: the phone is
    required (staff call back) and kept encrypted; the rate limit is the page's."""
    checks.community(community)
    now = clock.now()
    need = Need(community=community, source=NeedSource.RESIDENT, created_at=now, updated_at=now)
    _fill_need(need, given, phone_required=True)
    return _store_need(None, need, "claims.need.raise_public")


def community_of_case(case: Case) -> OrgUnit | None:
    """The community or village a case was filed in (its area or an area above it)."""
    area = case.area
    if area is None:
        return None
    if area.kind in AREA_KINDS:
        return area
    return OrgUnit.objects.filter(pk__in=area.ancestor_pks, kind__in=AREA_KINDS).first()


def raise_need_from_case(actor: User | None, case: Case, given: NeedInput) -> Need:
    """A need raised from a case the actor may see (the caller found it with
    `get_case_for_user`), linked to it, in the case's community."""
    community = community_of_case(case)
    if community is None:
        raise Invalid(_("This case is not in a community or village."), "case")
    require_manage(actor, community)
    now = clock.now()
    need = Need(
        community=community,
        source=NeedSource.CASE,
        case=case,
        raised_by=actor,
        created_at=now,
        updated_at=now,
    )
    _fill_need(need, given)
    if not need.description:
        need.description = case.description[:4000]
    return _store_need(actor, need, "claims.need.raise_from_case")


# A need may be changed while a unit can still act on what it asks: open, or claimed but not
# started (an agreement in progress or a closed need keeps what was agreed).
EDITABLE_NEED_STATES = frozenset({NeedState.OPEN, NeedState.CLAIMED})


def update_need(actor: User | None, need: Need, given: NeedInput) -> Need:
    """Change what an open or claimed need asks for; the contact phone kept when none is
    given."""
    require_manage(actor, need.community)
    with transaction.atomic():
        locked = Need.objects.select_for_update().select_related("community").get(pk=need.pk)
        if locked.state not in EDITABLE_NEED_STATES:
            raise InvalidState(_("Only an open or claimed need can be changed."), "state")
        phone = given.contact_phone or locked.contact_phone
        _fill_need(locked, NeedInput(**{**given.__dict__, "contact_phone": phone}))
        locked.updated_at = clock.now()
        locked.save()
        audit.record(actor, "claims.need.update", locked, locked.title)
    return locked


def close_need_unmet(actor: User | None, need: Need, reason: str) -> Need:
    """Close a need that will not be met (no unit can, the resident withdrew it). A live
    agreement on it must be cancelled first."""
    require_manage(actor, need.community)
    reason = checks.text("reason", reason, 200, required=True)
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.agreements.exclude(state__in=("cancelled", "fulfilled")).exists():
            raise InvalidState(_("Cancel the agreement on this need before closing it."), "state")
        move_need(locked, NeedState.CLOSED_UNMET)
        locked.close_reason = reason
        locked.save(update_fields=["close_reason"])
        audit.record(actor, "claims.need.close_unmet", locked, reason)
    return locked


# --- projects ---------------------------------------------------------------------------------


@dataclass
class ProjectInput:
    title: str
    description: str = ""
    budget: Decimal | str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


def save_project(
    actor: User | None,
    community: OrgUnit,
    given: ProjectInput,
    project: Project | None = None,
) -> Project:
    """Plan a service or project of the community, or change one that is not finished."""
    checks.community(community)
    require_manage(actor, community)
    if project is not None and project.state in (ProjectState.COMPLETED, ProjectState.CANCELLED):
        raise InvalidState(_("A finished project cannot be changed."), "state")
    checks.dates_in_order(given.starts_on, given.ends_on, "ends_on")
    now = clock.now()
    item = project or Project(community=community, created_by=actor, created_at=now)
    item.title = checks.text("title", given.title, 100, required=True)
    item.description = checks.text("description", given.description, 4000)
    item.budget = checks.money(given.budget, "budget", required=False)
    item.starts_on = given.starts_on
    item.ends_on = given.ends_on
    item.updated_at = now
    with transaction.atomic():
        item.save()
        audit.record(actor, "claims.project.save", item, f"{community.code} {item.title}")
    return item
