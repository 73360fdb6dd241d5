"""The one function that decides where a user may act: `scope_for(user, capability)`.

Every list in every app filters through the Scope it returns (`Scope.filter`), and every
single-object lookup goes through a `get_<kind>_for_user` function, so a unit outside a user's
scope is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from wangge.core.models import User
from wangge.core.scope import Scope
from wangge.org.exceptions import NotFound
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import ROLE_CAPABILITIES, Capability

_CACHE_ATTRIBUTE = "_wangge_active_memberships"


def active_memberships(user: User | AnonymousUser) -> list[tuple[str, str]]:
    """(role, unit path) of every active membership; cached on the user object for a request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, unit__is_active=True).values_list(
                "role", "unit__path"
            )
        )
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_memberships(user: User) -> None:
    """Drop the cached memberships after they changed (services call this)."""
    for attribute in (_CACHE_ATTRIBUTE, "_wangge_role_permissions", "_wangge_whole_city"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def scope_for(user: User | AnonymousUser, capability: str) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope.nothing()
    if user.is_superuser:
        return Scope.all()
    paths = [
        path
        for role, path in active_memberships(user)
        if capability in ROLE_CAPABILITIES.get(role, frozenset())
    ]
    return Scope.of(paths)


def can(user: User | AnonymousUser, capability: str, unit: OrgUnit) -> bool:
    return scope_for(user, capability).contains(unit.path)


def roles_of(user: User | AnonymousUser) -> set[str]:
    return {role for role, _path in active_memberships(user)}


def get_unit_for_user(
    user: User | AnonymousUser, code: str, capability: str = Capability.VIEW_ORG
) -> OrgUnit:
    scope = scope_for(user, capability)
    unit = OrgUnit.objects.select_related("parent", "grid_kind").filter(code=code).first()
    if unit is None:
        raise NotFound(code)
    if not scope.contains(unit.path):
        raise NotFound(code)
    return unit


def get_account_for_user(user: User | AnonymousUser, username: str) -> User:
    """The active account of this name that `user` may give roles to: one holding no active
    role yet, or one holding a role inside `user`'s MANAGE_MEMBERS scope; NotFound otherwise
    (the same answer as for no such account)."""
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise NotFound(username)
    paths = list(
        Membership.objects.filter(user=person, is_active=True, unit__is_active=True).values_list(
            "unit__path", flat=True
        )
    )
    scope = scope_for(user, Capability.MANAGE_MEMBERS)
    if paths and not any(scope.contains(path) for path in paths):
        raise NotFound(username)
    return person


def administers_whole_city(user: User | AnonymousUser) -> bool:
    """Whether the user manages the org tree of every root unit: who may change what is the
    whole city's (the case categories, the information-report kinds). Kept on the user object
    for the request: the menu asks on every page."""
    if not user.is_authenticated or not user.is_active:
        return False
    scope = scope_for(user, Capability.MANAGE_ORG)
    if scope.everything:
        return True
    if scope.is_empty:
        return False
    cached = getattr(user, "_wangge_whole_city", None)
    if cached is None:
        roots = list(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
        cached = bool(roots) and all(scope.contains(path) for path in roots)
        user._wangge_whole_city = cached  # type: ignore[union-attr]
    return cached
