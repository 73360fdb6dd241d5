"""Revealing a whole ID or phone number: a permission, a reason, and an entry in the log of
reveals (who, whose, what, when, why), written in the same transaction as the value is read."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.models import User
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people.exceptions import Invalid, NotFound
from wangge.people.models import Person, Reveal
from wangge.people.permissions import require, units_in

REASON_MIN = 2
REVEALABLE = {Reveal.Field.DOCUMENT_NUMBER: "document_number", Reveal.Field.PHONE: "phone"}


def reveal(actor: User, person: Person, field: str, reason: str) -> str:
    """The whole value of `field` ("document_number" or "phone") of the person."""
    if field not in REVEALABLE:
        raise Invalid(_("Only an ID number or a phone number can be revealed."), "field")
    require(actor, Capability.REVEAL_PERSONAL_DATA, person.grid)
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise Invalid(_("Say why you need the whole number."), "reason")
    value = getattr(person, REVEALABLE[field])
    if not value:
        raise NotFound(_("There is no such number on record."))
    with transaction.atomic():
        Reveal.objects.create(
            at=clock.now(),
            actor=actor,
            person=person,
            field=field,
            reason=reason[:200],
            grid_id=person.grid_id,
        )
    return value


def visible_reveals(user: User) -> QuerySet[Reveal]:
    """The log of reveals in the grids where `user` may read the audit, newest first."""
    scope = scope_for(user, Capability.READ_AUDIT)
    reveals = Reveal.objects.select_related("actor", "person", "grid").order_by("-at", "-pk")
    if scope.everything:
        return reveals
    if scope.is_empty:
        return reveals.none()
    return reveals.filter(grid__in=units_in(scope))
