"""Member units (大党委成员单位) of communities and their contacts. A contact linked to an
account is how a member unit acts in the platform (claims, progress)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.claims.exceptions import Invalid, NotAllowed
from wangge.claims.models import Contact, MemberUnit, MemberUnitKind
from wangge.claims.permissions import forget_contact, may_manage
from wangge.claims.services import checks
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import Membership, OrgUnit
from wangge.people.exceptions import Invalid as RegistryInvalid
from wangge.people.services import check_credit_code
from wangge.people.services.persons import phone_index


@dataclass
class MemberUnitInput:
    name: str
    kind: str = MemberUnitKind.OTHER
    communities: list[OrgUnit] = field(default_factory=list)
    credit_code: str = ""
    address: str = ""
    note: str = ""
    is_active: bool = True


def _check_communities(actor: User | None, communities: Iterable[OrgUnit]) -> list[OrgUnit]:
    chosen = [checks.community(unit, "communities") for unit in communities]
    if not chosen:
        raise Invalid(_("Choose at least one community the unit serves."), "communities")
    return chosen


def save_member_unit(
    actor: User | None, given: MemberUnitInput, member_unit: MemberUnit | None = None
) -> MemberUnit:
    """Register a member unit of the given communities, or change `member_unit`. Staff may
    add or remove only the communities they keep; the unit's other communities stay."""
    communities = _check_communities(actor, given.communities)
    for unit in communities:
        if not may_manage(actor, unit):
            raise NotAllowed()
    name = checks.text("name", given.name, 100, required=True)
    if given.kind not in MemberUnitKind.values:
        raise Invalid(_("Unknown kind: %(kind)s") % {"kind": given.kind}, "kind")
    try:
        credit_code = check_credit_code(given.credit_code)
    except RegistryInvalid as refused:
        raise Invalid(refused.message, "credit_code") from None
    now = clock.now()
    try:
        with transaction.atomic():
            if member_unit is not None:
                member_unit = MemberUnit.objects.select_for_update().get(pk=member_unit.pk)
                current = list(member_unit.communities.all())
                if not any(may_manage(actor, unit) for unit in current):
                    raise NotAllowed()
                # Communities the actor does not keep stay as they were.
                kept_elsewhere = [unit for unit in current if not may_manage(actor, unit)]
                communities = list({u.pk: u for u in [*kept_elsewhere, *communities]}.values())
            item = member_unit or MemberUnit(created_at=now)
            item.name = name
            item.kind = given.kind
            item.credit_code = credit_code
            item.address = checks.text("address", given.address, 200)
            item.note = checks.text("note", given.note, 2000)
            item.is_active = bool(given.is_active)
            item.updated_at = now
            item.save()
            item.communities.set(communities)
            audit.record(
                actor,
                "claims.member_unit.save",
                item,
                name,
                communities=[unit.code for unit in communities],
            )
    except IntegrityError:
        raise Invalid(
            _("Another member unit already holds this unified social credit code."),
            "credit_code",
        ) from None
    return item


def may_keep_member_unit(actor: User | None, member_unit: MemberUnit) -> bool:
    return any(may_manage(actor, unit) for unit in member_unit.communities.all())


def _holds_a_role(user: User) -> bool:
    return Membership.objects.filter(user=user, is_active=True).exists() or user.is_superuser


@dataclass
class ContactInput:
    name: str
    role: str = ""
    phone: str = ""
    user: User | None = None
    is_active: bool = True


def save_contact(
    actor: User | None,
    member_unit: MemberUnit,
    given: ContactInput,
    contact: Contact | None = None,
) -> Contact:
    """Add a contact to `member_unit`, or change `contact`. An account linked here acts for
    this member unit only, so an account already acting for another unit is refused."""
    if not may_keep_member_unit(actor, member_unit):
        raise NotAllowed()
    if contact is not None and contact.member_unit_id != member_unit.pk:
        raise Invalid(_("This contact belongs to another member unit."), "contact")
    name = checks.text("name", given.name, 64, required=True)
    role = checks.text("role", given.role, 64)
    if given.user is not None and _holds_a_role(given.user):
        # A contact's account acts for its member unit; a staff account would mix the two.
        raise Invalid(
            _("This account holds a role in the platform; a contact needs an account of its own."),
            "user",
        )
    digits = checks.phone(given.phone, "phone")
    now = clock.now()
    try:
        with transaction.atomic():
            item = contact or Contact(member_unit=member_unit, created_at=now)
            previous_user = item.user if item.pk else None
            item.name = name
            item.role = role
            if digits or contact is None:
                item.phone = digits
                item.phone_index = phone_index(digits)
            item.user = given.user
            item.is_active = bool(given.is_active)
            item.save()
            audit.record(
                actor,
                "claims.contact.save",
                item,
                f"{member_unit.name} {name}",
                account=given.user.get_username() if given.user else "",
            )
    except IntegrityError:
        raise Invalid(_("This account is already the contact of a member unit."), "user") from None
    for user in (previous_user, given.user):
        if user is not None:
            forget_contact(user)
    return item
