"""The city's kinds of information and their time limits, kept by an administrator of the whole
city. Limits are natural minutes (emergencies do not wait for office hours); the written report
may not be due before the first report."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.core import audit
from wangge.core.models import User
from wangge.info_reports.exceptions import Invalid, NotAllowed
from wangge.info_reports.models import InfoKind, InfoLevel
from wangge.info_reports.permissions import may_manage_kinds
from wangge.info_reports.services.reports import _text

LIMIT_MAX = 7 * 24 * 60  # a week, in minutes


@dataclass
class KindInput:
    code: str
    name: str
    level: str
    first_report_minutes: int | None
    written_report_minutes: int | None
    continued_report_minutes: int | None = None
    is_active: bool = True
    position: int = 0


def _minutes(value: int | None, name: str, *, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LIMIT_MAX:
        raise Invalid(_("Enter whole minutes from 1 to %(max)d.") % {"max": LIMIT_MAX}, name)
    return value


def save_kind(actor: User | None, kind: InfoKind | None, given: KindInput) -> InfoKind:
    """Create a kind (`kind` None) or change one; the code of an existing kind stays."""
    if actor is not None and not may_manage_kinds(actor):
        raise NotAllowed(_("Only an administrator of the whole city may change kinds."))
    code = kind.code if kind is not None else _text(given.code, "code", 32, required=True)
    if kind is None and not code.replace("_", "").replace("-", "").isalnum():
        raise Invalid(_("Use letters, digits, - and _ only."), "code")
    name = _text(given.name, "name", 64, required=True)
    if given.level not in InfoLevel.values:
        raise Invalid(_("Choose a level."), "level")
    first = _minutes(given.first_report_minutes, "first_report_minutes")
    written = _minutes(given.written_report_minutes, "written_report_minutes")
    assert first is not None and written is not None
    if written < first:
        raise Invalid(
            _("The written report cannot be due before the first report."),
            "written_report_minutes",
        )
    continued = _minutes(given.continued_report_minutes, "continued_report_minutes", required=False)
    if not isinstance(given.position, int) or not 0 <= given.position <= 32767:
        raise Invalid(_("Enter a whole number from 0 to 32767."), "position")
    values = {
        "name": name,
        "level": given.level,
        "first_report_minutes": first,
        "written_report_minutes": written,
        "continued_report_minutes": continued,
        "is_active": bool(given.is_active),
        "position": given.position,
    }
    try:
        with transaction.atomic():
            if kind is None:
                kind = InfoKind.objects.create(code=code, **values)
            else:
                for name_, value in values.items():
                    setattr(kind, name_, value)
                kind.save(update_fields=list(values))
            audit.record(actor, "info_reports.kind.save", kind, kind.code, **values)
    except IntegrityError:
        raise Invalid(_("A kind with this code exists already."), "code") from None
    return kind
