"""Filing a case: one function for every channel (pages, API, Open311, imports).

`report_case` validates every field with a refusal that names it, locates the grid, numbers the
case, sets the acceptance deadline and writes the case with its first event in one transaction.
An intake key (from an `Idempotency-Key` header, scoped by the client) makes a retried request
return the case the first one created instead of a second case.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.deadlines import stage_due_at
from wangge.cases.exceptions import CaseInvalid, NotAllowed
from wangge.cases.models import Case, CaseEvent, Category, Channel, Stage, Urgency
from wangge.cases.permissions import CaseActor, Resident, creator_kinds_for, phone_index
from wangge.cases.services.categories import find_category
from wangge.cases.services.loop import (
    NOTE_MAX,
    ActionInput,
    Step,
    choose_kind,
    finish_created,
    stage_warn_at,
)
from wangge.cases.workflow import CaseAction, CaseState, transition
from wangge.core import clock, generations
from wangge.core.calendar import WorkingCalendar
from wangge.core.masking import normalize_phone
from wangge.core.models import User
from wangge.org.locate import locate
from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships
from wangge.org.roles import Role, UnitKind

TITLE_MAX = 120
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 200
_REPORTING_ROLES = (
    Role.GRID_WORKER,
    Role.PART_TIME_GRID_WORKER,
    Role.BUILDING_VOLUNTEER,
    Role.COMMUNITY_STAFF,
    Role.DISPATCHER,
)


@dataclass
class Report:
    """What a report may carry; adapters fill it from their own formats."""

    category: str = ""  # subcategory code
    description: str = ""
    title: str = ""
    lon: Any = None
    lat: Any = None
    address: str = ""
    grid: str = ""  # a grid code chosen by staff when the location finds none
    # The grid of a place the platform vouched for (a doorplate's signed link, see
    # cases.public_places): used when the location finds none, whoever reports.
    place_grid: str = ""
    channel: str = ""
    urgency: str = Urgency.NORMAL
    reporter_name: str = ""
    reporter_phone: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)  # uids of uploads
    source_ref: str = ""
    note: str = ""  # self-resolve: what was done


@dataclass(frozen=True)
class Intake:
    case: Case
    created: bool  # False: the intake key was seen before; this is the case it created
    event: CaseEvent | None = None  # the new case's first event (None on a replay)


def intake_key(client: str, key: str) -> str:
    """The stored form of an Idempotency-Key: keys of different clients never collide."""
    return hashlib.sha256(f"{client}\x00{key}".encode()).hexdigest()


def report_case(
    actor: CaseActor,
    report: Report,
    *,
    resolve_on_the_spot: bool = False,
    idempotency: tuple[str, str] | None = None,
) -> Intake:
    """File a case (or, for a grid worker, file it resolved on the spot: 自行处置).
    `idempotency`: (client identity, Idempotency-Key)."""
    key = intake_key(*idempotency) if idempotency and idempotency[1] else None
    if key is not None:
        seen = Case.objects.filter(intake_key=key).first()
        if seen is not None:
            return Intake(seen, created=False)
    action = CaseAction.SELF_RESOLVE if resolve_on_the_spot else CaseAction.REPORT
    try:
        with transaction.atomic(), generations.snapshot():
            case, event = _file(actor, report, action, key)
    except IntegrityError:
        if key is None:
            raise
        seen = Case.objects.filter(intake_key=key).first()
        if seen is None:
            raise
        return Intake(seen, created=False)
    return Intake(case, created=True, event=event)


def _file(
    actor: CaseActor, report: Report, action: CaseAction, key: str | None
) -> tuple[Case, CaseEvent]:
    step_def = transition(action, None)
    category = _category(report.category)
    description = _text(report.description, "description", DESCRIPTION_MAX, required=True)
    title = _text(report.title, "title", TITLE_MAX) or _default_title(category, description)
    lon, lat = _location(report.lon, report.lat)
    address = _text(report.address, "address", ADDRESS_MAX)
    if lon is None and not address:
        raise CaseInvalid("location", _("Give a position on the map or an address."))
    channel = _channel(actor, report.channel)
    if report.urgency not in Urgency.values:
        raise CaseInvalid("urgency", _("Choose normal, urgent or emergency."))
    name, phone = _reporter(actor, report)
    attributes = _attributes(category, report.attributes)
    note = _text(report.note, "note", NOTE_MAX)
    attachments = _attachment_refs(report.attachments)
    area, needs_grid = _area(actor, lon, lat, report.grid, report.place_grid)

    held = creator_kinds_for(actor, area.path)
    allowed = step_def.actors & held
    if not allowed:
        raise NotAllowed(_("You may not report a case here."))
    if action == CaseAction.SELF_RESOLVE:
        if not category.is_grid_entry:
            raise CaseInvalid(
                "category",
                _("“%(category)s” is not on the grid-entry list: it cannot be resolved on site.")
                % {"category": category.name},
            )
        if not note:
            raise CaseInvalid("note", _("Say what was done on the spot."))
        if not attachments:
            raise CaseInvalid("attachments", _("Add a photo of the result."))
        if needs_grid:
            raise CaseInvalid(
                "location", _("A case resolved on the spot needs a place in your grid.")
            )

    now = clock.now()
    calendar = WorkingCalendar()
    case = Case(
        number=next_case_number(now),
        state=CaseState.REPORTED,
        version=1,
        channel=channel,
        category=category,
        title=title,
        description=description,
        urgency=report.urgency,
        lon=lon,
        lat=lat,
        address=address,
        area=area,
        needs_grid=needs_grid,
        reporter_name=name,
        reporter_phone=phone,
        reporter_phone_index=phone_index(phone) if phone else "",
        reported_by=actor if isinstance(actor, User) else None,
        attributes=attributes,
        source_ref=_text(report.source_ref, "source_ref", 64),
        intake_key=key,
        reported_at=now,
        accept_due_at=stage_due_at(category, "accept", now, calendar),
        updated_at=now,
    )
    case.stage, case.stage_started_at, case.due_at = Stage.ACCEPT, now, case.accept_due_at
    case.warn_at = stage_warn_at(case, calendar)
    if action == CaseAction.SELF_RESOLVE:
        case.state = CaseState.CLOSED
        case.stage, case.stage_started_at, case.due_at, case.warn_at = "", None, None, None
        case.responded_at = case.handled_at = case.closed_at = now
        case.is_resolved = True
    case.save()
    acted_as = choose_kind(allowed)
    given = ActionInput(note=note, attachments=attachments)
    step = Step(case=case, actor=actor, acted_as=acted_as, given=given, now=now)
    step.data.update(channel=channel, category=category.code, area=area.code)
    return case, finish_created(step, action, case.state)


# --- numbering --------------------------------------------------------------------------------


def next_case_number(now: datetime) -> str:
    """Day + six-digit sequence, e.g. 20261123000042; unique forever. One statement (an upsert
    returning the new value) on SQLite 3.35+ and PostgreSQL alike."""
    day = timezone.localdate(now)
    table = connection.ops.quote_name("cases_casenumbercounter")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (sequence,) = cursor.fetchone()
    return f"{day:%Y%m%d}{sequence:06d}"


# --- one cleaner per field --------------------------------------------------------------------


def _category(code: str) -> Category:
    code = str(code or "").strip()
    if not code:
        raise CaseInvalid("category", _("Choose a category."))
    category = find_category(code)
    if (
        category is None
        or not category.is_active
        or (category.parent is not None and not category.parent.is_active)
    ):
        raise CaseInvalid("category", _("Unknown category “%(code)s”.") % {"code": code[:32]})
    if category.is_top_level:
        raise CaseInvalid("category", _("Choose a subcategory, not a class."))
    return category


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CaseInvalid(name, _("This must be text."))
    text = value.strip()
    if required and not text:
        raise CaseInvalid(name, _("This field is required."))
    if len(text) > limit:
        raise CaseInvalid(name, _("At most %(count)d characters are allowed.") % {"count": limit})
    if "\x00" in text:
        raise CaseInvalid(name, _("This text holds characters that are not allowed."))
    return text


def _attachment_refs(value: Any) -> list[str]:
    """The upload references as a list of strings (their form is checked when linked)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise CaseInvalid("attachments", _("An attachment reference is malformed."))
    return list(value)


