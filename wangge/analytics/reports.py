"""Weekly and monthly reports of an org unit: what a report holds (`report_content`, read
through `queries` and `definitions`, so no figure is computed here), who may read and make
them, and every write: generating a report on demand, adding and removing schedules, and the
worker's job that makes each schedule's report once after its week (Monday 06:00) or month
(the 1st, 06:00), local time.

A report holds no personal data: figures, counts, unit and category names, and the numbers and
titles of the overdue and supervised cases still open at its end. Stored reports (the workbook
and the PDF) may be read by whoever has the report's unit among their area units
(`permissions.area_units`); schedules are kept by MANAGE_REPORTS.

Two workers may run the job at once: a scheduled report is unique per (unit, kind, first day),
so the second insert fails and its files are dropped."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.analytics import report_exports
from wangge.analytics.definitions import FIGURES, HEADLINE, Figure
from wangge.analytics.models import Report, ReportKind, ReportSchedule
from wangge.analytics.permissions import area_units
from wangge.analytics.queries import FigureValue, Period, Reader, Scope, dashboard
from wangge.cases.models import Case
from wangge.cases.workflow import OPEN_STATES, CaseState
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.notifications.models import NotificationKind
from wangge.notifications.services import notify
from wangge.org.models import OrgUnit
from wangge.org.permissions import can
from wangge.org.roles import Capability

logger = logging.getLogger(__name__)

RELEASE_HOUR = 6  # the worker makes last week's / month's reports from 06:00 local time
OPEN_CASES_SHOWN = 20
EARLIEST = date(2000, 1, 1)  # the working-day clock starts here
RANKED = ("reported", "resolution_rate", "satisfaction_rate", "on_time_rate")

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ReportRefused(Exception):
    """A request that cannot be served, named by the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ReportNotFound(Exception):
    """No such report or schedule for this user (the same answer as for none at all)."""


class ScheduleNotAllowed(Exception):
    """The user sees the schedule but may not change it (MANAGE_REPORTS)."""


# --- periods ----------------------------------------------------------------------------------


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_of(kind: str, day: date) -> Period:
    """The week (Monday to Sunday) or the calendar month holding `day`."""
    if kind == ReportKind.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return Period(monday, monday + timedelta(days=6))
    first = day.replace(day=1)
    return Period(first, _next_month(first) - timedelta(days=1))


def parse_period(kind: str, text: str) -> Period:
    """The period named by `text`: a day in it (2026-03-04), an ISO week (2026-W10, weekly
    reports) or a month (2026-03, monthly reports); ReportRefused("period") otherwise."""
    text = text.strip()
    refused = ReportRefused(
        "period",
        _("Give a day of the week or month (2026-03-02), a week (2026-W10) or a month (2026-03)."),
    )
    try:
        if week := _WEEK.match(text):
            if kind != ReportKind.WEEKLY:
                raise ReportRefused("period", _("A week is for a weekly report."))
            day = date.fromisocalendar(int(week[1]), int(week[2]), 1)
        elif month := _MONTH.match(text):
            day = date(int(month[1]), int(month[2]), 1)
        else:
            day = date.fromisoformat(text)
        return period_of(kind, day)
    except (ValueError, OverflowError):
        raise refused from None


def period_name(kind: str, period: Period) -> str:
    """How a period is written in links: 2026-W10 or 2026-03."""
    if kind == ReportKind.WEEKLY:
        year, week, _day = period.first.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{period.first:%Y-%m}"


def release_of(period: Period) -> datetime:
    """When the worker makes a period's scheduled report: 06:00 of the day after it."""
    return timezone.make_aware(
        datetime.combine(period.last + timedelta(days=1), time(hour=RELEASE_HOUR))
    )


def last_released(kind: str, now: datetime) -> Period:
    """The latest period of `kind` whose scheduled report is due at `now`."""
    today = timezone.localdate(now)
    current = period_of(kind, today)
    latest = period_of(kind, current.first - timedelta(days=1))
    if release_of(latest) > now:
        latest = period_of(kind, latest.first - timedelta(days=1))
    return latest


