"""Every write to the org tree, grids and memberships. Functions take the acting user first,
check permissions, run in one transaction and append to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, Length, Substr
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit, NotAllowed
from wangge.org.geo import (
    NAME_MAX_LENGTH,
    ParsedFeature,
    duplicate_code_errors,
    find_overlaps,
    format_m2,
    parse_feature_collection,
    read_code,
    read_text,
    shape_or_none,
)
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


# --- Importing the grid map -------------------------------------------------------------------

# Feature properties the grid import reads; every other property is kept in OrgUnit.properties.
GRID_FEATURE_PROPERTIES = ("code", "name", "parent_code", "kind")
DEFAULT_GRID_KIND = "full_time"
# Kinds of unit that may carry a boundary of their own (grids come through import_grids).
BOUNDARY_KINDS = frozenset(set(UnitKind) - {UnitKind.GRID, UnitKind.DEPARTMENT})
# SQLite refuses statements with more than 32,766 parameters; stay far below it.
_CODES_PER_QUERY = 2000
# A new unit's path until its primary key is known (as in create_unit): no real path has a 0.
_UNPLACED = "/0/"


@dataclass
class ImportSummary:
    """Codes of the units an import created, updated and left as they were."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class _GridRow:
    """One feature of a grid file, read, with what the database said about it."""

    feature: ParsedFeature
    name: str = ""
    parent_code: str = ""
    kind: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    parent: OrgUnit | None = None
    grid_kind: GridKind | None = None
    existing: OrgUnit | None = None


