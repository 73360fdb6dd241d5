"""Needs raised at the door (双向认领 from canvass answers): a helper who may visit a target
raises a need of its household; the claims app stores it in the community above the target's
grid, as raised by the system from a canvass (the helper need not manage claims), and the
campaign keeps which target it came from and who raised it."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.campaigns.exceptions import Invalid, NotAllowed, WrongState
from wangge.campaigns.models import CampaignState, Target, TargetNeed
from wangge.campaigns.permissions import may_visit
from wangge.claims.exceptions import ClaimsError
from wangge.claims.models import Need, NeedSource
from wangge.claims.services.lists import NeedInput, raise_need
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import AREA_KINDS

# What a need's description may hold, the claims app's limit.
DESCRIPTION_LIMIT = 4000


def community_of_target(target: Target) -> OrgUnit | None:
    """The community or village above the target's grid."""
    return (
        OrgUnit.objects.filter(pk__in=target.grid.ancestor_pks, kind__in=AREA_KINDS)
        .order_by("-depth")
        .first()
    )


def _origin(target: Target) -> str:
    """Where the need came from: the campaign and the house's address, nothing personal."""
    # A person target's label is a name: only a house target's label (its number) may stand in
    # for a missing address.
    fallback = target.label if target.person_id is None else ""
    place = " ".join(part for part in (target.compound_name, target.address or fallback) if part)
    return _("Raised at the door in the campaign “%(campaign)s”, at %(place)s.") % {
        "campaign": target.campaign.title,
        "place": place or "—",
    }


def raise_need_from_visit(actor: User, target: Target, given: NeedInput) -> Need:
    """Raise a need of the target's household in the community above its grid, linked to the
    target. NotAllowed when the actor may not visit it; the claims app's refusals come back as
    Invalid naming the same field."""
    with transaction.atomic():
        locked = (
            Target.objects.select_for_update(of=("self",))
            .select_related("campaign", "grid")
            .get(pk=target.pk)
        )
        if locked.campaign.state != CampaignState.OPEN:
            raise WrongState(_("This campaign is not open: needs cannot be raised from it."))
        if not may_visit(actor, locked):
            raise NotAllowed()
        community = community_of_target(locked)
        if community is None:
            raise Invalid(_("This house is not in a community or village."), "form")
        origin = _origin(locked)
        description = (given.description or "").strip()
        description = f"{description}\n\n{origin}" if description else origin
        if len(description) > DESCRIPTION_LIMIT:
            raise Invalid(
                _("At most %(count)d characters.") % {"count": DESCRIPTION_LIMIT - len(origin) - 2},
                "description",
            )
        asked = replace(given, description=description, contact_name="", contact_phone="")
        try:
            need = raise_need(None, community, asked, source=NeedSource.CANVASS)
        except ClaimsError as refused:
            raise Invalid(refused.message, refused.field or "form") from None
        link = TargetNeed.objects.create(
            target=locked, need=need, raised_by=actor, raised_at=clock.now()
        )
        audit.record(
            actor,
            "campaigns.need.raise",
            link,
            f"{locked.campaign.title}: {need.title}",
            need=need.pk,
            target_id=locked.pk,
        )
    return need
