"""Every write to the org tree, grids and memberships. Functions take the acting user first,
check permissions, run in one transaction and append to the audit log."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from wangge.core import audit
from wangge.core.models import User
from wangge.org.exceptions import InvalidUnit, NotAllowed
from wangge.org.models import GridKind, MapVersion, Membership, OrgUnit
from wangge.org.permissions import can, forget_memberships, scope_for
from wangge.org.roles import PARENT_KINDS, ROLE_UNIT_KINDS, ROOT_KINDS, Capability, UnitKind


def _require(actor: User | None, capability: str, unit: OrgUnit | None) -> None:
    """`actor=None` is the system itself (migrations, the demo loader, trusted commands)."""
    if actor is None:
        return
    if unit is None:
        if not scope_for(actor, capability).everything:
            raise NotAllowed(_("Only an administrator of the whole tree may do this."))
        return
    if not can(actor, capability, unit):
        raise NotAllowed(_("You may not change %(unit)s.") % {"unit": unit.name})


def check_parent(kind: str, parent: OrgUnit | None) -> None:
    if parent is None:
        if kind not in ROOT_KINDS:
            raise InvalidUnit("parent", _("A unit of this type needs a parent unit."))
        return
    if parent.kind not in PARENT_KINDS[kind]:
        raise InvalidUnit(
            "parent",
            _("A %(kind)s cannot stand under a %(parent_kind)s.")
            % {"kind": UnitKind(kind).label, "parent_kind": UnitKind(parent.kind).label},
        )


def bump_map_version() -> None:
    """Tell every process that grid boundaries changed (call inside the writing transaction)."""
    updated = MapVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        MapVersion.objects.create(pk=1, version=1)


def create_unit(
    actor: User | None,
    *,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None,
    grid_kind: GridKind | None = None,
    boundary: dict | None = None,
    properties: dict | None = None,
) -> OrgUnit:
    code, name = code.strip(), name.strip()
    if not code:
        raise InvalidUnit("code", _("The code is required."))
    if not name:
        raise InvalidUnit("name", _("The name is required."))
    if kind not in UnitKind.values:
        raise InvalidUnit("kind", _("Unknown unit type: %(kind)s") % {"kind": kind})
    check_parent(kind, parent)
    _require(actor, Capability.MANAGE_ORG, parent)
    with transaction.atomic():
        if OrgUnit.objects.filter(code=code).exists():
            raise InvalidUnit("code", _("The code %(code)s is already used.") % {"code": code})
        unit = OrgUnit(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            grid_kind=grid_kind if kind == UnitKind.GRID else None,
            boundary=boundary,
            properties=properties or {},
            # A unique placeholder until the primary key is known.
            path=f"/0/{code}/",
            depth=0 if parent is None else parent.depth + 1,
        )
        unit.save()
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
        if boundary is not None and kind == UnitKind.GRID:
            bump_map_version()
        audit.record(actor, "org.unit.create", unit, f"{unit.code} {unit.name}")
    return unit


def rename_unit(actor: User | None, unit: OrgUnit, *, name: str) -> OrgUnit:
    name = name.strip()
    if not name:
        raise InvalidUnit("name", _("The name is required."))
    _require(actor, Capability.MANAGE_ORG, unit)
    with transaction.atomic():
        locked = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        old = locked.name
        locked.name = name
        locked.save(update_fields=["name", "updated_at"])
        if locked.is_grid:
            bump_map_version()  # the index carries grid names
        audit.record(actor, "org.unit.rename", locked, f"{old} → {name}")
    return locked


def move_unit(actor: User | None, unit: OrgUnit, *, parent: OrgUnit) -> OrgUnit:
    """Put a unit (and its whole subtree) under another parent: one UPDATE rewrites paths."""
    check_parent(unit.kind, parent)
    if parent.path.startswith(unit.path):
        raise InvalidUnit("parent", _("A unit cannot be moved under itself."))
    _require(actor, Capability.MANAGE_ORG, unit)
    _require(actor, Capability.MANAGE_ORG, parent)
    with transaction.atomic():
        locked = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        old_path, new_path = locked.path, f"{parent.path}{locked.pk}/"
        depth_change = parent.depth + 1 - locked.depth
        OrgUnit.objects.filter(path__descendant_of=old_path).update(
            path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
            depth=F("depth") + depth_change,
        )
        OrgUnit.objects.filter(pk=locked.pk).update(parent=parent)
        bump_map_version()  # located ancestors change
        audit.record(actor, "org.unit.move", locked, f"{old_path} → {new_path}")
    locked.refresh_from_db()
    return locked


def set_unit_active(actor: User | None, unit: OrgUnit, *, is_active: bool) -> OrgUnit:
    """Units are never deleted (cases and people point at them); they are made inactive."""
    _require(actor, Capability.MANAGE_ORG, unit)
    with transaction.atomic():
        locked = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        locked.is_active = is_active
        locked.save(update_fields=["is_active", "updated_at"])
        if locked.is_grid:
            bump_map_version()
        audit.record(actor, "org.unit.activate" if is_active else "org.unit.deactivate", locked)
    return locked


def grant_role(actor: User | None, user: User, unit: OrgUnit, role: str) -> Membership:
    allowed_kinds = ROLE_UNIT_KINDS.get(role)
    if allowed_kinds is None:
        raise InvalidUnit("role", _("Unknown role: %(role)s") % {"role": role})
    if unit.kind not in allowed_kinds:
        raise InvalidUnit(
            "unit",
            _("This role cannot be held in a %(kind)s.") % {"kind": UnitKind(unit.kind).label},
        )
    _require(actor, Capability.MANAGE_MEMBERS, unit)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        audit.record(actor, "org.role.grant", membership, f"{user} {role} {unit.code}")
    forget_memberships(user)
    return membership


def revoke_role(actor: User | None, membership: Membership) -> Membership:
    _require(actor, Capability.MANAGE_MEMBERS, membership.unit)
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(is_active=False)
        audit.record(actor, "org.role.revoke", membership, str(membership))
    membership.is_active = False
    forget_memberships(membership.user)
    return membership


def create_account(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    password: str | None = None,
    password_hash: str | None = None,
    is_superuser: bool = False,
) -> User:
    """Create an account. `password_hash` lets a loader reuse one Argon2 hash for many accounts;
    with neither, the account cannot log in until a password is set."""
    username = username.strip()
    if not username:
        raise InvalidUnit("username", _("The account name is required."))
    _require(actor, Capability.MANAGE_MEMBERS, None)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise InvalidUnit(
                "username", _("The account %(name)s already exists.") % {"name": username}
            )
        user = User(
            username=username,
            full_name=full_name.strip(),
            is_staff=is_superuser,
            is_superuser=is_superuser,
        )
        if password_hash:
            user.password = password_hash
        elif password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record(actor, "org.account.create", user, username)
    return user
