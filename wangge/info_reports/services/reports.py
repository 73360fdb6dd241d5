"""The reporting side: a first report (首报) sent up the tree, then continued reports (续报) and
the final report (终报), each an entry of the report's append-only timeline.

The first report's deadline is `known_at` + the kind's limit in natural minutes; a report
entered after it is marked late (迟报) with the minutes late, as a fact of the moment it was
entered. Where it goes: one of the command units above the reporter's unit (town, subdistrict,
district, city), by default the nearest one with a dispatcher."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.models import Attachment
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.info_reports.exceptions import Conflict, Invalid, NotAllowed
from wangge.info_reports.models import (
    ContinuedRequest,
    Entry,
    EntryAttachment,
    EntryKind,
    InfoKind,
    InfoReport,
    Receipt,
    ReportState,
)
from wangge.info_reports.permissions import may_follow_up, reporting_units
from wangge.info_reports.services import notices
from wangge.info_reports.services.deadlines import first_report_due, minutes_between, warn_moment
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import Role, UnitKind

TITLE_MAX = 120
TEXT_MAX = 5000
ADDRESS_MAX = 200
FIGURE_MAX = 100_000
MAX_FILES = 9
# The units that receive reports: command centres of towns, subdistricts, districts, cities.
COMMAND_KINDS = (UnitKind.CITY, UnitKind.DISTRICT, UnitKind.TOWN, UnitKind.SUBDISTRICT)
OPEN_STATES = (ReportState.REPORTED, ReportState.FOLLOWING)


@dataclass
class FirstReport:
    """What a first report says. `from_unit`/`to_unit` None: the reporter's only unit, the
    nearest command unit with a dispatcher."""

    kind: InfoKind | None
    title: str
    description: str
    happened_at: datetime | None
    known_at: datetime | None
    from_unit: OrgUnit | None = None
    to_unit: OrgUnit | None = None
    grid: OrgUnit | None = None
    address: str = ""
    longitude: float | None = None
    latitude: float | None = None
    dead: int = 0
    injured: int = 0
    missing: int = 0
    measures: str = ""
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class FollowUp:
    """A continued or final report: text, the figures now (None: unchanged), files."""

    text: str
    dead: int | None = None
    injured: int | None = None
    missing: int | None = None
    measures: str = ""
    attachments: list[Attachment] = field(default_factory=list)


# --- where a report goes ------------------------------------------------------------------------


def receiving_candidates(from_unit: OrgUnit) -> list[OrgUnit]:
    """The active command units above `from_unit`, the nearest first."""
    above = OrgUnit.objects.filter(
        pk__in=from_unit.ancestor_pks, kind__in=COMMAND_KINDS, is_active=True
    )
    return sorted(above, key=lambda unit: -unit.depth)


def default_receiver(from_unit: OrgUnit, candidates: list[OrgUnit] | None = None) -> OrgUnit | None:
    """The nearest command unit above with an active dispatcher; the nearest one otherwise."""
    candidates = receiving_candidates(from_unit) if candidates is None else candidates
    if not candidates:
        return None
    staffed = set(
        Membership.objects.filter(
            unit__in=candidates, role=Role.DISPATCHER, is_active=True, user__is_active=True
        ).values_list("unit_id", flat=True)
    )
    return next((unit for unit in candidates if unit.pk in staffed), candidates[0])


# --- numbering ----------------------------------------------------------------------------------


def next_report_number(now: datetime) -> str:
    """XB + day + four-digit sequence, e.g. XB202611230007; unique forever. One statement (an
    upsert returning the new value) on SQLite 3.35+ and PostgreSQL alike."""
    day = timezone.localdate(now)
    table = connection.ops.quote_name("info_reports_inforeportnumbercounter")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (sequence,) = cursor.fetchone()
    return f"XB{day:%Y%m%d}{sequence:04d}"


# --- cleaners, one per field --------------------------------------------------------------------


def _text(value: object, name: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_("This must be text."), name)
    text = value.strip()
    if required and not text:
        raise Invalid(_("This field is required."), name)
    if len(text) > limit:
        raise Invalid(_("At most %(count)d characters are allowed.") % {"count": limit}, name)
    if "\x00" in text:
        raise Invalid(_("This text holds a character that cannot be stored."), name)
    return text


def _figure(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= FIGURE_MAX:
        raise Invalid(_("Enter a whole number from 0 to %(max)d.") % {"max": FIGURE_MAX}, name)
    return value


def _moment(value: datetime | None, name: str) -> datetime:
    if value is None:
        raise Invalid(_("This field is required."), name)
    if timezone.is_naive(value):
        raise Invalid(_("Give the time with its time zone."), name)
    return value


def _coordinates(longitude: float | None, latitude: float | None) -> None:
    if (longitude is None) != (latitude is None):
        name = "latitude" if latitude is None else "longitude"
        raise Invalid(_("Give both longitude and latitude, or neither."), name)
    if longitude is not None and not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise Invalid(_("A longitude is between -180 and 180."), "longitude")
    if latitude is not None and not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise Invalid(_("A latitude is between -90 and 90."), "latitude")


def _kind(kind: InfoKind | None) -> InfoKind:
    if kind is None or not kind.is_active:
        raise Invalid(_("Choose a kind of information."), "kind")
    return kind


def _files(actor: User, attachments: list[Attachment], name: str = "attachments") -> None:
    if len(attachments) > MAX_FILES:
        raise Invalid(_("At most %(max)d files.") % {"max": MAX_FILES}, name)
    for attachment in attachments:
        if attachment.uploaded_by_id != actor.pk or attachment.case_id is not None:
            raise Invalid(_("Unknown file, or one already used."), name)
    if EntryAttachment.objects.filter(attachment__in=attachments).exists():
        raise Invalid(_("Unknown file, or one already used."), name)


def _from_unit(actor: User, unit: OrgUnit | None) -> OrgUnit:
    units = list(reporting_units(actor))
    if not units:
        raise NotAllowed()
    if unit is None:
        return units[0]
    if unit.pk not in {u.pk for u in units}:
        raise Invalid(_("You do not report for this unit."), "from_unit")
    return next(u for u in units if u.pk == unit.pk)


def _to_unit(from_unit: OrgUnit, unit: OrgUnit | None) -> OrgUnit:
    candidates = receiving_candidates(from_unit)
    if not candidates:
        raise Invalid(_("There is no command unit above yours to report to."), "to_unit")
    if unit is None:
        chosen = default_receiver(from_unit, candidates)
        assert chosen is not None
        return chosen
    if unit.pk not in {u.pk for u in candidates}:
        raise Invalid(_("Choose one of the command units above yours."), "to_unit")
    return unit


def _grid(from_unit: OrgUnit, grid: OrgUnit | None) -> OrgUnit | None:
    if grid is None:
        return from_unit if from_unit.kind == UnitKind.GRID else None
    if grid.kind != UnitKind.GRID or not grid.path.startswith(from_unit.path):
        raise Invalid(_("Choose a grid of your unit."), "grid")
    return grid


# --- the timeline -------------------------------------------------------------------------------


def append_entry(
    report: InfoReport, kind: str, actor: User | None, at: datetime, **values: object
) -> Entry:
    """Add one step to `report`'s timeline; the caller holds the report's row lock."""
    last = report.entries.order_by("-seq").values_list("seq", flat=True).first() or 0
    return Entry.objects.create(
        report=report,
        seq=last + 1,
        kind=kind,
        actor=actor,
        actor_name=(actor.display_name[:64] if actor is not None else ""),
        created_at=at,
        **values,
    )


def _attach(entry: Entry, attachments: list[Attachment]) -> None:
    EntryAttachment.objects.bulk_create(
        EntryAttachment(entry=entry, attachment=attachment) for attachment in attachments
    )


# --- writes -------------------------------------------------------------------------------------


def submit_first_report(actor: User, given: FirstReport) -> InfoReport:
    """File a first report (首报). Refusals name the field; nothing is written then."""
    now = clock.now()
    from_unit = _from_unit(actor, given.from_unit)
    kind = _kind(given.kind)
    title = _text(given.title, "title", TITLE_MAX, required=True)
    description = _text(given.description, "description", TEXT_MAX, required=True)
    happened_at = _moment(given.happened_at, "happened_at")
    known_at = _moment(given.known_at, "known_at")
    if known_at > now:
        raise Invalid(_("When you learned of it cannot be later than now."), "known_at")
    if known_at < happened_at:
        raise Invalid(
            _("When you learned of it cannot be earlier than when it happened."), "known_at"
        )
    to_unit = _to_unit(from_unit, given.to_unit)
    grid = _grid(from_unit, given.grid)
    address = _text(given.address, "address", ADDRESS_MAX)
    _coordinates(given.longitude, given.latitude)
    figures = {name: _figure(getattr(given, name), name) for name in ("dead", "injured", "missing")}
    measures = _text(given.measures, "measures", TEXT_MAX)
    _files(actor, given.attachments)

    due = first_report_due(kind, known_at)
    with transaction.atomic():
        report = InfoReport.objects.create(
            number=next_report_number(now),
            kind=kind,
            title=title,
            description=description,
            from_unit=from_unit,
            to_unit=to_unit,
            grid=grid,
            address=address,
            longitude=given.longitude,
            latitude=given.latitude,
            happened_at=happened_at,
            known_at=known_at,
            reported_at=now,
            measures=measures,
            reporter=actor,
            state=ReportState.REPORTED,
            first_report_due_at=due,
            first_report_warn_at=warn_moment(known_at, due),
            is_late=now > due,
            minutes_late=minutes_between(due, now),
            updated_at=now,
            **figures,
        )
        receipt = Receipt.objects.create(report=report, unit=to_unit, created_at=now)
        entry = append_entry(
            report, EntryKind.FIRST, actor, now, text=description, unit=to_unit, **figures
        )
        _attach(entry, given.attachments)
        audit.record(
            actor,
            "info_reports.report.submit",
            report,
            report.number,
            late=report.is_late,
            minutes_late=report.minutes_late,
        )
        notices.tell(
            notices.receivers_at([to_unit]),
            report,
            notices.new_report_title(report),
            f"new:{receipt.pk}",
        )
    return report


def add_follow_up(actor: User, report: InfoReport, kind: str, given: FollowUp) -> Entry:
    """A continued report (续报) or the final report (终报): a timeline entry with the figures
    now; it answers an open request for a continued report."""
    if kind not in (EntryKind.CONTINUED, EntryKind.FINAL):
        raise ValueError(f"not a follow-up: {kind}")
    text = _text(given.text, "text", TEXT_MAX, required=True)
    figures = {
        name: _figure(value, name)
        for name in ("dead", "injured", "missing")
        if (value := getattr(given, name)) is not None
    }
    measures = _text(given.measures, "measures", TEXT_MAX)
    _files(actor, given.attachments)
    with transaction.atomic():
        report = (
            InfoReport.objects.select_for_update(of=("self",))
            .select_related("from_unit", "kind")
            .get(pk=report.pk)
        )
        if not may_follow_up(actor, report):
            raise NotAllowed()
        if report.state not in OPEN_STATES:
            raise Conflict(_("This report is finished: nothing more can be added."), "state")
        now = clock.now()
        entry = append_entry(report, kind, actor, now, text=text, **figures)
        _attach(entry, given.attachments)
        for name, value in figures.items():
            setattr(report, name, value)
        if measures:
            report.measures = measures
        report.state = ReportState.FINISHED if kind == EntryKind.FINAL else ReportState.FOLLOWING
        report.updated_at = now
        report.save(update_fields=[*figures, "measures", "state", "updated_at"])
        open_request = (
            ContinuedRequest.objects.select_for_update()
            .filter(report=report, fulfilled_at__isnull=True)
            .first()
        )
        if open_request is not None:
            open_request.fulfilled_at = now
            open_request.fulfilled_by = entry
            open_request.save(update_fields=["fulfilled_at", "fulfilled_by"])
        audit.record(actor, f"info_reports.report.{kind}", report, text[:200])
        units = [receipt.unit for receipt in report.receipts.select_related("unit")]
        title = (
            _("Final report: %(title)s")
            if kind == EntryKind.FINAL
            else _("Continued report: %(title)s")
        ) % {"title": report.title}
        notices.tell(notices.receivers_at(units), report, title, f"entry:{entry.pk}")
    return entry