def check_period(kind: str, period: Period, now: datetime) -> None:
    if kind not in ReportKind.values:
        raise ReportRefused("kind", _("Choose a weekly or a monthly report."))
    if period.first < EARLIEST:
        raise ReportRefused("period", _("Choose a period from 2000 on."))
    if period.last >= timezone.localdate(now):
        raise ReportRefused("period", _("Choose a week or month that is over."))


# --- access -----------------------------------------------------------------------------------


def report_units(user: User) -> list[OrgUnit]:
    """The units a user may make and read reports of: their area units, in tree order."""
    return list(area_units(user))


def is_report_unit(user: User, unit: OrgUnit) -> bool:
    return area_units(user).filter(pk=unit.pk).exists()


def may_manage_schedules(user: User, unit: OrgUnit) -> bool:
    return can(user, Capability.MANAGE_REPORTS, unit) and is_report_unit(user, unit)


def may_schedule(user: User) -> bool:
    """Whether the user may schedule reports for some unit (the page shows the form)."""
    return any(can(user, Capability.MANAGE_REPORTS, unit) for unit in area_units(user))


def reports_for(user: User) -> QuerySet[Report]:
    """The stored reports of the user's area, newest first."""
    return (
        Report.objects.filter(unit__in=area_units(user).values("pk"))
        .select_related("unit", "generated_by")
        .order_by("-generated_at", "-pk")
    )


def schedules_for(user: User) -> QuerySet[ReportSchedule]:
    return (
        ReportSchedule.objects.filter(is_active=True, unit__in=area_units(user).values("pk"))
        .select_related("unit", "created_by")
        .order_by("unit__path", "kind")
    )


def get_report_for_user(user: User, report_id: int) -> Report:
    report = reports_for(user).filter(pk=report_id).first()
    if report is None:
        raise ReportNotFound(report_id)
    return report


# --- what a report holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine:
    """One unit one level down: its reported cases and its ranked rates."""

    unit: OrgUnit
    values: dict[str, float | None]

    @property
    def cells(self) -> list[str]:
        """The ranked figures as shown, in the order of `RANKED`."""
        return [FIGURES[key].display(self.values.get(key)) for key in RANKED]


@dataclass(frozen=True)
class OpenCase:
    number: str
    title: str
    state: str
    category: str
    area: str
    reported_at: datetime
    due_at: datetime | None
    supervision_level: int
    is_overdue: bool


@dataclass
class ReportContent:
    unit: OrgUnit
    kind: str
    period: Period
    generated_at: datetime
    figures: list[FigureValue]  # the headline first, then every other figure
    reported: int
    by_state: list[tuple[str, int]]
    daily: list[tuple[date, int, int]]  # day, reported, closed that day
    top_categories: list[tuple[str, int]]
    ranking: list[UnitLine]
    open_cases: list[OpenCase]
    open_cases_total: int
    ranked: tuple[Figure, ...] = field(default_factory=lambda: tuple(FIGURES[k] for k in RANKED))

    @property
    def previous(self) -> Period:
        return self.period.previous()

    @property
    def kind_label(self) -> str:
        return str(ReportKind(self.kind).label)

    @property
    def title(self) -> str:
        return _("%(unit)s %(kind)s, %(first)s – %(last)s") % {
            "unit": self.unit.name,
            "kind": self.kind_label,
            "first": self.period.first.isoformat(),
            "last": self.period.last.isoformat(),
        }

    @property
    def headline(self) -> list[FigureValue]:
        return [item for item in self.figures if item.figure.key in HEADLINE]

    @property
    def others(self) -> list[FigureValue]:
        return [item for item in self.figures if item.figure.key not in HEADLINE]

    @property
    def glossary(self) -> list[Figure]:
        """Every figure shown in the report, in the order shown, each once."""
        shown = {item.figure.key: item.figure for item in self.figures}
        for figure in self.ranked:
            shown.setdefault(figure.key, figure)
        return list(shown.values())


def _computed(figure: Figure, areas: set[int] | None, period: Period, today: date) -> FigureValue:
    """A figure of another app, from its own query (numerator, denominator)."""
    compute: Callable[..., tuple[int, int]] = figure.compute  # type: ignore[assignment]

    def value(span: Period) -> float | None:
        top, bottom = compute(areas, span.first, span.last, today)
        totals = {figure.numerator: top}
        if figure.denominator is not None:
            totals[figure.denominator] = bottom
        return figure.value(totals)

    return FigureValue(figure, value(period), value(period.previous()))


