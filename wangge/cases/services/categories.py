"""Every write to cases and their categories. Functions take the acting user first (None is the
system: migrations, the demo loader, trusted commands), check permissions, validate every field
with a refusal that names it, run in one transaction and append to the audit log.

Categories are city-wide data: only a superuser or an administrator whose scope covers the whole
org tree may change them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext as _

from wangge.cases.exceptions import CategoryInvalid, NotAllowed
from wangge.cases.models import STAGES, Category, CategoryKind, DeadlineUnit
from wangge.core import audit, generations
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import administers_whole_city, scope_for
from wangge.org.roles import Capability, UnitKind

OPEN311_DATATYPES = frozenset(
    {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
)
_LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})
_CODE_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_MAX_AMOUNT = Decimal("9999.99")  # max_digits=6, decimal_places=2

# What `update_category` may change. The code and kind are fixed once created: Open311 clients
# and cases hold the code, and a class's children share its kind.
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "parent",
        "default_department",
        "is_grid_entry",
        "open311_attributes",
        *(f"{stage}_{part}" for stage in STAGES for part in ("amount", "unit")),
        "accept_yellow_days",
        "accept_red_days",
        "handle_yellow_days",
        "handle_red_days",
        "order",
    }
)
# A new subcategory starts with a copy of these from its class (stored, never read through).
COPIED_FROM_PARENT = frozenset(
    EDITABLE_FIELDS - {"name", "parent", "is_grid_entry", "open311_attributes", "order"}
)


# The catalogue's data generation: every Category save or delete changes it (CasesConfig.ready).
GENERATION = "categories"
_COLUMNS = tuple(field.attname for field in Category._meta.concrete_fields)
_CODE = _COLUMNS.index("code")
_PK = _COLUMNS.index("id")


def _read_catalogue() -> tuple[dict[str, tuple[Any, ...]], dict[int, tuple[Any, ...]]]:
    rows = list(Category.objects.values_list(*_COLUMNS))
    return {row[_CODE]: row for row in rows}, {row[_PK]: row for row in rows}


_CATALOGUE = generations.ProcessCache(GENERATION, _read_catalogue)


def _instance(row: tuple[Any, ...]) -> Category:
    category = Category.from_db(DEFAULT_DB_ALIAS, _COLUMNS, row)
    # The process's copy is shared: the instance gets its own copy of the one mutable field.
    category.open311_attributes = copy.deepcopy(category.open311_attributes)
    return category


def find_category(code: str) -> Category | None:
    """The category with this code (active or not) with its class attached, from the process's
    copy of the catalogue (checked against its generation: one key read). A new instance each
    call."""
    by_code, by_pk = _CATALOGUE.get()
    row = by_code.get(code)
    if row is None:
        return None
    category = _instance(row)
    if category.parent_id is not None:
        category.parent = _instance(by_pk[category.parent_id])
    return category


def require_category_admin(actor: User | None) -> None:
    if actor is None:
        return
    if not administers_whole_city(actor):
        raise NotAllowed(_("Only an administrator of the whole city may change categories."))


def may_manage_categories(user: User | AnonymousUser) -> bool:
    """Whether the category services will accept `user` (the menu entry and every page ask).
    Nobody without MANAGE_ORG anywhere is asked the services' question, which reads the tree."""
    if not user.is_authenticated or scope_for(user, Capability.MANAGE_ORG).is_empty:
        return False
    try:
        require_category_admin(user)
    except NotAllowed:
        return False
    return True


# --- one cleaner per field ------------------------------------------------------------------


def _clean_name(value: Any) -> str:
    name = str(value or "").strip()
    if not name:
        raise CategoryInvalid("name", _("The name is required."))
    if len(name) > 64:
        raise CategoryInvalid("name", _("The name may have at most 64 characters."))
    return name


def _clean_code(value: Any) -> str:
    code = str(value or "").strip()
    if not code:
        raise CategoryInvalid("code", _("The code is required."))
    if len(code) > 32 or not set(code) <= _CODE_ALLOWED:
        raise CategoryInvalid(
            "code", _("The code may have up to 32 letters, digits, dots, dashes or underscores.")
        )
    return code


def _clean_kind(value: Any) -> str:
    if value not in CategoryKind.values:
        raise CategoryInvalid("kind", _("Unknown category kind: %(kind)s") % {"kind": value})
    return str(value)


def _clean_parent(value: Any) -> Category | None:
    if value is None:
        return None
    if not isinstance(value, Category):
        raise CategoryInvalid("parent", _("The class must be a category."))
    return value


