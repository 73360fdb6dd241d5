"""A report's three faces, all from one `reports.ReportContent`: the printable page's context
(`page_context`, also used for the PDF), the Excel workbook (`workbook`: sheets Overview,
Categories, Units, Overdue and Definitions; every text through the case export's `safe_text`, so
nothing a person typed is ever evaluated as a formula) and the PDF (`pdf`, drawn by WeasyPrint
with the system's Pango and fontconfig, so Chinese is set in Noto Sans CJK).

The chart of reported and closed cases by day is an SVG drawn here, the same on the page and
in the PDF (which runs no script)."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from wangge.analytics.definitions import Figure, Kind
from wangge.cases.exports import safe_text

if TYPE_CHECKING:
    from wangge.analytics.reports import ReportContent

STYLESHEET = Path(__file__).parent / "static" / "analytics" / "css" / "report.css"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"

# The chart's drawing box (SVG user units) and margins for the axes.
CHART_WIDTH, CHART_HEIGHT = 680, 200
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 34, 8, 12, 24
REPORTED_COLOUR, CLOSED_COLOUR = "#c0262d", "#2563eb"
# WeasyPrint logs each step of every document at INFO: a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


# --- the page and the PDF ---------------------------------------------------------------------


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at least `value` (an axis's top)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def daily_chart(content: ReportContent) -> dict[str, Any]:
    """Bars of reported and closed cases per day, as SVG geometry."""
    days = content.daily
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    top = _nice_top(max([1, *(max(r, c) for _d, r, c in days)]))
    slot = plot_width / max(len(days), 1)
    bar = slot * 0.38
    label_every = 1 if len(days) <= 10 else 5
    bars, labels = [], []
    for index, (day, reported, closed) in enumerate(days):
        left = CHART_LEFT + index * slot + slot * 0.12
        for offset, count, colour in (
            (0.0, reported, REPORTED_COLOUR),
            (bar, closed, CLOSED_COLOUR),
        ):
            if not count:
                continue
            height = plot_height * count / top
            bars.append(
                {
                    "x": round(left + offset, 1),
                    "y": round(CHART_TOP + plot_height - height, 1),
                    "width": round(bar, 1),
                    "height": round(height, 1),
                    "fill": colour,
                    "title": f"{day:%m-%d}: {count}",
                }
            )
        if index % label_every == 0:
            labels.append(
                {"x": round(CHART_LEFT + (index + 0.5) * slot, 1), "text": f"{day:%m-%d}"}
            )
    ticks = [
        {"y": round(CHART_TOP + plot_height - plot_height * value / top, 1), "text": str(value)}
        for value in sorted({0, top // 2 if top % 2 == 0 else 0, top})
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "baseline": CHART_TOP + plot_height,
        "label_y": CHART_HEIGHT - 6,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "reported_colour": REPORTED_COLOUR,
        "closed_colour": CLOSED_COLOUR,
    }


def page_context(content: ReportContent) -> dict[str, Any]:
    return {"report": content, "chart": daily_chart(content)}


def pdf(content: ReportContent) -> bytes:
    """The report as an A4 PDF. WeasyPrint is imported here: it loads Pango when imported."""
    from weasyprint import CSS, HTML

    html = render_to_string("analytics/report_pdf.html", page_context(content))
    try:
        from weasyprint.urls import URLFetcher

        # Nothing in a report is fetched: no network, no file outside the stylesheet.
        fetcher: Any = URLFetcher(allowed_protocols=("data",))
    except ImportError:  # WeasyPrint before the URLFetcher class

        def fetcher(url: str, *args: Any, **kwargs: Any) -> Any:
            raise ValueError(f"not fetched: {url}")

    document = HTML(string=html, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])


# --- the workbook -----------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _number(sheet: WriteOnlyWorksheet, figure: Figure, value: float | None) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if figure.kind == Kind.RATE:
        cell.number_format = "0.0%"
    elif figure.kind == Kind.HOURS:
        cell.number_format = "0.0"
    return cell


def _texts(sheet: WriteOnlyWorksheet, *values: Any) -> list[Any]:
    return [safe_text(sheet, str(value)) if isinstance(value, str) else value for value in values]


def _overview(book: Workbook, content: ReportContent) -> None:
    sheet = book.create_sheet(pgettext("report", "Overview"))
    add = sheet.append
    previous = content.previous
    add(_texts(sheet, content.title))
    add(_texts(sheet, _("Unit"), content.unit.name, content.unit.code))
    add(_texts(sheet, _("Kind"), content.kind_label))
    add(_texts(sheet, _("Period"), content.period.first, content.period.last))
    add(_texts(sheet, _("Period before"), previous.first, previous.last))
    add(_texts(sheet, _("Generated at"), _local(content.generated_at)))
    add([])
    add(
        _texts(
            sheet, _("Figure"), _("This period"), _("Period before"), pgettext("report", "Change")
        )
    )
    for item in content.figures:
        add(
            [
                safe_text(sheet, str(item.figure.label)),
                _number(sheet, item.figure, item.value),
                _number(sheet, item.figure, item.previous),
                None if item.change is None else round(item.change, 4),
            ]
        )
    add([])
    add(_texts(sheet, _("State"), pgettext("report", "Cases")))
    for label, count in content.by_state:
        add([safe_text(sheet, label), count])
    add([])
    add(_texts(sheet, _("Day"), _("Reported"), _("Closed")))
    for day, reported, closed in content.daily:
        add([day, reported, closed])


def _categories(book: Workbook, content: ReportContent) -> None:
    sheet = book.create_sheet(pgettext("report", "Categories"))
    sheet.append(_texts(sheet, pgettext("report", "Category"), _("Reported")))
    for name, count in content.top_categories:
        sheet.append([safe_text(sheet, name), count])


def _units(book: Workbook, content: ReportContent) -> None:
    sheet = book.create_sheet(_("Units"))
    sheet.append(_texts(sheet, _("Unit"), _("Code"), *(str(f.label) for f in content.ranked)))
    for line in content.ranking:
        sheet.append(
            [
                safe_text(sheet, line.unit.name),
                safe_text(sheet, line.unit.code),
                *(_number(sheet, f, line.values.get(f.key)) for f in content.ranked),
            ]
        )


def _overdue(book: Workbook, content: ReportContent) -> None:
    sheet = book.create_sheet(pgettext("report", "Overdue"))
    sheet.append(
        _texts(
            sheet,
            _("Case number"),
            _("Title"),
            _("State"),
            pgettext("report", "Category"),
            pgettext("report", "Area"),
            _("Reported at"),
            _("Due at"),
            _("Supervision level"),
        )
    )
    for case in content.open_cases:
        sheet.append(
            [
                *_texts(sheet, case.number, case.title, case.state, case.category, case.area),
                _local(case.reported_at),
                _local(case.due_at),
                case.supervision_level,
            ]
        )
    if content.open_cases_total > len(content.open_cases):
        sheet.append([])
        sheet.append(
            _texts(
                sheet,
                _("%(total)d cases in all; the first %(shown)d are listed.")
                % {"total": content.open_cases_total, "shown": len(content.open_cases)},
            )
        )


def _definitions(book: Workbook, content: ReportContent) -> None:
    sheet = book.create_sheet(_("Definitions"))
    sheet.append(_texts(sheet, _("Figure"), _("Definition")))
    for figure in content.glossary:
        sheet.append(_texts(sheet, str(figure.label), str(figure.definition)))


def workbook(content: ReportContent) -> bytes:
    book = Workbook(write_only=True)
    for write in (_overview, _categories, _units, _overdue, _definitions):
        write(book, content)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
