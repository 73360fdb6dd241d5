"""Every figure, defined once: its name, the definition a page shows beside it, and how it is
computed from the measures the rollups sum (a count, or a numerator over a denominator). The
dashboard, the API, exports and evaluation read figures through this module and `queries.py`;
nothing else computes a figure.

A case counts in the period of the local day it was reported (its cohort): a case reported in
March and closed in April adds to March's resolution rate. Merged duplicates count nowhere but
in the count by state (their master carries the request). `closed_on_day` is the one measure
counted on another day: the day the case was closed, for the trend of closures.

Figures of other apps (canvass coverage, care visits on time, agreements fulfilled) register
here with `register(Figure(..., compute=...))`: `compute(scope, period)` returns
(numerator, denominator) read from that app's own tables, and the dashboard and API show them
beside the case figures. Apps never import analytics: analytics imports them (see
`EXTERNAL_FIGURES`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

STATES = (
    "reported",
    "accepted",
    "declined",
    "dispatched",
    "handling",
    "handled",
    "verified",
    "closed",
    "merged",
)

# What each case adds to its rollup rows (all 0 or 1, but handle_seconds).
STORED_MEASURES: tuple[str, ...] = (
    "reported",
    *(f"s_{state}" for state in STATES),
    "responded_in_time",
    "accepted",
    "accepted_on_time",
    "dispatched",
    "handled",
    "handled_on_time",
    "handle_timed",
    "handle_seconds",
    "closed",
    "resolved",
    "rated",
    "satisfied",
    "overdue",
    "supervised",
    "reopened",
    "closed_ever",
    "repeat_request",
)
MEASURES: tuple[str, ...] = (*STORED_MEASURES, "closed_on_day")

# A repeat request: an earlier case from the same address or the same phone within this many
# days before it.
REPEAT_WINDOW_DAYS = 30


class Kind:
    COUNT = "count"
    RATE = "rate"
    HOURS = "hours"


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any  # lazy text
    definition: Any  # lazy text, shown beside the figure
    kind: str
    numerator: str  # a measure
    denominator: str | None = None  # a measure; None for a count
    scale: float = 1.0  # hours: seconds / 3600
    higher_is_better: bool = True
    # For figures of other apps: (scope, period) -> (numerator, denominator).
    compute: Callable[[Any, Any], tuple[float, float | None]] | None = None

    def value(self, totals: Mapping[str, float]) -> float | None:
        """The figure from summed measures; None when its denominator is 0 (nothing to rate)."""
        top = totals.get(self.numerator, 0)
        if self.denominator is None:
            return top
        bottom = totals.get(self.denominator, 0)
        if not bottom:
            return None
        return top / bottom / self.scale

    def display(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.kind == Kind.RATE:
            return f"{value * 100:.1f}%"
        if self.kind == Kind.HOURS:
            return f"{value:.1f}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def change(self, now: float | None, before: float | None) -> float | None:
        """Now minus before, in the unit shown (percentage points for a rate)."""
        if now is None or before is None:
            return None
        return (now - before) * (100 if self.kind == Kind.RATE else 1)

    def trend(self, now: float | None, before: float | None) -> str:
        """ "up", "down" or "flat" (or "" when either side is missing)."""
        change = self.change(now, before)
        if change is None:
            return ""
        if abs(change) < 1e-9:
            return "flat"
        return "up" if change > 0 else "down"

    def is_better(self, now: float | None, before: float | None) -> bool | None:
        change = self.change(now, before)
        if change is None or abs(change) < 1e-9:
            return None
        return (change > 0) == self.higher_is_better


def _rate(key: str, label: Any, definition: Any, top: str, bottom: str) -> Figure:
    return Figure(key, label, definition, Kind.RATE, top, bottom)


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.key in FIGURES:
        raise ValueError(f"figure {figure.key} is defined twice")
    FIGURES[figure.key] = figure
    return figure


for _figure in (
    Figure(
        "reported",
        _("Cases reported"),
        _("Cases reported in the period, merged duplicates left out."),
        Kind.COUNT,
        "reported",
    ),
    _rate(
        "response_rate",
        _("Response rate"),
        _(
            "Response rate: cases accepted or declined within the acceptance deadline, of the "
            "cases reported."
        ),
        "responded_in_time",
        "reported",
    ),
    _rate(
        "resolution_rate",
        _("Resolution rate"),
        _("Resolution rate: cases closed as resolved, of the cases closed."),
        "resolved",
        "closed",
    ),
    _rate(
        "satisfaction_rate",
        _("Satisfaction rate"),
        _("Satisfaction rate: satisfied and basically satisfied ratings, of the cases rated."),
        "satisfied",
        "rated",
    ),
    _rate(
        "on_time_acceptance_rate",
        _("On-time acceptance rate"),
        _(
            "On-time acceptance rate: cases accepted (or resolved on the spot) within the "
            "acceptance deadline, of the cases accepted."
        ),
        "accepted_on_time",
        "accepted",
    ),
    _rate(
        "dispatch_rate",
        _("Dispatch rate"),
        _("Dispatch rate: cases dispatched to a handling unit, of the cases accepted."),
        "dispatched",
        "accepted",
    ),
    _rate(
        "on_time_rate",
        _("On-time handling rate"),
        _("On-time handling rate: cases handled by their handling deadline, of the cases handled."),
        "handled_on_time",
        "handled",
    ),
    Figure(
        "average_handling_hours",
        _("Average handling time (working hours)"),
        _(
            "Average handling time: working hours (office hours of working days) from dispatch "
            "to the handling being finished, averaged over the cases handled after a dispatch."
        ),
        Kind.HOURS,
        "handle_seconds",
        "handle_timed",
        scale=3600.0,
        higher_is_better=False,
    ),
    Figure(
        "overdue",
        _("Overdue cases"),
        _(
            "Overdue cases: cases accepted or handled after their deadline, or supervised by "
            "the deadline sweep for passing one."
        ),
        Kind.COUNT,
        "overdue",
        higher_is_better=False,
    ),
    Figure(
        "supervised",
        _("Supervised cases"),
        _("Supervised cases: cases that received at least one supervision order (督办)."),
        Kind.COUNT,
        "supervised",
        higher_is_better=False,
    ),
    _rate(
        "reopen_rate",
        _("Reopen rate"),
        _("Reopen rate: cases reopened after closing at least once, of the cases ever closed."),
        "reopened",
        "closed_ever",
    ),
    Figure(
        "repeat_requests",
        _("Repeat requests"),
        _(
            "Repeat requests: cases from the same address or the same reporter's phone as a case "
            "reported in the 30 days before."
        ),
        Kind.COUNT,
        "repeat_request",
        higher_is_better=False,
    ),
    _rate(
        "closure_rate",
        _("Closure rate"),
        _("Closure rate: cases closed, of the cases accepted."),
        "closed",
        "accepted",
    ),
):
    register(_figure)

# The four rates of the dashboard's first panel, in order.
HEADLINE = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
# Figures of other apps register from these modules when analytics is ready (none yet).
EXTERNAL_FIGURES: tuple[str, ...] = ()
