"""The deadline sweep the worker runs: a "due soon" notice when a stage turns yellow, then the
supervision ladder (督办) when it is late: a reminder at the deadline, a yellow card and a red
card after the category's numbers of working days late. Each card is a `supervise` action by the
system, so it is in the case's log, recorded against the unit responsible and escalated to the
next level up (see `loop._supervise`).

Deadline colours never depend on this sweep (they are read from timestamps); the sweep only
sends and records. It is idempotent: the notice is claimed by compare-and-set on `warned_at`,
and a card is issued only above the case's current `supervision_level`, by `perform()` with the
version the sweep read, so two sweeps at once issue each card once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError
from django.db.models import Q
from django.utils.translation import gettext_lazy

from wangge.cases import announce
from wangge.cases.exceptions import CaseError
from wangge.cases.models import Case, Stage, SupervisionLevel
from wangge.cases.services.loop import ActionInput, perform
from wangge.cases.workflow import CaseAction
from wangge.core import clock
from wangge.core.calendar import add_working_days

BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    warned: int
    supervised: int

    def __bool__(self) -> bool:
        return bool(self.warned or self.supervised)

    def __str__(self) -> str:
        return f"{self.warned} due-soon notices, {self.supervised} supervision cards"


LateBy = Callable[[datetime, int], datetime]


def card_due(case: Case, now: datetime, late_by: LateBy = add_working_days) -> int:
    """The highest rung of the ladder `case` has reached at `now` (0: not late)."""
    if case.due_at is None or now <= case.due_at or not case.stage:
        return 0
    category = case.category
    if case.stage == Stage.HANDLE:
        yellow, red = category.handle_yellow_days, category.handle_red_days
    else:
        yellow, red = category.accept_yellow_days, category.accept_red_days
    if now >= late_by(case.due_at, red):
        return SupervisionLevel.RED
    if now >= late_by(case.due_at, yellow):
        return SupervisionLevel.YELLOW
    return SupervisionLevel.REMINDER


def _memoised_late_by() -> LateBy:
    # Many late cases share a deadline; the calendar is read once per (deadline, days) per sweep.
    seen: dict[tuple[datetime, int], datetime] = {}

    def late_by(due_at: datetime, days: int) -> datetime:
        if (due_at, days) not in seen:
            seen[due_at, days] = add_working_days(due_at, days)
        return seen[due_at, days]

    return late_by


_NOTES = {
    SupervisionLevel.REMINDER: gettext_lazy("The deadline has passed: please act now."),
    SupervisionLevel.YELLOW: gettext_lazy("Yellow card: the case is well past its deadline."),
    SupervisionLevel.RED: gettext_lazy("Red card: the case is far past its deadline."),
}


def sweep_deadlines(now: datetime | None = None) -> SweepReport:
    """One pass over the open stages: due-soon notices, then cards. Safe to run at any time,
    any number of times, in several processes."""
    now = now or clock.now()
    return SweepReport(warned=_warn_due_soon(now), supervised=_issue_cards(now))


def _warn_due_soon(now: datetime) -> int:
    due_soon = Case.objects.filter(
        ~Q(stage=""), warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
    ).select_related("category", "area", "department")
    warned = 0
    for case in due_soon[:BATCH]:
        claimed = Case.objects.filter(
            pk=case.pk, warned_at__isnull=True, version=case.version
        ).update(warned_at=now)
        if claimed:
            announce.due_soon(case)
            warned += 1
    return warned


def _issue_cards(now: datetime) -> int:
    late = (
        Case.objects.filter(
            ~Q(stage=""), due_at__lt=now, supervision_level__lt=SupervisionLevel.RED
        )
        .select_related("category", "area", "department")
        .order_by("due_at")
    )
    issued = 0
    late_by = _memoised_late_by()
    for case in late[:BATCH]:
        level = card_due(case, now, late_by)
        if level <= case.supervision_level:
            continue
        try:
            perform(
                None,
                case,
                CaseAction.SUPERVISE,
                ActionInput(supervision_level=level, note=str(_NOTES[level])),
                expected_version=case.version,
                at=now,
            )
        except (CaseError, IntegrityError):
            continue  # someone acted on the case meanwhile; the next sweep looks again
        issued += 1
    return issued