def _clean_department(value: Any) -> OrgUnit | None:
    if value is None:
        return None
    if not isinstance(value, OrgUnit) or value.kind != UnitKind.DEPARTMENT:
        raise CategoryInvalid(
            "default_department", _("The default department must be a department.")
        )
    if not value.is_active:
        raise CategoryInvalid("default_department", _("This department is no longer active."))
    return value


def _clean_flag(field: str) -> Callable[[Any], bool]:
    def clean(value: Any) -> bool:
        if not isinstance(value, bool):
            raise CategoryInvalid(field, _("Choose yes or no."))
        return value

    return clean


def _clean_amount(field: str) -> Callable[[Any], Decimal]:
    def clean(value: Any) -> Decimal:
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise CategoryInvalid(field, _("Enter a number.")) from None
        if not amount.is_finite() or amount <= 0:
            raise CategoryInvalid(field, _("The time allowed must be more than zero."))
        if amount > _MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            raise CategoryInvalid(
                field, _("Enter at most 9999.99, with no more than two decimal places.")
            )
        return amount

    return clean


def _clean_unit(field: str) -> Callable[[Any], str]:
    def clean(value: Any) -> str:
        if value not in DeadlineUnit.values:
            raise CategoryInvalid(field, _("Unknown unit of time: %(unit)s") % {"unit": value})
        return str(value)

    return clean


def _clean_count(field: str, minimum: int) -> Callable[[Any], int]:
    def clean(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise CategoryInvalid(
                field, _("Enter a whole number of at least %(minimum)s.") % {"minimum": minimum}
            )
        if value > 32767:
            raise CategoryInvalid(field, _("The number is too large."))
        return value

    return clean


def _clean_attributes(value: Any) -> list[dict[str, Any]]:
    """Open311 attribute definitions, as GeoReport v2 `services/{code}` lists them."""
    field = "open311_attributes"
    if not isinstance(value, list):
        raise CategoryInvalid(field, _("The attributes must be a list."))
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(value, start=1):

        def refuse(message: str, position: int = position) -> CategoryInvalid:
            return CategoryInvalid(
                field,
                _("Attribute %(position)s: %(message)s")
                % {"position": position, "message": message},
            )

        if not isinstance(item, dict):
            raise refuse(_("it must be an object."))
        code = str(item.get("code") or "").strip()
        if not code or not set(code) <= _CODE_ALLOWED:
            raise refuse(_("the code is required (letters, digits, dots, dashes, underscores)."))
        if code in seen:
            raise refuse(_("the code %(code)s appears twice.") % {"code": code})
        seen.add(code)
        datatype = item.get("datatype")
        if datatype not in OPEN311_DATATYPES:
            raise refuse(_("unknown datatype %(datatype)s.") % {"datatype": datatype})
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise refuse(_("required must be true or false."))
        description = str(item.get("description") or "").strip()
        if not description:
            raise refuse(_("the description is required."))
        order = item.get("order", position)
        if isinstance(order, bool) or not isinstance(order, int) or order < 0:
            raise refuse(_("the order must be a whole number."))
        values = item.get("values") or []
        if datatype in _LIST_DATATYPES:
            if not isinstance(values, list) or not values:
                raise refuse(_("a list attribute needs values."))
            for entry in values:
                if not (
                    isinstance(entry, dict)
                    and str(entry.get("key") or "").strip()
                    and str(entry.get("name") or "").strip()
                ):
                    raise refuse(_("every value needs a key and a name."))
            values = [
                {"key": str(v["key"]).strip(), "name": str(v["name"]).strip()} for v in values
            ]
        elif values:
            raise refuse(_("only list attributes have values."))
        cleaned.append(
            {
                "code": code,
                "datatype": datatype,
                "required": required,
                "description": description,
                "order": order,
                "values": values,
            }
        )
    return cleaned


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "code": _clean_code,
    "name": _clean_name,
    "kind": _clean_kind,
    "parent": _clean_parent,
    "default_department": _clean_department,
    "is_grid_entry": _clean_flag("is_grid_entry"),
    "open311_attributes": _clean_attributes,
    **{f"{stage}_amount": _clean_amount(f"{stage}_amount") for stage in STAGES},
    **{f"{stage}_unit": _clean_unit(f"{stage}_unit") for stage in STAGES},
    "accept_yellow_days": _clean_count("accept_yellow_days", 1),
    "accept_red_days": _clean_count("accept_red_days", 1),
    "handle_yellow_days": _clean_count("handle_yellow_days", 1),
    "handle_red_days": _clean_count("handle_red_days", 1),
    "order": _clean_count("order", 0),
}


