"""What the routing pages read besides the services: how dispatchers received a version's
suggestions (confirmed or corrected: the model's accuracy in daily use, not on a hold-out), and
the names of the categories a report names by code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from wangge.cases.models import Category
from wangge.routing.models import ModelVersion, Outcome, Suggestion


@dataclass(frozen=True)
class OutcomeCount:
    outcome: str
    label: str
    count: int


@dataclass(frozen=True)
class OutcomeCounts:
    rows: list[OutcomeCount]  # every outcome in Outcome's order, zeros included
    total: int
    # Of the suggestions a dispatcher decided on, the share accepted as suggested (None before
    # any decision): automatic and unused ones say nothing of the dispatchers' judgement.
    confirmed_share: float | None

    @property
    def confirmed_percent(self) -> int | None:
        return None if self.confirmed_share is None else round(self.confirmed_share * 100)


def outcome_counts(version: ModelVersion) -> OutcomeCounts:
    """How many of `version`'s suggestions are pending, confirmed, corrected, dispatched
    automatically or unused (one grouped query)."""
    counted = dict(
        Suggestion.objects.filter(version=version)
        .values_list("outcome")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = [OutcomeCount(o.value, str(o.label), counted.get(o.value, 0)) for o in Outcome]
    confirmed = counted.get(Outcome.CONFIRMED, 0)
    decided = confirmed + counted.get(Outcome.CORRECTED, 0)
    return OutcomeCounts(
        rows=rows,
        total=sum(row.count for row in rows),
        confirmed_share=confirmed / decided if decided else None,
    )


def category_names(codes: Iterable[str]) -> dict[str, str]:
    """Category code → name, for the codes that are categories (a model may know a category
    deleted since)."""
    return dict(Category.objects.filter(code__in=set(codes)).values_list("code", "name"))
