"""Who may see and do what in two-way claiming.

Staff act in the communities where they hold MANAGE_CLAIMS; everyone holding VIEW_CLAIMS sees
the communities of their scope, and a grid worker (whose scope is a grid) that of their grid's
community. A member unit acts through its contacts' accounts: an account linked to an active
contact sees its member unit, the open needs and planned projects of the communities it serves
and its own agreements, and acts for that member unit only — never for another. Volunteers have
no account; they act through their personal signed link (`services.volunteers`).

Every list goes through one `visible_*` function, and every single record through one
`get_*_for_user`: a record outside the user's reach is NotFound, as an unknown one is.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from wangge.claims.exceptions import NotAllowed, NotFound
from wangge.claims.models import (
    Agreement,
    Contact,
    Evidence,
    FundAllocation,
    MemberUnit,
    Need,
    NeedState,
    Post,
    Project,
    ProjectState,
    Resource,
    ServiceHours,
    Volunteer,
    Wish,
)
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships, scope_for
from wangge.org.roles import AREA_KINDS, Capability

AnyUser = User | AnonymousUser
_CONTACT_CACHE = "_wangge_claims_contact"


def communities_for(user: AnyUser | None, capability: str) -> QuerySet[OrgUnit]:
    """The communities and villages where `user` holds `capability`: those inside their scope,
    and the one above a grid they hold it in."""
    if user is None:
        return OrgUnit.objects.filter(kind__in=AREA_KINDS)
    scope = scope_for(user, capability)
    areas = OrgUnit.objects.filter(kind__in=AREA_KINDS)
    if scope.everything:
        return areas
    if scope.is_empty:
        return areas.none()
    above = {int(part) for root in scope.paths for part in root.strip("/").split("/")}
    inside = scope.filter(OrgUnit.objects.all()).values("pk")
    return areas.filter(Q(pk__in=inside) | Q(pk__in=above))


def may(user: AnyUser | None, capability: str, community: OrgUnit) -> bool:
    """Whether `user` holds `capability` over `community` (None is the system: always)."""
    if user is None:
        return True
    scope = scope_for(user, capability)
    if capability == Capability.MANAGE_CLAIMS:
        return scope.contains(community.path)
    return communities_for(user, capability).filter(pk=community.pk).exists()


def may_manage(user: AnyUser | None, community: OrgUnit) -> bool:
    return may(user, Capability.MANAGE_CLAIMS, community)


def require_manage(user: AnyUser | None, community: OrgUnit) -> None:
    if not may_manage(user, community):
        raise NotAllowed()


def may_view_claims(user: AnyUser) -> bool:
    return not scope_for(user, Capability.VIEW_CLAIMS).is_empty or contact_of(user) is not None


def contact_of(user: AnyUser | None) -> Contact | None:
    """The active contact this account acts as, with its member unit; cached for a request.
    An account holding a role in the platform is never a contact (`save_contact` refuses to
    link one): staff act as staff. Checking the (cached) memberships first also spares every
    staff page a query."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser or active_memberships(user):
        return None
    cached = getattr(user, _CONTACT_CACHE, False)
    if cached is False:
        cached = (
            Contact.objects.select_related("member_unit")
            .filter(user=user, is_active=True, member_unit__is_active=True)
            .first()
        )
        setattr(user, _CONTACT_CACHE, cached)
    return cached


def forget_contact(user: User) -> None:
    if hasattr(user, _CONTACT_CACHE):
        delattr(user, _CONTACT_CACHE)


def acts_for(user: AnyUser | None, member_unit: MemberUnit) -> bool:
    """Whether `user` is an account of one of `member_unit`'s contacts."""
    contact = contact_of(user)
    return contact is not None and contact.member_unit_id == member_unit.pk


def may_act_for(user: AnyUser | None, member_unit: MemberUnit, community: OrgUnit) -> bool:
    """Whether `user` may claim or record progress for `member_unit` in `community`: its own
    contact (where the unit serves), or the community's staff on its behalf."""
    if acts_for(user, member_unit):
        return member_unit.communities.filter(pk=community.pk).exists()
    return may_manage(user, community)


def _serves(member_unit_id: object) -> QuerySet[OrgUnit]:
    return MemberUnit.communities.through.objects.filter(memberunit_id=member_unit_id).values(
        "orgunit_id"
    )


# --- lists ------------------------------------------------------------------------------------


def visible_member_units(user: AnyUser) -> QuerySet[MemberUnit]:
    communities = communities_for(user, Capability.VIEW_CLAIMS).values("pk")
    through = MemberUnit.communities.through.objects.filter(
        memberunit_id=OuterRef("pk"), orgunit_id__in=communities
    )
    condition = Q(Exists(through))
    contact = contact_of(user)
    if contact is not None:
        condition |= Q(pk=contact.member_unit_id)
    return MemberUnit.objects.filter(condition)


