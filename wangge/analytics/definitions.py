"""Every figure, defined once: its name, the definition a page shows beside it, and how it is
computed from the measures the rollups sum (a count, or a numerator over a denominator). The
dashboard, the API, exports and evaluation read figures through this module and `queries.py`;
nothing else computes a figure.

A case counts in the period of the local day it was reported (its cohort): a case reported in
March and closed in April adds to March's resolution rate. Merged duplicates count nowhere but
in the count by state (their master carries the request). `closed_on_day` is the one measure
counted on another day: the day the case was closed, for the trend of closures.

Figures of other apps (canvass coverage, care visits on time, agreements fulfilled, first
information reports on time) are defined here too, with `compute(area_ids, first, last, today)`
returning (numerator, denominator) from a query of the app that owns the rows (imported when
first computed: apps never import analytics, and definitions load before the apps are ready).
They are figures of areas only: for one department or category they have no value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import import_module
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
    # For figures of other apps: (area ids or None for everywhere, first day, last day, today)
    # -> (numerator, denominator).
    compute: Callable[[set[int] | None, date, date, date], tuple[int, int]] | None = None

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


def _query(path: str, with_today: bool) -> Callable[..., tuple[int, int]]:
    """An app's figure query ("module.function"), imported when first called."""
    module, function = path.rsplit(".", 1)

    def compute(areas: set[int] | None, first: date, last: date, today: date) -> tuple[int, int]:
        query = getattr(import_module(module), function)
        return query(areas, first, last, today) if with_today else query(areas, first, last)

    return compute


def _area_rate(
    key: str, label: Any, definition: Any, top: str, bottom: str, query: str, with_today: bool
) -> Figure:
    return Figure(key, label, definition, Kind.RATE, top, bottom, compute=_query(query, with_today))


for _figure in (
    _area_rate(
        "canvass_coverage",
        _("Canvass coverage"),
        _(
            "Canvass coverage: targets (houses or persons) of the canvass campaigns running in "
            "the period visited at least once by its end, of those targets."
        ),
        "canvass_visited",
        "canvass_targets",
        "wangge.campaigns.queries.coverage",
        with_today=False,
    ),
    _area_rate(
        "care_visits_on_time",
        _("Care visits on time"),
        _(
            "Care visits on time: care visits falling due in the period (every N days after the "
            "last visit, N set by the person's tag) made by their due day, of the visits due."
        ),
        "care_on_time",
        "care_due",
        "wangge.people.queries.care_visit_timeliness",
        with_today=True,
    ),
    _area_rate(
        "agreements_fulfilled",
        _("Agreements fulfilled"),
        _(
            "Agreements fulfilled: two-way claiming agreements ending in the period fulfilled "
            "by their end date, of those agreements (cancelled ones left out)."
        ),
        "agreements_fulfilled",
        "agreements_due",
        "wangge.claims.queries.fulfilment",
        with_today=True,
    ),
    _area_rate(
        "first_reports_on_time",
        _("First reports on time"),
        _(
            "First reports on time: information reports whose first-report deadline (首报时限, "
            "natural minutes after the reporter learned of the event) fell in the period and "
            "that were sent by it, of those reports."
        ),
        "first_reports_on_time",
        "first_reports_due",
        "wangge.info_reports.queries.first_report_counts",
        with_today=False,
    ),
):
    register(_figure)


# --- role figures (evaluation) -------------------------------------------------------------------
# Figures of one person or one unit in the case loop, as the urban-management evaluation practice
# defines them; computed by `wangge.analytics.role_figures` from cases and case events (not from
# the rollups: a unit's approved appeals take single cases out of its own figures only).


class RoleSubject:
    """Who a role figure is a figure of."""

    GRID_WORKER = "grid_worker"  # a user holding a grid worker role
    DISPATCHER = "dispatcher"  # a user holding the dispatcher role
    DEPARTMENT = "department"  # a department unit (the cases dispatched to it)
    UNIT = "unit"  # any unit: a department's cases, or the cases lying in an area's subtree


# A verification (核查) has no deadline of its own in the loop: it is due this many working
# hours (office hours of working days, core calendar) after the handling was marked finished.
VERIFY_WITHIN_WORKING_HOURS = 8


@dataclass(frozen=True)
class RoleFigure(Figure):
    subject: str = RoleSubject.UNIT


ROLE_FIGURES: dict[str, RoleFigure] = {}


