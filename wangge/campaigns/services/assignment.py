"""Who visits which target (分人分组分类). When a campaign opens, each grid's targets go to the
grid's grid workers (full-time before part-time), a whole building to one worker, buildings
dealt out in turn; the organiser then reassigns in bulk by grid, building, floor range or
category to any helper who may canvass there (grid workers, building volunteers, staff)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from wangge.campaigns.exceptions import Invalid, NotAllowed, WrongState
from wangge.campaigns.models import Campaign, CampaignState, Target
from wangge.core import audit
from wangge.core.models import User
from wangge.org.models import Membership, OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import GRID_WORKER_ROLES, ROLE_CAPABILITIES, Capability, Role

_WHENS_PER_UPDATE = 2000


def assign_by_default(campaign: Campaign) -> int:
    """Give each grid's targets to its grid workers, building by building; targets of a grid
    without one stay unassigned. A fixed number of statements per 2,000 buildings."""
    targets = Target.objects.filter(campaign=campaign)
    grids = targets.values("grid").distinct()
    workers: dict[int, list[int]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            unit__in=grids,
            role__in=GRID_WORKER_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .order_by("unit", "-role", "user__username")  # grid_worker sorts after part_time_…
        .values_list("unit", "user", "role")
    )
    for grid_id, user_id, _role in memberships:
        if user_id not in workers[grid_id]:
            workers[grid_id].append(user_id)
    if not workers:
        return 0
    whens: list[When] = []
    shared = [grid for grid, users in workers.items() if len(users) > 1]
    for grid_id, users in workers.items():
        if len(users) == 1:
            whens.append(When(grid_id=grid_id, then=Value(users[0])))
    if shared:
        pairs = (
            targets.filter(grid__in=shared)
            .order_by("grid", "compound_name", "building_name", "building")
            .values_list("grid", "building")
            .distinct()
        )
        turn: dict[int, int] = defaultdict(int)
        for grid_id, building_id in pairs:
            users = workers[grid_id]
            user_id = users[turn[grid_id] % len(users)]
            turn[grid_id] += 1
            whens.append(
                When(
                    Q(grid_id=grid_id)
                    & (Q(building_id=building_id) if building_id else Q(building__isnull=True)),
                    then=Value(user_id),
                )
            )
    changed = 0
    for start in range(0, len(whens), _WHENS_PER_UPDATE):
        part = whens[start : start + _WHENS_PER_UPDATE]
        condition = Q()
        for when in part:
            condition |= when.condition
        changed += targets.filter(condition).update(
            assignee=Case(*part, default=None, output_field=IntegerField())
        )
    return changed


@dataclass
class Selection:
    """Which targets of a campaign to (re)assign; every criterion given must hold."""

    grid: OrgUnit | None = None
    building_id: int | None = None
    floor_from: int | None = None
    floor_to: int | None = None
    category: str = ""
    target_ids: list[int] | None = None
    assigned_to: User | None = None
    only_unassigned: bool = False
    only_not_done: bool = False


def selected_targets(campaign: Campaign, selection: Selection) -> QuerySet[Target]:
    targets = Target.objects.filter(campaign=campaign)
    if selection.grid is not None:
        targets = targets.filter(grid=selection.grid)
    if selection.building_id:
        targets = targets.filter(building_id=selection.building_id)
    if selection.floor_from is not None:
        targets = targets.filter(floor__gte=selection.floor_from)
    if selection.floor_to is not None:
        targets = targets.filter(floor__lte=selection.floor_to)
    if selection.category:
        targets = targets.filter(category=selection.category)
    if selection.target_ids is not None:
        targets = targets.filter(pk__in=selection.target_ids)
    if selection.assigned_to is not None:
        targets = targets.filter(assignee=selection.assigned_to)
    if selection.only_unassigned:
        targets = targets.filter(assignee__isnull=True)
    if selection.only_not_done:
        targets = targets.filter(is_done=False)
    return targets


def assign_targets(
    actor: User | None, campaign: Campaign, selection: Selection, assignee: User | None
) -> int:
    """Give the selected targets to `assignee` (None: take them back); every selected target's
    grid must be one where the assignee may canvass. Returns how many were given."""
    if (
        selection.floor_from is not None
        and selection.floor_to is not None
        and selection.floor_from > selection.floor_to
    ):
        raise Invalid(_("The floor range ends below where it starts."), "floor_to")
    with transaction.atomic():
        locked = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("unit")
            .get(pk=campaign.pk)
        )
        if actor is not None and not scope_for(actor, Capability.RUN_CAMPAIGNS).contains(
            locked.unit.path
        ):
            raise NotAllowed()
        if locked.state == CampaignState.CLOSED:
            raise WrongState(_("A closed campaign cannot be reassigned."))
        targets = selected_targets(locked, selection)
        if assignee is not None:
            canvass = scope_for(assignee, Capability.CANVASS)
            grids = OrgUnit.objects.filter(pk__in=targets.values("grid").distinct())
            for grid in grids:
                if not assignee.is_active or not canvass.contains(grid.path):
                    raise Invalid(
                        _("%(name)s may not canvass in %(grid)s.")
                        % {"name": assignee.display_name, "grid": grid.name},
                        "assignee",
                    )
        count = targets.update(assignee=assignee)
        if not count:
            raise Invalid(_("No target matches this selection."), "selection")
        audit.record(
            actor,
            "campaigns.assign",
            locked,
            f"{count} → {assignee.get_username() if assignee else '-'}",
            targets=count,
        )
    return count


CANVASS_ROLES = frozenset(
    role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.CANVASS in capabilities
)


@dataclass(frozen=True)
class Helper:
    user: User
    role: str
    unit: OrgUnit

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def helpers_for(campaign: Campaign) -> list[Helper]:
    """Who may be given this campaign's visits: active holders of a canvassing role inside the
    campaign's unit, by unit then name (one query)."""
    rows = (
        Membership.objects.filter(
            unit__path__descendant_of=campaign.unit.path,
            unit__is_active=True,
            role__in=CANVASS_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__username")
    )
    seen: set[int] = set()
    helpers: list[Helper] = []
    for membership in rows:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        helpers.append(Helper(membership.user, membership.role, membership.unit))
    return helpers
