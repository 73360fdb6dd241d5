"""A campaign's life: created as a draft with its selectors, edited while a draft, opened (its
targets materialised and assigned by default), closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.campaigns.exceptions import Invalid, NotAllowed, WrongState
from wangge.campaigns.models import Campaign, CampaignState, TargetKind
from wangge.campaigns.services.assignment import assign_by_default
from wangge.campaigns.services.targeting import materialise_targets
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability, UnitKind
from wangge.people.models import Building, Compound, HouseUse, TagKind

TITLE_MAX = 100
DESCRIPTION_MAX = 4000
RUNNING_KINDS = frozenset(
    {
        UnitKind.CITY,
        UnitKind.DISTRICT,
        UnitKind.TOWN,
        UnitKind.SUBDISTRICT,
        UnitKind.COMMUNITY,
        UnitKind.VILLAGE,
    }
)


@dataclass
class CampaignInput:
    """What a form or the API gives for a campaign; selectors as ids, uses and tag codes."""

    title: str
    unit: OrgUnit
    starts_on: date
    ends_on: date
    description: str = ""
    target_kind: str = TargetKind.HOUSES
    units: list[OrgUnit] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _inside(unit: OrgUnit, path: str) -> bool:
    return path.startswith(unit.path)


def _check(actor: User | None, given: CampaignInput) -> tuple[dict, list[TagKind]]:
    title = (given.title or "").strip()
    if not title:
        raise Invalid(_("Give the campaign a title."), "title")
    if len(title) > TITLE_MAX:
        raise Invalid(_("The title is too long."), "title")
    description = (given.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise Invalid(_("The description is too long."), "description")
    unit = given.unit
    if unit.kind not in RUNNING_KINDS or not unit.is_active:
        raise Invalid(_("A campaign is run by a community, a town or a district."), "unit")
    if actor is not None and not scope_for(actor, Capability.RUN_CAMPAIGNS).contains(unit.path):
        raise NotAllowed(_("You may not run campaigns in this unit."), "unit")
    if given.ends_on < given.starts_on:
        raise Invalid(_("The campaign ends before it starts."), "ends_on")
    if given.target_kind not in TargetKind.values:
        raise Invalid(_("Choose houses or persons."), "target_kind")
    for chosen in given.units:
        if not _inside(unit, chosen.path):
            raise Invalid(
                _("%(unit)s is not inside %(campaign_unit)s.")
                % {"unit": chosen.name, "campaign_unit": unit.name},
                "units",
            )
    for compound in given.compounds:
        if not _inside(unit, compound.grid.path):
            raise Invalid(
                _("The compound %(name)s is not inside %(campaign_unit)s.")
                % {"name": compound.name, "campaign_unit": unit.name},
                "compounds",
            )
    for building in given.buildings:
        if not _inside(unit, building.grid.path):
            raise Invalid(
                _("The building %(name)s is not inside %(campaign_unit)s.")
                % {"name": str(building), "campaign_unit": unit.name},
                "buildings",
            )
    uses = sorted(set(given.uses))
    for use in uses:
        if use not in HouseUse.values:
            raise Invalid(_("Unknown house use: %(use)s") % {"use": use}, "uses")
    codes = sorted(set(given.tags))
    kinds = list(TagKind.objects.filter(code__in=codes, is_active=True))
    known = {kind.code: kind for kind in kinds}
    for code in codes:
        kind = known.get(code)
        if kind is None:
            raise Invalid(_("Unknown person tag: %(tag)s") % {"tag": code}, "tags")
        if kind.is_sensitive:
            # A helper's list would tell every volunteer who carries it.
            raise Invalid(
                _("The tag %(tag)s is sensitive: a campaign cannot target it.")
                % {"tag": kind.name},
                "tags",
            )
    values = {
        "title": title,
        "description": description,
        "unit": unit,
        "starts_on": given.starts_on,
        "ends_on": given.ends_on,
        "target_kind": given.target_kind,
        "select_uses": uses,
    }
    return values, kinds


def _set_selectors(campaign: Campaign, given: CampaignInput, kinds: list[TagKind]) -> None:
    campaign.select_units.set(given.units)
    campaign.select_compounds.set(given.compounds)
    campaign.select_buildings.set(given.buildings)
    campaign.select_tags.set(kinds)


def create_campaign(actor: User, given: CampaignInput) -> Campaign:
    values, kinds = _check(actor, given)
    now = clock.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            **values, created_by=actor, created_at=now, updated_at=now
        )
        _set_selectors(campaign, given, kinds)
        audit.record(actor, "campaigns.create", campaign, campaign.title)
    return campaign


def update_campaign(actor: User | None, campaign: Campaign, given: CampaignInput) -> Campaign:
    """A draft changes everything; an open campaign only its title, description and end."""
    values, kinds = _check(actor, given)
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
            raise WrongState(_("A closed campaign cannot be changed."))
        if locked.state == CampaignState.OPEN:
            fields = ["title", "description", "ends_on"]
            if values["ends_on"] < locked.starts_on:
                raise Invalid(_("The campaign ends before it starts."), "ends_on")
        else:
            fields = list(values)
        for name in fields:
            setattr(locked, name, values[name])
        locked.updated_at = clock.now()
        locked.save(update_fields=[*fields, "updated_at"])
        if locked.state == CampaignState.DRAFT:
            _set_selectors(locked, given, kinds)
        audit.record(actor, "campaigns.update", locked, locked.title)
    return locked


def open_campaign(actor: User | None, campaign: Campaign) -> int:
    """Draft → open: its targets are materialised in one statement and given to the grids'
    workers; returns how many targets it has."""
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
        if locked.state != CampaignState.DRAFT:
            raise WrongState(_("Only a draft campaign can be opened."))
        if not locked.questions.exists():
            raise WrongState(_("Add at least one question before opening the campaign."))
        now = clock.now()
        count = materialise_targets(locked, now)
        if not count:
            raise Invalid(_("No house or person matches the campaign's selection."), "selection")
        assign_by_default(locked)
        locked.state = CampaignState.OPEN
        locked.opened_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", "opened_at", "updated_at"])
        audit.record(actor, "campaigns.open", locked, f"{locked.title}: {count}", targets=count)
    campaign.state, campaign.opened_at = locked.state, locked.opened_at
    return count


def close_campaign(actor: User | None, campaign: Campaign) -> Campaign:
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
        if locked.state != CampaignState.OPEN:
            raise WrongState(_("Only an open campaign can be closed."))
        now = clock.now()
        locked.state = CampaignState.CLOSED
        locked.closed_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", "closed_at", "updated_at"])
        audit.record(actor, "campaigns.close", locked, locked.title)
    campaign.state, campaign.closed_at = locked.state, locked.closed_at
    return locked