def _open_cases(areas: set[int] | None, period: Period) -> tuple[list[OpenCase], int]:
    """Cases reported by the end of the period, still open at its end, that were overdue then
    or supervised: the most supervised and the longest overdue first."""
    ends = period.ends_before
    open_states = [state.value for state in OPEN_STATES]
    cases = Case.objects.filter(reported_at__lt=ends).filter(
        Q(state__in=open_states) | Q(state=CaseState.CLOSED, closed_at__gte=ends)
    )
    if areas is not None:
        cases = cases.filter(area_id__in=areas)
    late_acceptance = Q(accept_due_at__lt=ends) & (
        Q(responded_at__isnull=True) | Q(responded_at__gte=ends)
    )
    late_handling = Q(handle_due_at__lt=ends) & (
        Q(handled_at__isnull=True) | Q(handled_at__gte=ends)
    )
    cases = cases.filter(
        Q(supervision_level__gt=0) | Q(due_at__lt=ends) | late_acceptance | late_handling
    )
    total = cases.count()
    rows = (
        cases.select_related("category", "area")
        .only(
            "number",
            "title",
            "state",
            "reported_at",
            "due_at",
            "supervision_level",
            "category__name",
            "area__name",
        )
        .order_by("-supervision_level", "reported_at", "pk")[:OPEN_CASES_SHOWN]
    )
    return [
        OpenCase(
            number=case.number,
            title=case.title,
            state=str(CaseState(case.state).label),
            category=case.category.name if case.category else "",
            area=case.area.name if case.area else "",
            reported_at=case.reported_at,
            due_at=case.due_at,
            supervision_level=case.supervision_level,
            is_overdue=case.due_at is not None and case.due_at < ends,
        )
        for case in rows
    ], total


def report_content(unit: OrgUnit, kind: str, period: Period, now: datetime) -> ReportContent:
    """Everything a report of `unit` for `period` shows, read from the rollups."""
    scope = Scope(unit)
    board = dashboard(scope, period, now)
    areas = Reader(scope).area_ids
    today = timezone.localdate(now)
    figures = {item.figure.key: item for item in board.figures}
    for figure in FIGURES.values():
        if figure.compute is not None:
            figures[figure.key] = _computed(figure, areas, period, today)
    ordered = [figures[key] for key in HEADLINE if key in figures] + [
        item for key, item in figures.items() if key not in HEADLINE
    ]
    open_cases, open_total = _open_cases(areas, period)
    return ReportContent(
        unit=unit,
        kind=kind,
        period=period,
        generated_at=now,
        figures=ordered,
        reported=board.totals["reported"],
        by_state=[(str(CaseState(s).label), board.by_state.get(s, 0)) for s in CaseState.values],
        daily=[(day, t["reported"], t["closed_on_day"]) for day, t in board.trend],
        top_categories=board.top_categories,
        ranking=[
            UnitLine(item.unit, {key: item.value(key) for key in RANKED}) for item in board.ranking
        ],
        open_cases=open_cases,
        open_cases_total=open_total,
    )


# --- writes -----------------------------------------------------------------------------------