def _default_title(category: Category, description: str) -> str:
    first_line = description.splitlines()[0] if description else ""
    return (first_line[:30] or category.name)[:TITLE_MAX]


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool):
        raise CaseInvalid(name, _("This must be a number."))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CaseInvalid(name, _("This must be a number.")) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise CaseInvalid(
            name, _("This must lie between %(low)s and %(high)s.") % {"low": low, "high": high}
        )
    return number


def _location(lon: Any, lat: Any) -> tuple[float | None, float | None]:
    blank = (None, "")
    if lon in blank and lat in blank:
        return None, None
    if lon in blank:
        raise CaseInvalid("lon", _("Give the longitude with the latitude."))
    if lat in blank:
        raise CaseInvalid("lat", _("Give the latitude with the longitude."))
    return _number(lon, "lon", -180, 180), _number(lat, "lat", -90, 90)


def may_report(user: User) -> bool:
    """Whether `user` holds a role that files cases from the field or the desk (the report
    page's menu entry; where exactly they may report, intake decides per case)."""
    if user.is_superuser:
        return True
    return any(role in _REPORTING_ROLES for role, _path in active_memberships(user))


def _channel(actor: CaseActor, channel: str) -> str:
    if not channel:
        if actor is None:
            return Channel.IMPORT
        if isinstance(actor, Resident):
            return Channel.RESIDENT
        roles = {role for role, _path in active_memberships(actor)}
        if roles & {Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER}:
            return Channel.GRID_PATROL
        return Channel.RESIDENT
    if channel not in Channel.values:
        raise CaseInvalid(
            "channel", _("Unknown channel “%(channel)s”.") % {"channel": str(channel)[:32]}
        )
    return channel