def import_grids(actor: User | None, source: bytes | str | dict) -> ImportSummary:
    """Create or update grids from a GeoJSON FeatureCollection, all or nothing.

    Each feature carries `code`, `name`, `parent_code` (a community or village) and optionally
    `kind` (a grid kind's code or name, full-time by default); other properties are kept for
    export. Grids are matched by code: a changed grid is updated in place (and moved when its
    parent changed), an identical one is left alone, and grids absent from the file stay as
    they are. A retired (inactive) grid named in the file is made active again. Every problem
    in the file is collected and raised together as GeoJSONInvalid before anything is written.
    """
    _require_some(actor, Capability.MANAGE_ORG)
    features = parse_feature_collection(source)
    duplicate_code_errors(features)
    rows = [_read_grid_row(feature) for feature in features]
    with transaction.atomic():
        _lock_map()
        _check_grid_kinds(rows)
        _check_grid_codes(rows)
        _check_grid_parents(rows)
        _check_grid_overlaps(rows)
        _raise_feature_errors(features)
        summary, created, changed = _plan_grid_changes(rows)
        _require_over(actor, Capability.MANAGE_ORG, _touched_parents(created, changed))
        _write_new_grids(created)
        _write_changed_grids(changed)
        if summary.changed:
            bump_map_version()
        audit.record(
            actor,
            "org.grids.import",
            None,
            _("Grid import: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
            % {
                "created": len(summary.created),
                "updated": len(summary.updated),
                "unchanged": len(summary.unchanged),
            },
            created=len(summary.created),
            updated=len(summary.updated),
            unchanged=len(summary.unchanged),
        )
    return summary


def _require_some(actor: User | None, capability: str) -> None:
    """Refuse at once someone who holds the capability nowhere, before reading their file."""
    if actor is None:
        return
    if scope_for(actor, capability).is_empty:
        raise NotAllowed(_("You may not change the map."))


def _require_over(actor: User | None, capability: str, units: Iterable[OrgUnit]) -> None:
    if actor is None:
        return
    scope = scope_for(actor, capability)
    refused = sorted({unit.name for unit in units if not scope.contains(unit.path)})
    if refused:
        raise NotAllowed(_("You may not change %(units)s.") % {"units": "、".join(refused)})


def _lock_map() -> None:
    # One map writer at a time: the overlap check must see every grid committed before ours.
    # (SQLite's IMMEDIATE transactions already serialise writers; this is for PostgreSQL.)
    list(MapVersion.objects.select_for_update().filter(pk=1).values_list("pk"))


def _raise_feature_errors(features: list[ParsedFeature]) -> None:
    errors = [error for feature in features for error in feature.errors]
    if errors:
        raise GeoJSONInvalid(errors)


def _read_grid_row(feature: ParsedFeature) -> _GridRow:
    properties = feature.properties
    row = _GridRow(
        feature=feature,
        extras={k: v for k, v in properties.items() if k not in GRID_FEATURE_PROPERTIES},
    )
    row.name, problem = read_text(properties, "name", NAME_MAX_LENGTH, required=True)
    if problem:
        feature.add_error(problem)
    row.parent_code, problem = read_code(properties, "parent_code")
    if problem:
        feature.add_error(problem)
    row.kind, problem = read_text(properties, "kind", NAME_MAX_LENGTH, required=False)
    if problem:
        feature.add_error(problem)
    return row


def _check_grid_kinds(rows: list[_GridRow]) -> None:
    kinds = list(GridKind.objects.all())
    by_text = {kind.name: kind for kind in kinds} | {kind.code: kind for kind in kinds}
    for row in rows:
        row.grid_kind = by_text.get(row.kind or DEFAULT_GRID_KIND)
        if row.grid_kind is None:
            row.feature.add_error(
                _("Its kind %(kind)s is unknown; the kinds are: %(kinds)s.")
                % {
                    "kind": row.kind or DEFAULT_GRID_KIND,
                    "kinds": ", ".join(f"{kind.code} ({kind.name})" for kind in kinds),
                }
            )


def _check_grid_codes(rows: list[_GridRow]) -> None:
    units = units_by_code([row.feature.code for row in rows if row.feature.code], lock=True)
    for row in rows:
        unit = units.get(row.feature.code)
        if unit is None:
            continue
        if unit.kind != UnitKind.GRID:
            row.feature.add_error(
                _("Its code %(code)s is already used by %(name)s, a %(kind)s, not a grid.")
                % {"code": unit.code, "name": unit.name, "kind": UnitKind(unit.kind).label}
            )
            continue
        row.existing = unit


def _check_grid_parents(rows: list[_GridRow]) -> None:
    parents = units_by_code([row.parent_code for row in rows if row.parent_code])
    for row in rows:
        if not row.parent_code:
            continue
        parent = parents.get(row.parent_code)
        if parent is None:
            row.feature.add_error(
                _("Its parent_code %(code)s matches no unit.") % {"code": row.parent_code}
            )
        elif parent.kind not in PARENT_KINDS[UnitKind.GRID]:
            row.feature.add_error(
                _(
                    "Its parent %(code)s %(name)s is a %(kind)s; "
                    "a grid belongs to a community or a village."
                )
                % {"code": parent.code, "name": parent.name, "kind": UnitKind(parent.kind).label}
            )
        elif not parent.is_active:
            row.feature.add_error(
                _("Its parent %(code)s %(name)s is no longer active.")
                % {"code": parent.code, "name": parent.name}
            )
        else:
            row.parent = parent


def _check_grid_overlaps(rows: list[_GridRow]) -> None:
    """Grids may share borders but not land: an overlap above the tolerance is an error,
    whether with another feature or with a grid already on the map that the file leaves."""
    tolerance = settings.GRID_OVERLAP_TOLERANCE_M2
    drawn = [row for row in rows if row.feature.shape is not None]
    file_codes = {row.feature.code for row in rows}
    fixed = [
        (code, name, shape)
        for code, name, boundary in OrgUnit.objects.filter(
            kind=UnitKind.GRID, is_active=True, boundary__isnull=False
        ).values_list("code", "name", "boundary")
        if code not in file_codes and (shape := shape_or_none(boundary)) is not None
    ]
    overlaps = find_overlaps(
        [row.feature.shape for row in drawn], [shape for _c, _n, shape in fixed], tolerance
    )
    for overlap in overlaps:
        values = {"area": format_m2(overlap.area_m2), "tolerance": f"{tolerance:g}"}
        if overlap.second_is_new:
            other = drawn[overlap.second].feature
            message = _(
                "It overlaps feature %(other)s (code %(code)s) by %(area)s m²; "
                "at most %(tolerance)s m² is allowed."
            ) % {**values, "other": other.index, "code": other.code}
        else:
            code, name, _shape = fixed[overlap.second]
            message = _(
                "It overlaps the grid %(code)s %(name)s by %(area)s m²; "
                "at most %(tolerance)s m² is allowed."
            ) % {**values, "code": code, "name": name}
        drawn[overlap.first].feature.add_error(message)


def units_by_code(codes: Iterable[str], *, lock: bool = False) -> dict[str, OrgUnit]:
    """Units by code, in chunks small enough for every database."""
    unique = sorted(set(codes))
    found: dict[str, OrgUnit] = {}
    for start in range(0, len(unique), _CODES_PER_QUERY):
        queryset = OrgUnit.objects.filter(code__in=unique[start : start + _CODES_PER_QUERY])
        if lock:
            queryset = queryset.select_for_update()
        found.update((unit.code, unit) for unit in queryset)
    return found


def _plan_grid_changes(
    rows: list[_GridRow],
) -> tuple[ImportSummary, list[_GridRow], list[_GridRow]]:
    summary = ImportSummary()
    created: list[_GridRow] = []
    changed: list[_GridRow] = []
    for row in rows:
        if row.existing is None:
            created.append(row)
            summary.created.append(row.feature.code)
        elif _grid_differs(row.existing, row):
            changed.append(row)
            summary.updated.append(row.feature.code)
        else:
            summary.unchanged.append(row.feature.code)
    return summary, created, changed


def _grid_differs(unit: OrgUnit, row: _GridRow) -> bool:
    assert row.parent is not None and row.grid_kind is not None
    return (
        unit.name != row.name
        or unit.parent_id != row.parent.pk
        or unit.grid_kind_id != row.grid_kind.pk
        or unit.boundary != row.feature.geometry
        or unit.properties != row.extras
        or not unit.is_active
    )


def _touched_parents(created: list[_GridRow], changed: list[_GridRow]) -> list[OrgUnit]:
    touched = [row.parent for row in [*created, *changed] if row.parent is not None]
    # A changed grid needs rights where it stands now too: moving it out changes its community.
    touched += [row.existing for row in changed if row.existing is not None]
    return touched


def _write_new_grids(rows: list[_GridRow]) -> None:
    units = []
    for row in rows:
        assert row.parent is not None
        units.append(
            OrgUnit(
                code=row.feature.code,
                name=row.name,
                kind=UnitKind.GRID,
                parent=row.parent,
                grid_kind=row.grid_kind,
                boundary=row.feature.geometry,
                properties=row.extras,
                path=f"{_UNPLACED}{row.feature.code}/",
                depth=row.parent.depth + 1,
            )
        )
    OrgUnit.objects.bulk_create(units, batch_size=500)
    # Now that the keys are known, one statement puts every new grid under its parent.
    OrgUnit.objects.filter(path__startswith=_UNPLACED).update(
        path=Concat(
            Subquery(OrgUnit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]),
            Cast("pk", CharField()),
            Value("/"),
        )
    )