def _role(
    subject: str,
    key: str,
    label: Any,
    definition: Any,
    top: str,
    bottom: str | None,
    *,
    higher_is_better: bool = True,
) -> RoleFigure:
    kind = Kind.RATE if bottom else Kind.COUNT
    figure = RoleFigure(
        key,
        label,
        definition,
        kind,
        top,
        bottom,
        higher_is_better=higher_is_better,
        subject=subject,
    )
    if key in ROLE_FIGURES or key in FIGURES:
        raise ValueError(f"figure {key} is defined twice")
    ROLE_FIGURES[key] = figure
    return figure


_role(
    RoleSubject.GRID_WORKER,
    "valid_reports",
    _("Valid reports"),
    _(
        "Valid reports: cases the grid worker reported in the period that were accepted or "
        "resolved on the spot."
    ),
    "reports_valid",
    None,
)
_role(
    RoleSubject.GRID_WORKER,
    "valid_report_rate",
    _("Valid report rate"),
    _(
        "Valid report rate: cases the grid worker reported in the period that were accepted or "
        "resolved on the spot, of those reported and already decided (accepted, resolved, "
        "declined or merged as a duplicate)."
    ),
    "reports_valid",
    "reports_decided",
)
_role(
    RoleSubject.GRID_WORKER,
    "on_time_verification_rate",
    _("On-time verification rate"),
    _(
        "On-time verification rate: verifications (passed or failed) the grid worker made in the "
        "period within 8 working hours of the handling being marked finished, of the "
        "verifications made."
    ),
    "verifications_on_time",
    "verifications",
)
_role(
    RoleSubject.GRID_WORKER,
    "worker_care_visits_on_time",
    _("Care visits on time (own grid)"),
    _(
        "Care visits on time: care visits falling due in the period for the people of the grid "
        "worker's grids (every N days, N set by the person's tag) made by their due day, of the "
        "visits due."
    ),
    "care_on_time",
    "care_due",
)
_role(
    RoleSubject.GRID_WORKER,
    "worker_canvass_coverage",
    _("Canvass coverage (own targets)"),
    _(
        "Canvass coverage: canvass targets assigned to the grid worker, in campaigns running in "
        "the period, visited by its end, of the targets assigned."
    ),
    "canvass_visited",
    "canvass_assigned",
)
_role(
    RoleSubject.DISPATCHER,
    "on_time_dispatch_rate",
    _("On-time dispatch rate"),
    _(
        "On-time dispatch rate: dispatches the dispatcher made in the period within the dispatch "
        "deadline of the case's category (counted from its acceptance or its return), of the "
        "dispatches made."
    ),
    "dispatches_on_time",
    "dispatches",
)
_role(
    RoleSubject.DISPATCHER,
    "accurate_dispatch_rate",
    _("Accurate dispatch rate"),
    _(
        "Accurate dispatch rate: dispatches the dispatcher made in the period that the handling "
        "unit did not return, of the dispatches made."
    ),
    "dispatches_kept",
    "dispatches",
)
_role(
    RoleSubject.DEPARTMENT,
    "department_on_time_handling_rate",
    _("On-time handling rate (department)"),
    _(
        "On-time handling rate: cases dispatched to the department in the period and handled by "
        "their handling deadline (extensions included), of those it has handled."
    ),
    "handled_on_time",
    "handled",
)
_role(
    RoleSubject.DEPARTMENT,
    "department_closure_rate",
    _("Closure rate (department)"),
    _(
        "Closure rate: cases dispatched to the department in the period that are closed, of the "
        "cases dispatched to it."
    ),
    "closed",
    "dispatched",
)
_role(
    RoleSubject.DEPARTMENT,
    "department_rework_rate",
    _("Rework rate (department)"),
    _(
        "Rework rate: cases dispatched to the department in the period whose handling failed "
        "verification or that were reopened after closing, of the cases it marked handled."
    ),
    "reworked",
    "handled_ever",
    higher_is_better=False,
)
_role(
    RoleSubject.UNIT,
    "on_time_closure_rate",
    _("On-time closure rate"),
    _(
        "On-time closure rate: cases closed by their handling deadline, of the cases whose "
        "handling deadline fell in the period less the deferred ones (extension or deferral "
        "granted). A department's cases are those dispatched to it; an area's, those lying in it."
    ),
    "closed_on_time",
    "due_not_deferred",
)


def role_figures_for(subject: str) -> list[RoleFigure]:
    return [figure for figure in ROLE_FIGURES.values() if figure.subject == subject]
