"""Who may see, run and visit what in a campaign.

- A campaign is seen by those holding VIEW_CAMPAIGNS over the unit that runs it, by those
  holding it in a grid under that unit once the campaign is no longer a draft (a grid worker sees
  the campaigns that cover their grid), and by a helper with a target of it assigned to them.
- Its figures and lists show only the targets of grids in the viewer's VIEW_CAMPAIGNS scope,
  plus the targets assigned to them.
- It is run (edited, opened, closed, assigned, exported) by those holding RUN_CAMPAIGNS over its
  unit.
- A target is visited, while its campaign is open, by the helper it is assigned to, or by
  anyone who holds both CANVASS and VIEW_CAMPAIGNS over its grid (the grid's workers, the
  community's staff). A building volunteer visits only what is assigned to them.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from wangge.campaigns.exceptions import NotAllowed, NotFound
from wangge.campaigns.models import Campaign, CampaignState, Target
from wangge.core.models import User
from wangge.core.scope import Scope
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability


def _ancestor_paths(scope: Scope) -> set[str]:
    """Every path on the way down to a root of `scope`, the roots included."""
    paths: set[str] = set()
    for root in scope.paths:
        parts = root.strip("/").split("/")
        paths.update("/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return paths


def visible_campaigns(user: User | AnonymousUser) -> QuerySet[Campaign]:
    if not user.is_authenticated:
        return Campaign.objects.none()
    scope = scope_for(user, Capability.VIEW_CAMPAIGNS)
    if scope.everything:
        return Campaign.objects.all()
    condition = Q(pk__in=Target.objects.filter(assignee=user).values("campaign"))
    if not scope.is_empty:
        condition |= Q(pk__in=scope.filter(Campaign.objects.all(), "unit__path").values("pk"))
        covering = _ancestor_paths(scope)
        condition |= Q(unit__path__in=covering) & ~Q(state=CampaignState.DRAFT)
    return Campaign.objects.filter(condition)


def get_campaign_for_user(user: User | AnonymousUser, campaign_id: int | str) -> Campaign:
    try:
        pk = int(campaign_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    campaign = visible_campaigns(user).select_related("unit", "created_by").filter(pk=pk).first()
    if campaign is None:
        raise NotFound()
    return campaign


def may_run(user: User | AnonymousUser | None, campaign: Campaign) -> bool:
    if user is None:
        return True
    return scope_for(user, Capability.RUN_CAMPAIGNS).contains(campaign.unit.path)


def require_run(user: User | None, campaign: Campaign) -> None:
    if not may_run(user, campaign):
        raise NotAllowed()


def may_run_somewhere(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.RUN_CAMPAIGNS).is_empty


def visible_targets(user: User | AnonymousUser) -> QuerySet[Target]:
    """Targets of grids in the user's VIEW_CAMPAIGNS scope, and those assigned to them."""
    if not user.is_authenticated:
        return Target.objects.none()
    scope = scope_for(user, Capability.VIEW_CAMPAIGNS)
    if scope.everything:
        return Target.objects.all()
    condition = Q(assignee=user)
    if not scope.is_empty:
        units = scope.filter(OrgUnit.objects.all()).values("pk")
        condition |= Q(grid__in=units)
    return Target.objects.filter(condition)


def get_target_for_user(user: User | AnonymousUser, target_id: int | str) -> Target:
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    target = (
        visible_targets(user)
        .select_related("campaign", "campaign__unit", "grid", "house", "last_outcome", "assignee")
        .filter(pk=pk)
        .first()
    )
    if target is None or target.campaign.state == CampaignState.DRAFT:
        raise NotFound()
    return target


def may_visit(user: User | AnonymousUser | None, target: Target) -> bool:
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    if target.campaign.state != CampaignState.OPEN:
        return False
    if target.assignee_id == user.pk:
        return True
    if not scope_for(user, Capability.CANVASS).contains(target.grid.path):
        return False
    return scope_for(user, Capability.VIEW_CAMPAIGNS).contains(target.grid.path)


def require_visit(user: User | None, target: Target) -> None:
    if not may_visit(user, target):
        raise NotAllowed()


def may_canvass_in(user: User, grid: OrgUnit) -> bool:
    """Whether `user` may be given visits in `grid` (holds CANVASS there)."""
    return user.is_active and scope_for(user, Capability.CANVASS).contains(grid.path)


def may_manage_outcomes(user: User | AnonymousUser | None) -> bool:
    """Outcome codes are the city's: only an administrator of the whole tree edits them."""
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    scope = scope_for(user, Capability.MANAGE_ORG)
    if scope.everything:
        return True
    if scope.is_empty:
        return False
    roots = list(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
    return bool(roots) and all(scope.contains(path) for path in roots)


def require_manage_outcomes(user: User | None) -> None:
    if not may_manage_outcomes(user):
        raise NotAllowed()