def _write_changed_grids(rows: list[_GridRow]) -> None:
    """Update changed grids in bulk. A grid is always a leaf of the tree (no kind stands under
    a grid, see PARENT_KINDS), so moving one rewrites only its own path, as move_unit would."""
    now = clock.now()
    units = []
    for row in rows:
        unit, parent = row.existing, row.parent
        assert unit is not None and parent is not None
        unit.name = row.name
        unit.grid_kind = row.grid_kind
        unit.boundary = row.feature.geometry
        unit.properties = row.extras
        unit.is_active = True
        unit.updated_at = now
        if unit.parent_id != parent.pk:
            unit.parent = parent
            unit.path = f"{parent.path}{unit.pk}/"
            unit.depth = parent.depth + 1
        units.append(unit)
    _update_units(
        units,
        [
            "name",
            "grid_kind",
            "boundary",
            "properties",
            "is_active",
            "updated_at",
            "parent",
            "path",
            "depth",
        ],
    )


def _update_units(units: list[OrgUnit], field_names: list[str]) -> None:
    """Save these fields of many units with one prepared UPDATE run for each row: bulk_update
    builds CASE expressions that take twenty seconds for a re-drawn map of 10,000 grids."""
    if not units:
        return
    fields = [OrgUnit._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only column names from the model go into the text; every value is a parameter.
    sql = f"UPDATE {quote(OrgUnit._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(unit, field.attname), connection) for field in fields]
        + [unit.pk]
        for unit in units
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def import_boundaries(actor: User | None, source: bytes | str | dict) -> ImportSummary:
    """Set the boundaries of existing districts, towns, communities and villages by `code`.

    The same checks as the grid import apart from parents and overlaps; only the boundary is
    set (names and other properties are left alone). All or nothing, like import_grids.
    """
    _require_some(actor, Capability.MANAGE_ORG)
    features = parse_feature_collection(source)
    duplicate_code_errors(features)
    with transaction.atomic():
        _lock_map()
        units = units_by_code([f.code for f in features if f.code], lock=True)
        for feature in features:
            _check_boundary_unit(feature, units.get(feature.code))
        _raise_feature_errors(features)
        summary = ImportSummary()
        changed = []
        for feature in features:
            unit = units[feature.code]
            if unit.boundary == feature.geometry:
                summary.unchanged.append(unit.code)
                continue
            unit.boundary, unit.updated_at = feature.geometry, clock.now()
            changed.append(unit)
            summary.updated.append(unit.code)
        _require_over(actor, Capability.MANAGE_ORG, changed)
        _update_units(changed, ["boundary", "updated_at"])
        if changed:
            bump_map_version()  # maps draw community outlines too
        audit.record(
            actor,
            "org.boundaries.import",
            None,
            _("Boundary import: %(updated)s updated, %(unchanged)s unchanged.")
            % {"updated": len(summary.updated), "unchanged": len(summary.unchanged)},
            updated=len(summary.updated),
            unchanged=len(summary.unchanged),
        )
    return summary


def _check_boundary_unit(feature: ParsedFeature, unit: OrgUnit | None) -> None:
    if not feature.code:
        return
    if unit is None:
        feature.add_error(_("Its code %(code)s matches no unit.") % {"code": feature.code})
    elif unit.kind == UnitKind.GRID:
        feature.add_error(
            _("%(code)s %(name)s is a grid; import grids with the grid import.")
            % {"code": unit.code, "name": unit.name}
        )
    elif unit.kind not in BOUNDARY_KINDS:
        feature.add_error(
            _("%(code)s %(name)s is a %(kind)s, which has no boundary.")
            % {"code": unit.code, "name": unit.name, "kind": UnitKind(unit.kind).label}
        )
