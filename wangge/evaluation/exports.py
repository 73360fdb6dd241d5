"""A round as an Excel workbook: the ranking, and the details behind every score (each
indicator's value, numerator, denominator, points and score). Personal names are masked
(`wangge.core.masking`), every text cell goes through the case export's `safe_text` (formula
injection), only results the user may see are written, and each export is one audit entry."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from wangge.cases.exports import safe_text
from wangge.core import audit
from wangge.core.masking import mask_name
from wangge.core.models import User
from wangge.evaluation.models import Round
from wangge.evaluation.queries import details, ranking


def export_round(user: User, round_: Round) -> tuple[bytes, str]:
    results = ranking(user, round_)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Ranking"))
    dimensions = round_.definition.get("dimensions", [])
    sheet.append(
        [_("Rank"), _("Name"), _("Unit"), _("Total")]
        + [safe_text(sheet, d["name"]) for d in dimensions]
    )
    for result in results:
        name = mask_name(result.name) if result.user_id else result.name
        sheet.append(
            [
                result.rank,
                safe_text(sheet, name),
                safe_text(sheet, result.home.name),
                float(result.total),
            ]
            + [float(result.subtotals.get(str(d["id"]), 0)) for d in dimensions]
        )
    lines = book.create_sheet(_("Details"))
    lines.append(
        [
            _("Name"),
            _("Dimension"),
            _("Indicator"),
            _("Value"),
            _("Numerator"),
            _("Denominator"),
            _("Points"),
            _("Score"),
            _("Cases taken out by appeals"),
            _("Definition"),
        ]
    )
    for result in results:
        name = mask_name(result.name) if result.user_id else result.name
        for row in details(result):
            lines.append(
                [
                    safe_text(lines, name),
                    safe_text(lines, row.dimension),
                    safe_text(lines, row.name),
                    row.shown,
                    row.numerator,
                    row.denominator,
                    float(row.points),
                    None if row.score is None else float(row.score),
                    row.excluded_cases,
                    safe_text(lines, row.definition),
                ]
            )
    output = io.BytesIO()
    book.save(output)
    audit.record(user, "evaluation.round.export", round_, str(round_), rows=len(results))
    return output.getvalue(), f"evaluation-{round_.pk}-{round_.first_day:%Y%m%d}.xlsx"
