"""How our categories and cases read as GeoReport v2 services and service requests, and how a
posted service request becomes a `Report` for `report_case`. Pure translation, no rules: what
may be filed, by whom and with which attributes is decided by the case services.

docs/open311.md is the readable form of this module; keep the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.cases.models import Case, CaseEvent, Category, CategoryKind, DeadlineUnit
from wangge.cases.services import Report
from wangge.cases.workflow import FINAL_STATES, CaseState
from wangge.open311.exceptions import BadRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_URL_MAX = 500

# Our field names (as `CaseInvalid.field` gives them) in Open311's words.
OPEN311_FIELDS = {
    "category": "service_code",
    "lon": "long",
    "lat": "lat",
    "location": "lat/long/address_string",
    "address": "address_string",
    "description": "description",
    "title": "description",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "attributes": "attribute",
    "source_ref": "account_id/device_id",
}


def open311_field(field: str) -> str:
    """The Open311 parameter behind one of our field names (attribute[code] stays as it is)."""
    return OPEN311_FIELDS.get(field, field)


def moment(value: datetime | None) -> str | None:
    """A w3c datetime in the platform's time zone, e.g. 2026-05-01T09:30:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def parse_moment(value: str, field: str) -> datetime:
    """A w3c datetime (a date alone means its midnight; no offset means the platform's zone)."""
    text = value.strip()
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            if day is None:
                raise ValueError(text)
            parsed = datetime.combine(day, time.min)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        # Far-off years with an offset overflow on the way to UTC: refuse them here.
        parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadRequest(
            field, _("Give a date and time such as 2026-05-01T09:30:00+08:00.")
        ) from None
    return parsed


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


def status_of(case: Case) -> str:
    return "closed" if case.state in FINAL_STATES else "open"


# --- services -----------------------------------------------------------------------------------


def service_notice(category: Category) -> str:
    return _("To be handled within %(amount)s %(unit)s of dispatch.") % {
        "amount": _amount(category.handle_amount),
        "unit": DeadlineUnit(category.handle_unit).label,
    }


def service_of(category: Category) -> dict[str, Any]:
    """A subcategory as an entry of GET services."""
    group = category.parent.name if category.parent is not None else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": group,
        "metadata": bool(category.open311_attributes),
        "type": "realtime",
        "keywords": ",".join(w for w in (group, str(CategoryKind(category.kind).label)) if w),
        "group": group,
    }


_DATATYPE_DESCRIPTIONS = {
    "number": gettext_lazy("A number."),
    "datetime": gettext_lazy("A date and time, e.g. 2026-05-01T09:30:00+08:00."),
    "singlevaluelist": gettext_lazy("Choose one of the values."),
    "multivaluelist": gettext_lazy("Choose one or more of the values."),
}
_LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})


def _attribute(definition: dict[str, Any]) -> dict[str, Any]:
    datatype = definition.get("datatype", "string")
    attribute: dict[str, Any] = {
        "variable": definition.get("variable", True),
        "code": definition["code"],
        "datatype": datatype,
        "required": bool(definition.get("required", False)),
        "datatype_description": str(_DATATYPE_DESCRIPTIONS.get(datatype, "")),
        "order": definition.get("order", 0),
        "description": definition.get("description", ""),
    }
    if datatype in _LIST_DATATYPES:
        attribute["values"] = [
            {"key": value["key"], "name": value["name"]} for value in definition.get("values", [])
        ]
    return attribute


def definition_of(category: Category) -> dict[str, Any]:
    """GET services/{service_code}: the category's attributes in their order."""
    attributes = sorted(category.open311_attributes, key=lambda a: a.get("order", 0))
    return {
        "service_code": category.code,
        "attributes": [_attribute(definition) for definition in attributes],
    }


# --- service requests ---------------------------------------------------------------------------

_STATUS_NOTES = {
    CaseState.REPORTED: gettext_lazy("Received; waiting to be accepted."),
    CaseState.ACCEPTED: gettext_lazy("Accepted; waiting to be sent to the unit that handles it."),
    CaseState.DISPATCHED: gettext_lazy("Sent to the unit that handles it."),
    CaseState.HANDLING: gettext_lazy("Being handled."),
    CaseState.HANDLED: gettext_lazy("Handled; waiting for verification on site."),
    CaseState.VERIFIED: gettext_lazy("Verified on site; about to be closed."),
}


