"""A materialized-path field whose subtree lookup is one indexed query on every database.

A path is the chain of primary keys from the root, each followed by a slash (`/1/7/42/`), so a
subtree is every row whose path starts with the root's path. Django's `startswith` cannot use
an index on SQLite (its LIKE ignores case), so `descendant_of` is GLOB there and LIKE on
PostgreSQL, where the index is built with `varchar_pattern_ops`. Paths hold only digits and
slashes, so neither pattern language needs escaping.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.models import Lookup

PATH_PATTERN = re.compile(r"^/(?:\d+/)+$")


class TreePathField(models.CharField):
    description = "A materialized path of primary keys, like /1/7/42/"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)


@TreePathField.register_lookup
class DescendantOf(Lookup):
    """`path__descendant_of="/1/7/"`: the node /1/7/ itself and everything below it."""

    lookup_name = "descendant_of"

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        if not isinstance(value, str) or not PATH_PATTERN.match(value):
            raise ValueError(f"not a tree path: {value!r}")
        return super().get_db_prep_lookup(value, connection)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = [*lhs_params, *(f"{value}%" for value in rhs_params)]
        return f"{lhs} LIKE {rhs}", params

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = [*lhs_params, *(f"{value}*" for value in rhs_params)]
        return f"{lhs} GLOB {rhs}", params
