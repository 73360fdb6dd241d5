"""Every non-trivial read of cases and their categories."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from wangge.cases.models import Category


def _in_tree_order(categories: QuerySet[Category]) -> QuerySet[Category]:
    """Each class followed by its subcategories, classes and subcategories by `order`."""
    return categories.select_related("parent", "default_department").order_by(
        Coalesce("parent__order", "order"),
        Coalesce("parent__code", "code"),
        F("parent").asc(nulls_first=True),
        "order",
        "code",
    )


def _usable() -> QuerySet[Category]:
    # A subcategory of an inactive class is out of use too.
    return Category.objects.filter(is_active=True).filter(
        Q(parent__isnull=True) | Q(parent__is_active=True)
    )


def active_categories() -> QuerySet[Category]:
    """Every category a new case may be filed under, in tree order (one query)."""
    return _in_tree_order(_usable())


def grid_entry_categories() -> QuerySet[Category]:
    """The grid-entry list (入格事项): active categories that may be pushed down to grid
    workers, in tree order."""
    return _in_tree_order(_usable().filter(is_grid_entry=True))


def category_by_code(code: str) -> Category | None:
    """The category with this code, active or not (old cases keep theirs), or None."""
    return Category.objects.select_related("parent", "default_department").filter(code=code).first()
