"""Suggested resources for a need: the resources of the member units serving the need's
community, scored and ranked, each with the reasons of its score so a person can judge it.

The score (at most 100):
- kind: 40 when the resource is of the kind the need asks for;
- place: 20 when offered in the need's community, 10 more when at the place the need names;
- capacity: 20 when the quantity covers what is needed (same unit), 5 when it covers part;
- availability: 10 when the resource is available on the date the need is wanted by (today
  when it names none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.claims.models import MemberUnit, Need, Resource
from wangge.core import clock

KIND_POINTS = 40
COMMUNITY_POINTS = 20
PLACE_POINTS = 10
CAPACITY_POINTS = 20
PARTIAL_CAPACITY_POINTS = 5
AVAILABLE_POINTS = 10
SUGGESTIONS = 10


@dataclass
class Suggestion:
    resource: Resource
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def _same_place(need: Need, resource: Resource) -> bool:
    want, have = need.place.strip(), resource.place.strip()
    return bool(want and have and (want in have or have in want))


def score_resource(need: Need, resource: Resource) -> Suggestion:
    """The score of `resource` for `need`, with the reason of each point."""
    found = Suggestion(resource)
    if resource.kind == need.kind:
        found.score += KIND_POINTS
        found.reasons.append(_("Same kind (+%(points)d)") % {"points": KIND_POINTS})
    else:
        found.reasons.append(_("Another kind (+0)"))
    if resource.community_id == need.community_id:
        found.score += COMMUNITY_POINTS
        found.reasons.append(
            _("In the same community (+%(points)d)") % {"points": COMMUNITY_POINTS}
        )
        if _same_place(need, resource):
            found.score += PLACE_POINTS
            found.reasons.append(_("At the same place (+%(points)d)") % {"points": PLACE_POINTS})
    if need.quantity and resource.quantity and need.unit.strip() == resource.unit.strip():
        if resource.quantity >= need.quantity:
            found.score += CAPACITY_POINTS
            found.reasons.append(
                _("Enough capacity: %(have)d of %(want)d %(unit)s (+%(points)d)")
                % {
                    "have": resource.quantity,
                    "want": need.quantity,
                    "unit": need.unit,
                    "points": CAPACITY_POINTS,
                }
            )
        else:
            found.score += PARTIAL_CAPACITY_POINTS
            found.reasons.append(
                _("Part of the capacity: %(have)d of %(want)d %(unit)s (+%(points)d)")
                % {
                    "have": resource.quantity,
                    "want": need.quantity,
                    "unit": need.unit,
                    "points": PARTIAL_CAPACITY_POINTS,
                }
            )
    day = need.wanted_by or timezone.localtime(clock.now()).date()
    starts, ends = resource.available_from, resource.available_until
    if (starts is None or starts <= day) and (ends is None or day <= ends):
        found.score += AVAILABLE_POINTS
        found.reasons.append(
            _("Available on %(day)s (+%(points)d)")
            % {"day": day.isoformat(), "points": AVAILABLE_POINTS}
        )
    else:
        found.reasons.append(_("Not available on %(day)s (+0)") % {"day": day.isoformat()})
    return found


def suggest_resources(need: Need, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """The best resources for `need`, highest score first (then the newest): two queries."""
    serving = MemberUnit.communities.through.objects.filter(orgunit_id=need.community_id).values(
        "memberunit_id"
    )
    candidates = (
        Resource.objects.filter(
            is_active=True, member_unit__is_active=True, member_unit_id__in=serving
        )
        .select_related("member_unit", "community")
        .order_by("-pk")[:500]
    )
    scored = [score_resource(need, resource) for resource in candidates]
    scored.sort(key=lambda found: (-found.score, -found.resource.pk))
    return scored[:limit]
