"""Households (家庭户): the residents of a house who live as one family, with a head."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.roles import Capability
from wangge.people.exceptions import Invalid
from wangge.people.models import House, Household, Person, Residence
from wangge.people.permissions import require


def save_household(
    actor: User | None,
    house: House,
    *,
    head: Person,
    members: list[Person] | None = None,
    number: str = "",
    household: Household | None = None,
) -> Household:
    """The household of `head` in the house (new, or `household` changed), with `members`:
    everyone named must live in the house now; each one's residence is linked to it."""
    require(actor, Capability.MANAGE_PEOPLE, house.grid)
    if household is not None and household.house_id != house.pk:
        raise Invalid(_("The household lives in another house."), "household")
    people = {person.pk: person for person in [head, *(members or [])]}
    living = {
        residence.person_id: residence
        for residence in Residence.objects.filter(
            house=house, moved_out__isnull=True, person_id__in=people
        )
    }
    strangers = [people[pk].name for pk in people if pk not in living]
    if strangers:
        raise Invalid(
            _("%(names)s do not live in this house.") % {"names": "、".join(strangers)},
            "members" if head.pk in living else "head",
        )
    number = (number or "").strip()
    if len(number) > 32:
        raise Invalid(_("At most %(count)d characters are allowed.") % {"count": 32}, "number")
    with transaction.atomic():
        if household is None:
            household = Household(house=house, created_at=clock.now())
        household.head = head
        household.number = number
        household.save()
        Residence.objects.filter(pk__in=[r.pk for r in living.values()]).update(household=household)
        audit.record(actor, "people.household.save", household, f"house #{house.pk}")
    return household
