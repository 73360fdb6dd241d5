"""The case figures of any set of cases, for callers holding a queryset rather than a scope
(tests of the cases app read the three rates of a known set this way). The measures come from
the same SQL as the rollups (`rollups.fact_select`), the figures from `definitions`."""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import QuerySet

from wangge.analytics.definitions import FIGURES, STORED_MEASURES
from wangge.analytics.rollups import _Dialect, fact_select
from wangge.cases.models import Case


class Rates:
    """Summed measures (`rates.closed`) and figures (`rates.resolution_rate`) of a set."""

    def __init__(self, totals: Counter[str]) -> None:
        self.totals = totals

    def __getattr__(self, name: str) -> float | int | None:
        if name in STORED_MEASURES:
            return self.totals[name]
        if name in FIGURES:
            return FIGURES[name].value(self.totals)
        raise AttributeError(name)


def rates_of(cases: QuerySet[Case]) -> Rates:
    """The figures of `cases` in one query (merged duplicates count only by state)."""
    inner, params = cases.values("pk").query.sql_with_params()
    select = fact_select(_Dialect(), f"c.id IN ({inner})")
    sums = ", ".join(f"SUM(f.{name})" for name in STORED_MEASURES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sums} FROM ({select}) f", params)  # noqa: S608 (constants)
        row = cursor.fetchone()
    return Rates(Counter({n: v or 0 for n, v in zip(STORED_MEASURES, row, strict=True)}))
