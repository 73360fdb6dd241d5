"""Reads for the campaigns' pages and API: each starts from a scoped queryset of `permissions`,
so nothing outside the user's grids (or their own assignments) is read. Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wangge.campaigns.models import (
    Campaign,
    CampaignState,
    OutcomeCode,
    Target,
    TargetNeed,
    Visit,
)
from wangge.campaigns.permissions import visible_campaigns, visible_targets
from wangge.core.masking import mask_id_number, mask_phone
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability, UnitKind
from wangge.people import services as people
from wangge.people.models import House

LIST_ORDER = ("compound_name", "building_name", "floor", "number", "label", "pk")


def campaign_list(user: User | AnonymousUser) -> QuerySet[Campaign]:
    return visible_campaigns(user).select_related("unit").order_by("-starts_on", "-pk")


def campaign_targets(user: User | AnonymousUser, campaign: Campaign) -> QuerySet[Target]:
    """The campaign's targets the user may see (their grids and their own assignments)."""
    return visible_targets(user).filter(campaign=campaign)


def my_targets(user: User, campaign: Campaign) -> QuerySet[Target]:
    """A helper's own list: by compound, building, floor, house number."""
    return (
        Target.objects.filter(campaign=campaign, assignee=user)
        .select_related("last_outcome")
        .order_by(*LIST_ORDER)
    )


@dataclass
class MyCampaign:
    campaign: Campaign
    total: int
    remaining: int


def my_campaigns(user: User | AnonymousUser) -> list[MyCampaign]:
    """The open campaigns with targets assigned to the user, with how many remain (2 queries)."""
    if not user.is_authenticated:
        return []
    rows = (
        Target.objects.filter(assignee=user, campaign__state=CampaignState.OPEN)
        .values("campaign")
        .annotate(total=Count("pk"), remaining=Count("pk", filter=Q(is_done=False)))
        .order_by("campaign")
    )
    counts = {row["campaign"]: row for row in rows}
    campaigns = Campaign.objects.filter(pk__in=counts).select_related("unit").order_by("ends_on")
    return [MyCampaign(c, counts[c.pk]["total"], counts[c.pk]["remaining"]) for c in campaigns]


def remaining_targets(
    user: User | AnonymousUser, campaign: Campaign, grid: OrgUnit | None = None
) -> QuerySet[Target]:
    """The houses or persons still to visit (no visit yet, or the latest one not done)."""
    targets = campaign_targets(user, campaign).filter(is_done=False)
    if grid is not None:
        targets = targets.filter(grid=grid)
    return targets.select_related("grid", "assignee", "last_outcome").order_by(
        "grid__code", *LIST_ORDER
    )


@dataclass
class Figures:
    unit: OrgUnit
    targets: int = 0
    visited: int = 0
    reached: int = 0
    done: int = 0
    children: list[Figures] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.targets - self.done

    @property
    def share(self) -> float:
        """The share of targets done (0 to 1)."""
        return self.done / self.targets if self.targets else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    def add(self, other: Figures) -> None:
        self.targets += other.targets
        self.visited += other.visited
        self.reached += other.reached
        self.done += other.done


@dataclass
class Progress:
    total: Figures
    towns: list[Figures]
    communities: list[Figures]
    grids: list[Figures]


def progress(user: User | AnonymousUser, campaign: Campaign) -> Progress:
    """Targets, visited, reached, done and remaining per grid of the user's scope, rolled up to
    communities and towns: two queries, however many targets."""
    rows = (
        campaign_targets(user, campaign)
        .values("grid")
        .annotate(
            targets=Count("pk"),
            visited=Count("pk", filter=Q(visits__gt=0)),
            reached=Count("pk", filter=Q(is_reached=True)),
            done=Count("pk", filter=Q(is_done=True)),
        )
        .order_by("grid")
    )
    by_grid = {row["grid"]: row for row in rows}
    grids = list(OrgUnit.objects.filter(pk__in=by_grid).order_by("path"))
    ancestor_ids = {pk for grid in grids for pk in grid.ancestor_pks}
    ancestors = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=ancestor_ids)}
    total = Figures(campaign.unit)
    communities: dict[int, Figures] = {}
    towns: dict[int, Figures] = {}
    grid_figures: list[Figures] = []
    for grid in grids:
        row = by_grid[grid.pk]
        figures = Figures(grid, row["targets"], row["visited"], row["reached"], row["done"])
        grid_figures.append(figures)
        total.add(figures)
        community = ancestors.get(grid.parent_id or 0)
        if community is not None:
            holder = communities.setdefault(community.pk, Figures(community))
            holder.add(figures)
            holder.children.append(figures)
            town = ancestors.get(community.parent_id or 0)
            if town is not None and town.kind in (UnitKind.TOWN, UnitKind.SUBDISTRICT):
                towns.setdefault(town.pk, Figures(town)).add(figures)
    for community in communities.values():
        town = towns.get(community.unit.parent_id or 0)
        if town is not None:
            town.children.append(community)
    return Progress(total, list(towns.values()), list(communities.values()), grid_figures)


