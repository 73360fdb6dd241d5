"""Who may see and keep which part of the registry: everything is scoped by the grid a record
belongs to, inside the org subtrees where the user holds the capability."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from wangge.core.models import User
from wangge.core.scope import Scope
from wangge.org.models import OrgUnit
from wangge.org.permissions import roles_of, scope_for
from wangge.org.roles import Capability
from wangge.people.exceptions import NotAllowed, NotFound
from wangge.people.models import (
    Building,
    Compound,
    House,
    Organisation,
    Person,
    PersonTag,
    Residence,
    TagKind,
)


def units_in(scope: Scope) -> QuerySet[OrgUnit]:
    """The ids of the units of `scope` (grids among them), for an `…grid__in` filter."""
    return scope.filter(OrgUnit.objects.all()).values("pk")


def _scoped(queryset: QuerySet, user: User | AnonymousUser, capability: str) -> QuerySet:
    scope = scope_for(user, capability)
    if scope.everything:
        return queryset
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(grid__in=units_in(scope))


def visible_persons(user: User | AnonymousUser) -> QuerySet[Person]:
    return _scoped(Person.objects.all(), user, Capability.VIEW_PEOPLE)


def visible_houses(user: User | AnonymousUser) -> QuerySet[House]:
    return _scoped(House.objects.all(), user, Capability.VIEW_PEOPLE)


def visible_buildings(user: User | AnonymousUser) -> QuerySet[Building]:
    return _scoped(Building.objects.all(), user, Capability.VIEW_PEOPLE)


def visible_compounds(user: User | AnonymousUser) -> QuerySet[Compound]:
    return _scoped(Compound.objects.all(), user, Capability.VIEW_PEOPLE)


def visible_organisations(user: User | AnonymousUser) -> QuerySet[Organisation]:
    """The organisations of the grids where the user may see the registry."""
    return _scoped(Organisation.objects.all(), user, Capability.VIEW_PEOPLE)


def get_organisation_for_user(
    user: User | AnonymousUser, organisation_id: int | str
) -> Organisation:
    try:
        return (
            visible_organisations(user)
            .select_related("grid", "house", "house__building")
            .get(pk=int(organisation_id))
        )
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def may(user: User | AnonymousUser | None, capability: str, grid: OrgUnit) -> bool:
    """Whether `user` holds `capability` over `grid` (None is the system: always)."""
    if user is None:
        return True
    return scope_for(user, capability).contains(grid.path)


def require(user: User | None, capability: str, grid: OrgUnit) -> None:
    if not may(user, capability, grid):
        raise NotAllowed()


def may_view_people(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.VIEW_PEOPLE).is_empty


def get_person_for_user(user: User | AnonymousUser, person_id: int | str) -> Person:
    try:
        return visible_persons(user).select_related("grid").get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def get_house_for_user(user: User | AnonymousUser, house_id: int | str) -> House:
    try:
        return (
            visible_houses(user)
            .select_related("grid", "building", "building__compound")
            .get(pk=int(house_id))
        )
    except (House.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def get_residence_for_user(user: User | AnonymousUser, residence_id: int | str) -> Residence:
    """A residence in a house the user may see; NotFound otherwise."""
    try:
        pk = int(residence_id)
    except (ValueError, TypeError):
        raise NotFound() from None
    residence = (
        Residence.objects.select_related("house", "house__grid", "person")
        .filter(pk=pk, house__in=visible_houses(user))
        .first()
    )
    if residence is None:
        raise NotFound()
    return residence


def may_see_tag(user: User | AnonymousUser | None, kind: TagKind) -> bool:
    """Everyone who sees a person sees their ordinary tags; a sensitive tag only the roles the
    city named for it (the system always)."""
    if user is None or not kind.is_sensitive:
        return True
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & set(kind.visible_to_roles or []))


def visible_tags(user: User | AnonymousUser, person: Person) -> list[PersonTag]:
    """The person's ordinary tags; sensitive ones are opened with a purpose (services)."""
    return [
        tag
        for tag in person.tags.select_related("kind").order_by("kind__name")
        if not tag.kind.is_sensitive
    ]