def _scoped(queryset: QuerySet, user: AnyUser, contact_condition: Q | None = None) -> QuerySet:
    condition = Q(community__in=communities_for(user, Capability.VIEW_CLAIMS).values("pk"))
    if contact_condition is not None and contact_of(user) is not None:
        condition |= contact_condition
    return queryset.filter(condition)


def visible_resources(user: AnyUser) -> QuerySet[Resource]:
    contact = contact_of(user)
    own = Q(member_unit_id=contact.member_unit_id) if contact else None
    return _scoped(Resource.objects.all(), user, own)


def visible_needs(user: AnyUser) -> QuerySet[Need]:
    """Staff and viewers: their communities' needs. A contact: the open needs of the
    communities its unit serves, and those its unit claimed."""
    contact = contact_of(user)
    own = None
    if contact is not None:
        own = Q(state=NeedState.OPEN, community__in=_serves(contact.member_unit_id)) | Q(
            pk__in=Agreement.objects.filter(
                member_unit_id=contact.member_unit_id, need__isnull=False
            ).values("need_id")
        )
    return _scoped(Need.objects.all(), user, own)


def visible_projects(user: AnyUser) -> QuerySet[Project]:
    contact = contact_of(user)
    own = None
    if contact is not None:
        own = Q(state=ProjectState.PLANNED, community__in=_serves(contact.member_unit_id)) | Q(
            pk__in=Agreement.objects.filter(
                member_unit_id=contact.member_unit_id, project__isnull=False
            ).values("project_id")
        )
    return _scoped(Project.objects.all(), user, own)


def visible_agreements(user: AnyUser) -> QuerySet[Agreement]:
    contact = contact_of(user)
    own = Q(member_unit_id=contact.member_unit_id) if contact else None
    return _scoped(Agreement.objects.all(), user, own)


def visible_volunteers(user: AnyUser) -> QuerySet[Volunteer]:
    return _scoped(Volunteer.objects.all(), user)


def visible_wishes(user: AnyUser) -> QuerySet[Wish]:
    return _scoped(Wish.objects.all(), user)


def visible_posts(user: AnyUser) -> QuerySet[Post]:
    return _scoped(Post.objects.all(), user)


def visible_hours(user: AnyUser) -> QuerySet[ServiceHours]:
    return _scoped(ServiceHours.objects.all(), user)


def visible_allocations(user: AnyUser) -> QuerySet[FundAllocation]:
    return _scoped(FundAllocation.objects.all(), user)


# --- one record -------------------------------------------------------------------------------


def _get(queryset: QuerySet, record_id: int | str) -> object:
    try:
        return queryset.get(pk=int(record_id))
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def get_member_unit_for_user(user: AnyUser, member_unit_id: int | str) -> MemberUnit:
    return _get(visible_member_units(user), member_unit_id)  # type: ignore[return-value]


def get_resource_for_user(user: AnyUser, resource_id: int | str) -> Resource:
    rows = visible_resources(user).select_related("member_unit", "community")
    return _get(rows, resource_id)  # type: ignore[return-value]


def get_need_for_user(user: AnyUser, need_id: int | str) -> Need:
    rows = visible_needs(user).select_related("community", "case")
    return _get(rows, need_id)  # type: ignore[return-value]


def get_project_for_user(user: AnyUser, project_id: int | str) -> Project:
    rows = visible_projects(user).select_related("community")
    return _get(rows, project_id)  # type: ignore[return-value]


def get_agreement_for_user(user: AnyUser, agreement_id: int | str) -> Agreement:
    rows = visible_agreements(user).select_related(
        "community", "member_unit", "contact", "need", "project", "claimed_by"
    )
    return _get(rows, agreement_id)  # type: ignore[return-value]


def get_volunteer_for_user(user: AnyUser, volunteer_id: int | str) -> Volunteer:
    rows = visible_volunteers(user).select_related("community")
    return _get(rows, volunteer_id)  # type: ignore[return-value]


def get_wish_for_user(user: AnyUser, wish_id: int | str) -> Wish:
    rows = visible_wishes(user).select_related("community", "volunteer")
    return _get(rows, wish_id)  # type: ignore[return-value]


def get_post_for_user(user: AnyUser, post_id: int | str) -> Post:
    return _get(visible_posts(user).select_related("community"), post_id)  # type: ignore[return-value]


def get_hours_for_user(user: AnyUser, hours_id: int | str) -> ServiceHours:
    rows = visible_hours(user).select_related("volunteer", "community")
    return _get(rows, hours_id)  # type: ignore[return-value]


def get_allocation_for_user(user: AnyUser, allocation_id: int | str) -> FundAllocation:
    rows = visible_allocations(user).select_related("community")
    return _get(rows, allocation_id)  # type: ignore[return-value]


def get_evidence_for_user(user: AnyUser, claim_evidence_id: int | str) -> Evidence:
    """A file of an agreement the user may see."""
    rows = Evidence.objects.select_related("attachment").filter(
        entry__agreement__in=visible_agreements(user)
    )
    return _get(rows, claim_evidence_id)  # type: ignore[return-value]
