"""The tags a city gives people: defined city-wide by an administrator of the whole tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import audit
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability, Role
from wangge.people.exceptions import Invalid, NotAllowed
from wangge.people.models import TagKind

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def require_tag_admin(actor: User | None) -> None:
    if actor is None:
        return
    scope = scope_for(actor, Capability.MANAGE_PERSON_TAGS)
    if scope.everything:
        return
    roots = list(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
    if scope.is_empty or not roots or not all(scope.contains(path) for path in roots):
        raise NotAllowed(_("Only an administrator of the whole city may define tags."))


def may_manage_tag_kinds(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or scope_for(user, Capability.MANAGE_PERSON_TAGS).is_empty:
        return False
    try:
        require_tag_admin(user)
    except NotAllowed:
        return False
    return True


@dataclass
class TagKindInput:
    code: str
    name: str
    visit_every_days: int | None = None
    is_sensitive: bool = False
    visible_to_roles: list[str] = field(default_factory=list)
    retention_days: int | None = None
    is_active: bool = True


class TagCodeTaken(Invalid):
    def __init__(self) -> None:
        super().__init__(_("A tag with this code exists already: edit it instead."), "code")


def save_tag_kind(actor: User | None, given: TagKindInput, *, create_only: bool = False) -> TagKind:
    """Create the tag of that code, or change it (with `create_only`, an existing code is
    TagCodeTaken). A sensitive tag names the roles that see it and how long it is kept; an
    ordinary one has neither."""
    require_tag_admin(actor)
    code = (given.code or "").strip()
    if not _CODE.match(code):
        raise Invalid(
            _("A code is 2 to 32 lower-case letters, digits or underscores, from a letter."),
            "code",
        )
    name = (given.name or "").strip()
    if not name or len(name) > 64:
        raise Invalid(_("A name of 1 to 64 characters is required."), "name")
    if given.visit_every_days is not None and not 1 <= given.visit_every_days <= 366:
        raise Invalid(_("Visits are every 1 to 366 days."), "visit_every_days")
    roles = sorted(set(given.visible_to_roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise Invalid(_("Unknown role: %(role)s") % {"role": unknown[0]}, "visible_to_roles")
    if given.is_sensitive:
        if not roles:
            raise Invalid(_("Name the roles that may see a sensitive tag."), "visible_to_roles")
        if not given.retention_days or not 1 <= given.retention_days <= 3650:
            raise Invalid(
                _("A sensitive tag is kept for 1 to 3,650 days: say how long."), "retention_days"
            )
    else:
        roles, given.retention_days = [], None
    with transaction.atomic():
        if create_only and TagKind.objects.filter(code=code).exists():
            raise TagCodeTaken()
        kind, created = TagKind.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "visit_every_days": given.visit_every_days,
                "is_sensitive": given.is_sensitive,
                "visible_to_roles": roles,
                "retention_days": given.retention_days,
                "is_active": given.is_active,
            },
        )
        audit.record(
            actor, "people.tag_kind.create" if created else "people.tag_kind.change", kind, code
        )
    return kind
