"""The city's outcome codes (已登记, 无人在家, …): an administrator of the whole city adds,
renames and retires them; a code in use is never deleted, only made inactive."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.campaigns.exceptions import Invalid
from wangge.campaigns.models import OutcomeCode
from wangge.campaigns.permissions import require_manage_outcomes
from wangge.core import audit
from wangge.core.models import User

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


@dataclass
class OutcomeInput:
    code: str
    name: str
    counts_as_reached: bool = False
    is_done: bool = False
    order: int = 100
    is_active: bool = True


def save_outcome(
    actor: User | None, given: OutcomeInput, outcome: OutcomeCode | None = None
) -> OutcomeCode:
    require_manage_outcomes(actor)
    name = (given.name or "").strip()
    if not name:
        raise Invalid(_("Give the outcome a name."), "name")
    if len(name) > 32:
        raise Invalid(_("The name is too long."), "name")
    if not 0 <= given.order <= 32767:
        raise Invalid(_("The order is a number from 0 to 32767."), "order")
    with transaction.atomic():
        if outcome is None:
            code = (given.code or "").strip()
            if not _CODE.match(code):
                raise Invalid(
                    _("A code is 2 to 32 lower-case letters, digits or underscores."), "code"
                )
            if OutcomeCode.objects.filter(code=code).exists():
                raise Invalid(_("This code is already used."), "code")
            outcome = OutcomeCode(code=code)
        else:
            outcome = OutcomeCode.objects.select_for_update().get(pk=outcome.pk)
        outcome.name = name
        outcome.counts_as_reached = bool(given.counts_as_reached)
        outcome.is_done = bool(given.is_done)
        outcome.order = given.order
        outcome.is_active = bool(given.is_active)
        outcome.save()
        audit.record(actor, "campaigns.outcome.save", outcome, f"{outcome.code} {outcome.name}")
    return outcome
