"""The one scope filter: which subtrees of the org tree a user may act in.

An app decides *which* subtrees a user holds (see `wangge.org.permissions.scope_for`); this
module only applies a scope to a queryset, so every list in every app is filtered the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Scope:
    """A set of subtree roots (materialized paths), or everything."""

    paths: frozenset[str] = frozenset()
    everything: bool = False

    @classmethod
    def of(cls, paths: Iterable[str]) -> Scope:
        # Keep only the topmost roots: a path inside another adds nothing.
        ordered = sorted(set(paths), key=len)
        roots: list[str] = []
        for path in ordered:
            if not any(path.startswith(root) for root in roots):
                roots.append(path)
        return cls(paths=frozenset(roots))

    @classmethod
    def nothing(cls) -> Scope:
        return cls()

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.paths

    def contains(self, path: str | None) -> bool:
        if self.everything:
            return True
        if not path:
            return False
        return any(path.startswith(root) for root in self.paths)

    def filter(self, queryset: QuerySet, path_field: str = "path") -> QuerySet:
        if self.everything:
            return queryset
        if not self.paths:
            return queryset.none()
        condition = Q()
        for root in sorted(self.paths):
            condition |= Q(**{f"{path_field}__descendant_of": root})
        return queryset.filter(condition)
