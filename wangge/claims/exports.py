"""The agreements (认领协议) of the communities a user keeps, as an Excel workbook: title, member
unit, the need or project claimed, state, dates, deliverables due and done, and whether it is
overdue.

The member unit's contact is personal: their name and phone are masked
(`wangge.core.masking`) as on every page. Every text cell is written through the case export's
`safe_text`, so a title beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is shown
and never evaluated (formula injection). Only the agreements of communities where the user
holds MANAGE_CLAIMS are written, whatever filter is given, and each export is one audit entry.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wangge.cases.exports import safe_text
from wangge.claims.models import Agreement, AgreementState
from wangge.claims.permissions import communities_for
from wangge.claims.queries import overdue_agreements, today, with_overdue
from wangge.core import audit, clock
from wangge.core.masking import mask_name, mask_phone
from wangge.core.models import User
from wangge.org.roles import Capability

EXPORT_MAX_ROWS = 100_000
_READ_CHUNK = 2_000


@dataclass(frozen=True)
class AgreementExport:
    """A finished workbook: `file` is open at its start; the caller closes it."""

    file: IO[bytes]
    filename: str
    rows: int
    is_capped: bool


def _header() -> list[str]:
    return [
        _("Community"),
        _("Agreement"),
        _("Member unit"),
        _("Need or project"),
        _("State"),
        _("Claimed on"),
        _("Starts on"),
        _("Ends on"),
        _("Fulfilled on"),
        _("Deliverables due"),
        _("Deliverables done"),
        _("Overdue"),
        _("Contact"),
        _("Contact phone"),
    ]


def _day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def export_agreements(
    user: User,
    *,
    state: str = "",
    overdue: bool = False,
    max_rows: int = EXPORT_MAX_ROWS,
) -> AgreementExport:
    """The agreements of the communities `user` keeps (MANAGE_CLAIMS), newest first."""
    on = today()
    kept = communities_for(user, Capability.MANAGE_CLAIMS)
    rows = with_overdue(Agreement.objects.filter(community__in=kept.values("pk")), on)
    if state:
        rows = rows.filter(state=state)
    if overdue:
        rows = rows.filter(overdue_agreements(on))
    rows = (
        rows.select_related("community", "member_unit", "contact", "need", "project")
        .annotate(
            due_count=Count("deliverables", distinct=True),
            done_count=Count(
                "deliverables", filter=Q(deliverables__done_at__isnull=False), distinct=True
            ),
        )
        .order_by("community__code", "-claimed_at", "-pk")
    )
    states = {choice.value: str(choice.label) for choice in AgreementState}
    yes, no = _("Yes"), _("No")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Agreements")[:31])
    sheet.freeze_panes = "A2"
    sheet.append(_header())
    count = 0
    is_capped = False
    for agreement in rows[: max_rows + 1].iterator(chunk_size=_READ_CHUNK):
        if count == max_rows:
            is_capped = True
            break
        claimed = agreement.need or agreement.project
        contact = agreement.contact
        values: list[Any] = [
            agreement.community.name,
            agreement.title,
            agreement.member_unit.name,
            claimed.title if claimed else "",
            states.get(agreement.state, agreement.state),
            _day(agreement.claimed_at),
            agreement.starts_on,
            agreement.ends_on,
            _day(agreement.fulfilled_at),
            agreement.due_count,
            agreement.done_count,
            yes if agreement.is_overdue else no,
            mask_name(contact.name) if contact else "",
            mask_phone(contact.phone) if contact else "",
        ]
        sheet.append([safe_text(sheet, v) if isinstance(v, str) else v for v in values])
        count += 1
    if is_capped:
        sheet.append([])
        sheet.append(
            [
                _("Only the first %(count)s rows are in this file; narrow the list for the rest.")
                % {"count": f"{max_rows:,}"}
            ]
        )
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    workbook.save(output)
    output.seek(0)
    audit.record(
        user,
        "claims.export.agreements",
        None,
        f"{count} agreements{' (capped)' if is_capped else ''}",
        rows=count,
        capped=is_capped,
        state=state,
        overdue=overdue,
    )
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
    return AgreementExport(output, f"agreements-{stamp}.xlsx", count, is_capped)