def _store(
    content: ReportContent, by: User | None, schedule: ReportSchedule | None
) -> Report | None:
    """Write the report's files and its row; None when a scheduled one already exists."""
    report = Report(
        unit=content.unit,
        kind=content.kind,
        first_on=content.period.first,
        last_on=content.period.last,
        generated_at=content.generated_at,
        generated_by=by,
        schedule=schedule,
        is_scheduled=schedule is not None,
    )
    stem = (
        f"{content.unit.code}-{content.kind}-{content.period.first:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    )
    report.xlsx.save(f"{stem}.xlsx", ContentFile(report_exports.workbook(content)), save=False)
    report.pdf.save(f"{stem}.pdf", ContentFile(report_exports.pdf(content)), save=False)
    try:
        with transaction.atomic():
            report.save()
            if by is not None:
                audit.record(
                    by,
                    "analytics.report_generated",
                    report,
                    content.title,
                    unit=content.unit.code,
                    kind=content.kind,
                    first=content.period.first.isoformat(),
                )
            if schedule is not None:
                _tell_creator(schedule, report, content)
    except IntegrityError:
        # Another worker made this scheduled report first.
        report.xlsx.delete(save=False)
        report.pdf.delete(save=False)
        return None
    return report


def _tell_creator(schedule: ReportSchedule, report: Report, content: ReportContent) -> None:
    creator = schedule.created_by
    if creator is None or not creator.is_active or not is_report_unit(creator, content.unit):
        return
    notify(
        [creator],
        NotificationKind.OTHER,
        title=_("Report ready: %(title)s") % {"title": content.title},
        link=reverse("analytics:reports"),
        subject=f"report:{report.pk}",
        dedupe_key=f"analytics-report:{report.pk}",
    )


def generate_report(actor: User, unit: OrgUnit, kind: str, period: Period) -> Report:
    """Make and store a report of `unit` for a finished week or month, now."""
    now = clock.now()
    check_period(kind, period, now)
    if not is_report_unit(actor, unit):
        raise ReportRefused("unit", _("Choose a unit of your area."))
    report = _store(report_content(unit, kind, period, now), actor, None)
    assert report is not None  # only scheduled reports are unique
    return report


def record_download(actor: User, report: Report, file_format: str) -> None:
    """One audit entry per download of a stored report's file."""
    with transaction.atomic():
        audit.record(
            actor,
            "analytics.report_downloaded",
            report,
            f"{report.unit.name} {report.first_on}–{report.last_on} ({file_format})",
            format=file_format,
        )


def add_schedule(actor: User, unit: OrgUnit, kind: str) -> ReportSchedule:
    if kind not in ReportKind.values:
        raise ReportRefused("kind", _("Choose a weekly or a monthly report."))
    if not may_manage_schedules(actor, unit):
        raise ReportRefused("unit", _("Choose a unit where you may schedule reports."))
    try:
        with transaction.atomic():
            if ReportSchedule.objects.filter(unit=unit, kind=kind, is_active=True).exists():
                raise IntegrityError("already scheduled")
            schedule = ReportSchedule.objects.create(
                unit=unit, kind=kind, created_by=actor, created_at=clock.now()
            )
            audit.record(
                actor, "analytics.report_scheduled", schedule, unit.name, unit=unit.code, kind=kind
            )
    except IntegrityError:
        raise ReportRefused("kind", _("This unit already has this report scheduled.")) from None
    return schedule


def remove_schedule(actor: User, schedule_id: int) -> ReportSchedule:
    with transaction.atomic():
        schedule = (
            schedules_for(actor).select_for_update(of=("self",)).filter(pk=schedule_id).first()
        )
        if schedule is None:
            raise ReportNotFound(schedule_id)
        if not may_manage_schedules(actor, schedule.unit):
            raise ScheduleNotAllowed(schedule_id)
        schedule.is_active = False
        schedule.save(update_fields=["is_active"])
        audit.record(
            actor,
            "analytics.report_unscheduled",
            schedule,
            schedule.unit.name,
            unit=schedule.unit.code,
            kind=schedule.kind,
        )
    return schedule


def make_scheduled_reports() -> str:
    """The worker's job: each active schedule's latest finished week or month, once, made
    after that period's release (06:00 the day after) and after the schedule was added."""
    now = clock.now()
    due: list[tuple[ReportSchedule, Period]] = []
    for schedule in ReportSchedule.objects.filter(
        is_active=True, unit__is_active=True
    ).select_related("unit", "created_by"):
        period = last_released(schedule.kind, now)
        if release_of(period) >= schedule.created_at:
            due.append((schedule, period))
    if not due:
        return ""
    made = set(
        Report.objects.filter(
            is_scheduled=True, first_on__in={period.first for _s, period in due}
        ).values_list("unit_id", "kind", "first_on")
    )
    count = 0
    for schedule, period in due:
        if (schedule.unit_id, schedule.kind, period.first) in made:
            continue
        content = report_content(schedule.unit, schedule.kind, period, now)
        if _store(content, None, schedule) is not None:
            count += 1
    return f"{count} scheduled reports made" if count else ""
