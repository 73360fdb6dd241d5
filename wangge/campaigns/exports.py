"""A campaign's results as an Excel workbook: one row per target the user may see, with its
latest outcome and the latest visit's answers, masked.

Names of persons are masked (张**), and so are phone and ID numbers anywhere in a typed answer
or note (a resident's number written in a text answer is not let out whole). Every text cell is
written through the case export's `safe_text`, so text beginning with `=`, `+`, `-`, `@`, a tab
or a carriage return is shown and never evaluated (formula injection). Each export is one audit
entry.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wangge.campaigns.models import Campaign, QuestionKind, TargetKind, Visit
from wangge.campaigns.queries import LIST_ORDER, campaign_targets
from wangge.cases.exports import safe_text
from wangge.core import audit, clock
from wangge.core.masking import mask_id_number, mask_name, mask_phone
from wangge.core.models import User
from wangge.people.models import HouseUse

EXPORT_MAX_ROWS = 100_000
_CHUNK = 2_000
_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_numbers(text: str) -> str:
    """Mask the mobile and ID numbers written anywhere in free text."""
    text = _ID_NUMBER.sub(lambda match: mask_id_number(match.group()), text)
    return _MOBILE.sub(lambda match: mask_phone(match.group()), text)


@dataclass(frozen=True)
class CampaignExport:
    file: IO[bytes]
    filename: str
    rows: int
    is_capped: bool


def _answer_text(kind: str, value: Any) -> Any:
    if value is None:
        return ""
    if kind == QuestionKind.MULTIPLE and isinstance(value, list):
        return "、".join(str(item) for item in value)
    if kind == QuestionKind.NUMBER:
        return value
    if kind == QuestionKind.PHOTO:
        return _("photo")
    return mask_numbers(str(value))


def export_results(
    user: User | AnonymousUser, campaign: Campaign, *, max_rows: int = EXPORT_MAX_ROWS
) -> CampaignExport:
    questions = list(campaign.questions.order_by("order", "pk"))
    latest = Visit.objects.select_related("outcome", "visitor").order_by("-visited_at", "-pk")
    targets = (
        campaign_targets(user, campaign)
        .select_related("grid", "assignee", "last_outcome")
        .prefetch_related(Prefetch("visit_rows", queryset=latest))
        .order_by("grid__code", *LIST_ORDER)
    )
    uses = {choice.value: str(choice.label) for choice in HouseUse}
    is_persons = campaign.target_kind == TargetKind.PERSONS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Results")[:31])
    sheet.freeze_panes = "A2"
    header = [
        _("grid"),
        _("compound"),
        _("building"),
        _("floor"),
        _("house number"),
        _("name") if is_persons else _("house"),
        _("address"),
        _("category"),
        _("assigned to"),
        _("visits"),
        _("outcome"),
        _("reached"),
        _("done"),
        _("last visited at"),
        _("visitor"),
        _("made at the door"),
        _("note"),
        *[question.label for question in questions],
    ]
    sheet.append([safe_text(sheet, str(label)) for label in header])
    rows = 0
    is_capped = False
    yes, no = _("yes"), _("no")
    for target in targets[: max_rows + 1].iterator(chunk_size=_CHUNK):
        if rows == max_rows:
            is_capped = True
            break
        visit = next(iter(target.visit_rows.all()), None)
        answers = visit.answers if visit else {}
        values: list[Any] = [
            target.grid.name,
            target.compound_name,
            target.building_name,
            target.floor,
            target.number,
            mask_name(target.label) if is_persons else target.label,
            target.address,
            uses.get(target.category, target.category),
            target.assignee.display_name if target.assignee else "",
            target.visits,
            target.last_outcome.name if target.last_outcome else "",
            yes if target.is_reached else no,
            yes if target.is_done else no,
            timezone.localtime(target.last_visited_at).strftime("%Y-%m-%d %H:%M")
            if target.last_visited_at
            else "",
            visit.visitor.display_name if visit else "",
            (yes if visit.proof else no) if visit else "",
            mask_numbers(visit.note) if visit else "",
            *[_answer_text(q.kind, answers.get(str(q.pk))) for q in questions],
        ]
        sheet.append([safe_text(sheet, v) if isinstance(v, str) else v for v in values])
        rows += 1
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
        user if isinstance(user, User) else None,
        "campaigns.export",
        campaign,
        f"{rows} targets{' (capped)' if is_capped else ''}",
        rows=rows,
        capped=is_capped,
    )
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
    return CampaignExport(output, f"campaign-{campaign.pk}-{stamp}.xlsx", rows, is_capped)