def _check_whole(category: Category) -> None:
    """Rules across fields, on the category as it would be saved."""
    for stage in STAGES:
        amount = getattr(category, f"{stage}_amount")
        if getattr(category, f"{stage}_unit") == DeadlineUnit.WORKING_DAYS and amount != int(
            amount
        ):
            raise CategoryInvalid(f"{stage}_amount", _("Working days must be a whole number."))
    for stage in ("accept", "handle"):
        if getattr(category, f"{stage}_red_days") <= getattr(category, f"{stage}_yellow_days"):
            raise CategoryInvalid(
                f"{stage}_red_days", _("The red card must come later than the yellow card.")
            )
    parent = category.parent
    if parent is None:
        return
    if category.pk is not None and parent.pk == category.pk:
        raise CategoryInvalid("parent", _("A category cannot be its own class."))
    if parent.parent_id is not None:
        raise CategoryInvalid("parent", _("A subcategory must stand under a top-level class."))
    if parent.kind != category.kind:
        raise CategoryInvalid("parent", _("A subcategory must be of the same kind as its class."))
    if category.pk is not None and category.children.exists():
        raise CategoryInvalid("parent", _("A class with subcategories cannot move under another."))


def _cleaned(changes: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"not a changeable category field: {', '.join(sorted(unknown))}")
    return {field: _CLEANERS[field](value) for field, value in changes.items()}


def _audit_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Category | OrgUnit):
        return value.code
    return value


def create_category(
    actor: User | None,
    *,
    code: str,
    name: str,
    kind: str,
    parent: Category | None = None,
    **fields: Any,
) -> Category:
    """A new class, or a subcategory of `parent`. A subcategory starts with a copy of its class's
    deadlines, supervision ladder and default department unless given its own; the copy is
    stored, so later changes to the class do not reach it."""
    require_category_admin(actor)
    values = _cleaned(
        {"code": code, "name": name, "kind": kind, "parent": parent, **fields},
        EDITABLE_FIELDS | {"code", "kind"},
    )
    with transaction.atomic():
        if parent is not None:
            parent = Category.objects.select_for_update().get(pk=parent.pk)
            values["parent"] = parent
            for field in COPIED_FROM_PARENT - set(fields):
                values[field] = getattr(parent, field)
        category = Category(**values)
        _check_whole(category)
        if Category.objects.filter(code=category.code).exists():
            raise CategoryInvalid(
                "code", _("The code %(code)s is already used.") % {"code": category.code}
            )
        category.save()
        audit.record(
            actor,
            "cases.category.create",
            category,
            f"{category.code} {category.name}",
            **{field: _audit_value(value) for field, value in values.items()},
        )
    return category


def update_category(actor: User | None, category: Category, **changes: Any) -> Category:
    """Change any of `EDITABLE_FIELDS`; every value is checked before anything is written."""
    require_category_admin(actor)
    cleaned = _cleaned(changes, EDITABLE_FIELDS)
    with transaction.atomic():
        locked = Category.objects.select_for_update().get(pk=category.pk)
        before = {field: getattr(locked, field) for field in cleaned}
        for field, value in cleaned.items():
            setattr(locked, field, value)
        _check_whole(locked)
        changed = [field for field in cleaned if cleaned[field] != before[field]]
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor,
                "cases.category.update",
                locked,
                f"{locked.code} {locked.name}: {', '.join(changed)}",
                changes={
                    field: [_audit_value(before[field]), _audit_value(cleaned[field])]
                    for field in changed
                },
            )
    return locked


def set_category_active(actor: User | None, category: Category, *, is_active: bool) -> Category:
    """Categories are never deleted (cases point at them); they are made inactive. An inactive
    class hides its subcategories from new cases too."""
    require_category_admin(actor)
    if not isinstance(is_active, bool):
        raise CategoryInvalid("is_active", _("Choose yes or no."))
    with transaction.atomic():
        locked = Category.objects.select_for_update().get(pk=category.pk)
        if locked.is_active != is_active:
            locked.is_active = is_active
            locked.save(update_fields=["is_active", "updated_at"])
            audit.record(
                actor,
                "cases.category.activate" if is_active else "cases.category.deactivate",
                locked,
                f"{locked.code} {locked.name}",
            )
    return locked