def status_notes(case: Case, reason: str) -> str:
    """What the current state means for the person who asked; `reason` is the note of the step
    that brought the case into it (a decline's reason, a close's note)."""
    reason = reason.strip()
    if case.state == CaseState.DECLINED:
        if reason:
            return _("Declined. Reason: %(reason)s") % {"reason": reason}
        return _("Declined.")
    if case.state == CaseState.MERGED:
        master = case.master.number if case.master is not None else ""
        return _("Merged into request %(number)s, which carries it on.") % {"number": master}
    if case.state == CaseState.CLOSED:
        if case.is_resolved is False:
            if reason:
                return _("Closed without being resolved. Reason: %(reason)s") % {"reason": reason}
            return _("Closed without being resolved.")
        return _("Closed: resolved.")
    return str(_STATUS_NOTES.get(CaseState(case.state), ""))


def expected_at(case: Case) -> datetime | None:
    """When the request should be done: the handling deadline once the case has been
    dispatched, before that the deadline of the stage it is in; none once it is final."""
    if case.state in FINAL_STATES:
        return None
    return case.handle_due_at or case.due_at


def event_of(event: CaseEvent, *, with_note: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "seq": event.seq,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "at": moment(event.created_at),
    }
    if with_note:
        item["note"] = event.note
    return item


def request_of(
    case: Case,
    *,
    reason: str = "",
    events: list[CaseEvent] | None = None,
    with_notes: bool = False,
) -> dict[str, Any]:
    """A case as a service request. Public fields only: no reporter, no phone, no staff names.
    `events`: the timeline for the `extended_attributes` extension (None: left out);
    `with_notes`: whether its notes are shown (to api_key holders who may see the case)."""
    request: dict[str, Any] = {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": status_notes(case, reason),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.department.name if case.department is not None else "",
        "service_notice": service_notice(case.category),
        "requested_datetime": moment(case.reported_at),
        "updated_datetime": moment(case.updated_at),
    }
    expected = expected_at(case)
    if expected is not None:
        request["expected_datetime"] = moment(expected)
    request["address"] = case.address
    if case.lat is not None and case.lon is not None:
        request["lat"] = case.lat
        request["long"] = case.lon
    if events is not None:
        request["extended_attributes"] = {
            "timeline": [event_of(event, with_note=with_notes) for event in events]
        }
    return request


# --- a posted service request -------------------------------------------------------------------

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_URL = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Submission:
    report: Report
    account_id: str | None


def reporter_name(first: str, last: str) -> str:
    """One name from Open311's two: family name first and no space for a Chinese name (张三),
    given name first otherwise (John Smith)."""
    first, last = first.strip(), last.strip()
    if _CJK.search(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def attributes_from(form: QueryDict) -> dict[str, Any]:
    """`attribute[code]=v` as a value, `attribute[code][]=v` (or the same key repeated) as a
    list of values; the case services check them against the category."""
    found: dict[str, list[str]] = {}
    as_list: set[str] = set()
    for key in form:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code, brackets = match.groups()
        found.setdefault(code, []).extend(form.getlist(key))
        if brackets:
            as_list.add(code)
    return {
        code: values if code in as_list or len(values) > 1 else values[0]
        for code, values in found.items()
    }


def _media_url(value: str) -> str:
    url = value.strip()
    if not url:
        return ""
    try:
        if len(url) > MEDIA_URL_MAX:
            raise ValidationError("too long")
        _URL(url)
    except ValidationError:
        raise BadRequest(
            "media_url",
            _("Give an http or https address of at most %(count)d characters.")
            % {"count": MEDIA_URL_MAX},
        ) from None
    return url


def submission_from(form: QueryDict) -> Submission:
    """The Report a POST requests body asks for. `media_url` is not fetched: it is written at the
    end of the description for staff to open; `email` is not kept (see docs/open311.md)."""
    lat, lon = form.get("lat", ""), form.get("long", "")
    address = form.get("address_string", "")
    if form.get("address_id", "").strip() and not (lat or lon or address.strip()):
        raise BadRequest(
            "address_id",
            _("Address ids are not supported here: send lat and long, or address_string."),
        )
    description = form.get("description", "")
    media_url = _media_url(form.get("media_url", ""))
    if media_url and description.strip():
        description = f"{description.rstrip()}\n\nmedia_url: {media_url}"
    account_id = form.get("account_id", "").strip() or None
    device_id = form.get("device_id", "").strip()
    report = Report(
        category=form.get("service_code", ""),
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        reporter_name=reporter_name(form.get("first_name", ""), form.get("last_name", "")),
        reporter_phone=form.get("phone", ""),
        attributes=attributes_from(form),
        source_ref=account_id or device_id,
    )
    return Submission(report=report, account_id=account_id)
