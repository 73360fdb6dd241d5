"""Who is told what about a report, through the notifications inbox (inside the caller's
transaction, so a notice exists exactly when the change does; `dedupe_key` keeps each once)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.core.models import User
from wangge.info_reports.models import InfoReport
from wangge.notifications.models import NotificationKind
from wangge.notifications.services import notify
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import ROLE_CAPABILITIES, Capability

_RECEIVING_ROLES = [
    role for role, held in ROLE_CAPABILITIES.items() if Capability.RECEIVE_INFORMATION in held
]
_REPORTING_ROLES = [
    role for role, held in ROLE_CAPABILITIES.items() if Capability.REPORT_INFORMATION in held
]


def receivers_at(units: Iterable[OrgUnit]) -> list[int]:
    """The accounts holding a receiving role in one of `units` itself (its command centre)."""
    return list(
        Membership.objects.filter(
            unit__in=list(units), role__in=_RECEIVING_ROLES, is_active=True, user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def reporters_of(report: InfoReport) -> list[int]:
    """The reporter and the accounts reporting for the report's unit itself."""
    ids = list(
        Membership.objects.filter(
            unit=report.from_unit_id, role__in=_REPORTING_ROLES, is_active=True
        ).values_list("user_id", flat=True)
    )
    if report.reporter_id:
        ids.insert(0, report.reporter_id)
    return list(dict.fromkeys(ids))


def tell(users: Iterable[User | int], report: InfoReport, title: str, key: str) -> int:
    return notify(
        users,
        NotificationKind.OTHER,
        title=title[:200],
        body=f"{report.number} {report.title}"[:500],
        link=reverse("info_reports:detail", args=[report.pk]),
        subject=report.number,
        dedupe_key=f"info_reports:{key}"[:128],
    )


def new_report_title(report: InfoReport) -> str:
    return _("Information report to sign for: %(kind)s") % {"kind": report.kind.name}