def _reporter(actor: CaseActor, report: Report) -> tuple[str, str]:
    name = _text(report.reporter_name, "reporter_name", 50)
    raw_phone = report.reporter_phone
    if isinstance(actor, Resident):
        raw_phone = raw_phone or actor.phone
        name = name or actor.name.strip()[:50]
    phone = ""
    if raw_phone:
        if not isinstance(raw_phone, str):
            raise CaseInvalid("reporter_phone", _("This must be text."))
        phone = normalize_phone(raw_phone)
        if not 5 <= len(phone) <= 20:
            raise CaseInvalid("reporter_phone", _("Enter a phone number of 5 to 20 digits."))
    if isinstance(actor, Resident) and not phone:
        raise CaseInvalid(
            "reporter_phone", _("A phone number is needed to follow and rate the case.")
        )
    return name, phone


def _attributes(category: Category, given: Any) -> dict[str, Any]:
    """The category's Open311 attributes: required ones present, list values from the list."""
    if given in (None, ""):
        given = {}
    if not isinstance(given, dict):
        raise CaseInvalid("attributes", _("Attributes must be given as names and values."))
    known = {a["code"]: a for a in category.open311_attributes if a.get("variable", True)}
    cleaned: dict[str, Any] = {}
    for code, value in given.items():
        definition = known.get(code)
        if definition is None:
            continue  # Open311 clients may send attributes of other services; keep ours only
        cleaned[code] = _attribute_value(definition, value)
    for code, definition in known.items():
        if definition.get("required") and cleaned.get(code) in (None, "", []):
            raise CaseInvalid(
                f"attribute[{code}]",
                _("“%(name)s” is required.") % {"name": definition.get("description", code)},
            )
    return cleaned


def _attribute_value(definition: dict[str, Any], value: Any) -> Any:
    code, datatype = definition["code"], definition.get("datatype", "string")
    field_name = f"attribute[{code}]"
    if datatype in ("singlevaluelist", "multivaluelist"):
        allowed = {str(v["key"]) for v in definition.get("values", [])}
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values]
        if datatype == "singlevaluelist" and len(values) > 1:
            raise CaseInvalid(field_name, _("Choose one value."))
        for item in values:
            if item not in allowed:
                raise CaseInvalid(
                    field_name, _("“%(value)s” is not one of the choices.") % {"value": item[:40]}
                )
        return values if datatype == "multivaluelist" else values[0]
    if datatype == "number":
        return _number(value, field_name, -1e12, 1e12)
    return _text(value if isinstance(value, str) else str(value), field_name, 1000)


def _units() -> QuerySet[OrgUnit]:
    """Units without their outlines, which filing a case never reads (and which are large)."""
    return OrgUnit.objects.defer("boundary")


def _area(
    actor: CaseActor, lon: float | None, lat: float | None, grid_code: str, place_grid: str = ""
) -> tuple[OrgUnit, bool]:
    """The grid the case lies in, and whether a dispatcher still has to choose one."""
    if grid_code:
        if not isinstance(actor, User):
            raise CaseInvalid("grid", _("Only staff may choose the grid."))
        code = str(grid_code).strip()
        # A NUL cannot be in any code (and PostgreSQL refuses to compare text holding one).
        grid = (
            _units().filter(code=code, kind=UnitKind.GRID, is_active=True).first()
            if "\x00" not in code
            else None
        )
        if grid is None:
            raise CaseInvalid("grid", _("Unknown grid “%(code)s”.") % {"code": str(grid_code)[:32]})
        return grid, False
    if lon is not None and lat is not None:
        located = locate(lon, lat)
        if located is not None:
            return _units().get(pk=located.grid_id), False
    if place_grid:
        vouched = _units().filter(code=place_grid, kind=UnitKind.GRID, is_active=True).first()
        if vouched is not None:
            return vouched, False
    fallback = _fallback_area(actor)
    return fallback, fallback.kind != UnitKind.GRID


def _fallback_area(actor: CaseActor) -> OrgUnit:
    """Where a case without a known grid is filed: the reporter's own unit when they hold one
    reporting role (a grid worker's grid), otherwise the top of the tree."""
    if isinstance(actor, User):
        paths = sorted(
            {path for role, path in active_memberships(actor) if role in _REPORTING_ROLES},
            key=len,
        )
        if len(paths) == 1:
            unit = _units().filter(path=paths[0]).first()
            if unit is not None:
                return unit
    root = (
        _units()
        .filter(parent__isnull=True, is_active=True)
        .exclude(kind=UnitKind.DEPARTMENT)
        .order_by("path")
        .first()
    )
    if root is None:
        raise CaseInvalid("location", _("The platform has no org tree yet."))
    return root