def target_visits(target: Target) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(target=target)
        .select_related("outcome", "visitor", "new_resident")
        .order_by("-visited_at", "-pk")
    )


def target_needs(target: Target) -> QuerySet[TargetNeed]:
    """The needs raised at this target's door, newest first, with their state."""
    return (
        TargetNeed.objects.filter(target=target)
        .select_related("need")
        .order_by("-raised_at", "-pk")
    )


def active_outcomes() -> QuerySet[OutcomeCode]:
    return OutcomeCode.objects.filter(is_active=True).order_by("order", "code")


def house_profile(user: User | AnonymousUser, target: Target) -> dict[str, Any] | None:
    """The house's facts and current residents, masked, for those who may read the registry
    there; None for the others (a building volunteer sees the target's own label only)."""
    if target.house_id is None:
        return None
    if not scope_for(user, Capability.VIEW_PEOPLE).contains(target.grid.path):
        return None
    house = House.objects.select_related("building", "building__compound").get(pk=target.house_id)
    residents = [
        {
            "name": residence.person.name,
            "relation": residence.get_relation_display(),
            "since": residence.moved_in,
            "document": mask_id_number(residence.person.document_number),
            "phone": mask_phone(residence.person.phone),
        }
        for residence in people.current_residents(house)
    ]
    return {"house": house, "residents": residents}


def open_targets_of_house(house: House) -> QuerySet[Target]:
    return (
        Target.objects.filter(house=house, campaign__state=CampaignState.OPEN, person__isnull=True)
        .select_related("campaign", "campaign__unit", "grid", "assignee")
        .order_by("-campaign__opened_at", "-pk")
    )


def campaign_units_for(user: User | AnonymousUser) -> QuerySet[OrgUnit]:
    """The units where the user may run a campaign (a community, town or district)."""
    kinds = [
        UnitKind.CITY,
        UnitKind.DISTRICT,
        UnitKind.TOWN,
        UnitKind.SUBDISTRICT,
        UnitKind.COMMUNITY,
        UnitKind.VILLAGE,
    ]
    units = OrgUnit.objects.filter(kind__in=kinds, is_active=True).order_by("path")
    return scope_for(user, Capability.RUN_CAMPAIGNS).filter(units)


def assignment_counts(campaign: Campaign) -> list[dict[str, Any]]:
    """Per assignee (None: unassigned): targets and done, for the organiser's assign page."""
    rows = (
        Target.objects.filter(campaign=campaign)
        .values("assignee", "assignee__username", "assignee__full_name")
        .annotate(targets=Count("pk"), done=Count("pk", filter=Q(is_done=True)))
        .order_by("assignee__username")
    )
    return list(rows)


def coverage(grid_ids: set[int] | None, first: date, last: date) -> tuple[int, int]:
    """(targets visited, targets) of the campaigns running at some time from `first` to
    `last` (opened, not drafts), in the given grids (None: everywhere): a target counts as
    visited once it has a visit made by the end of `last`."""
    targets = Target.objects.filter(
        campaign__state__in=[CampaignState.OPEN, CampaignState.CLOSED],
        campaign__starts_on__lte=last,
        campaign__ends_on__gte=first,
    )
    if grid_ids is not None:
        targets = targets.filter(grid_id__in=grid_ids)
    ends_before = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    visited = Visit.objects.filter(target=OuterRef("pk"), visited_at__lt=ends_before)
    counted = targets.aggregate(targets=Count("pk"), visited=Count("pk", filter=Q(Exists(visited))))
    return counted["visited"], counted["targets"]
