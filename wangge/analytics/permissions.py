"""Who sees which figures: the area units (not departments, not grids) of the user's visible
org tree, and everything below them. A unit outside them is not found."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.queries import visible_units
from wangge.org.roles import UnitKind


def area_units(user: User) -> QuerySet[OrgUnit]:
    """The area units the user may look at, in tree order, without their outlines."""
    return (
        visible_units(user)
        .exclude(kind__in=[UnitKind.DEPARTMENT, UnitKind.GRID])
        .defer("boundary", "properties")
    )


def dashboard_units(user: User) -> list[OrgUnit]:
    return list(area_units(user))


def has_dashboard(user: User) -> bool:
    return area_units(user).exists()
