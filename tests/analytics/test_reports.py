"""Weekly and monthly reports: what a report holds (every figure beside the period before, with
its definition; figures of other apps through their own query; the overdue and supervised cases
open at the end), the workbook and the PDF, and the worker's scheduled reports (once each, even
with two workers). The helpers at the top serve the page and API tests too."""

from __future__ import annotations

import io
import re
import time as timer
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from tests.cases.loop_helpers import IN_GRID_B, act, drive_to, file_case
from wangge.analytics import report_exports, reports
from wangge.analytics.definitions import FIGURES, HEADLINE, Figure, Kind
from wangge.analytics.models import Report, ReportSchedule
from wangge.analytics.queries import Period
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.notifications.models import Notification

# --- helpers ------------------------------------------------------------------------------------


def last_week() -> Period:
    return reports.period_of("weekly", clock.today() - timedelta(days=7))


def last_month() -> Period:
    first = clock.today().replace(day=1)
    return reports.period_of("monthly", first - timedelta(days=1))


def at(day: datetime) -> datetime:
    return timezone.make_aware(day)


@contextmanager
def during(period: Period, day: int = 2, hour: int = 10) -> Iterator[None]:
    """The clock stopped at `hour` on the `day`-th day (0: the first) of `period`."""
    with clock.frozen_at(at(datetime.combine(period.first + timedelta(days=day), time(hour)))):
        yield


def _streams(data: bytes) -> list[str]:
    found = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            found.append(zlib.decompress(stream.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return found


def pdf_fonts(data: bytes) -> set[str]:
    """The names of the fonts a PDF embeds (from its objects, compressed or not)."""
    text = " ".join([data.decode("latin-1"), *_streams(data)])
    return set(re.findall(r"/BaseFont\s*/([\w+-]+)", text))


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text with pypdf where it is installed; else one "" per page."""
    try:
        from pypdf import PdfReader
    except ImportError:
        text = " ".join([data.decode("latin-1"), *_streams(data)])
        return [""] * len(re.findall(r"/Type\s*/Page\b", text))
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


# --- what a report holds ------------------------------------------------------------------------


def test_a_report_holds_every_figure_beside_the_period_before_with_its_definition(cast):
    week = last_week()
    with during(week.previous()):
        drive_to(cast, CaseState.CLOSED)
    with during(week):
        drive_to(cast, CaseState.CLOSED)
        file_case(cast.grid_worker_a)
        file_case(cast.grid_worker_b, at=IN_GRID_B)
    content = reports.report_content(cast.tree.district, "weekly", week, clock.now())
    assert content.reported == 3
    keys = [item.figure.key for item in content.figures]
    assert keys[:4] == list(HEADLINE) and sorted(keys) == sorted(FIGURES)
    reported = next(item for item in content.figures if item.figure.key == "reported")
    assert (reported.value, reported.previous) == (3, 1)
    assert {figure.key for figure in content.glossary} == set(FIGURES)
    assert sum(r for _day, r, _c in content.daily) == 3 and len(content.daily) == 7
    assert sum(c for _day, _r, c in content.daily) == 1
    # The ranking: the two subdistricts, 环市街道 with all three cases.
    assert content.ranking[0].unit.code == cast.tree.town.code
    assert content.ranking[0].values["reported"] == 3


def test_a_figure_of_another_app_is_read_through_its_own_query(cast, monkeypatch):
    calls = []

    def compute(areas, first, last, today):
        calls.append((areas, first, last))
        return (3, 4) if first == week.first else (1, 4)

    figure = Figure(
        "test_visits",
        "Test visits",
        "Test visits: visited, of the due.",
        Kind.RATE,
        "test_done",
        "test_due",
        compute=compute,
    )
    monkeypatch.setitem(FIGURES, figure.key, figure)
    week = last_week()
    content = reports.report_content(cast.tree.town, "weekly", week, clock.now())
    item = next(item for item in content.figures if item.figure.key == "test_visits")
    assert (item.value, item.previous, item.shown) == (0.75, 0.25, "75.0%")
    assert item.change == pytest.approx(50.0)
    assert figure in content.glossary
    areas = calls[0][0]
    assert cast.tree.grid_a.pk in areas and cast.tree.grid_c.pk not in areas


def test_the_overdue_and_supervised_cases_open_at_the_end_are_listed_without_personal_data(cast):
    week = last_week()
    with during(week.previous(), day=0):
        late = file_case(cast.grid_worker_a, description="路灯不亮很久了", title="石冲路路灯")
    with during(week, day=1):
        supervised = act(
            cast.dispatcher,
            drive_to(cast, CaseState.DISPATCHED, title="督办的井盖"),
            "supervise",
            supervision_level=1,
            note="尽快",
        )
        closed_in_time = drive_to(cast, CaseState.CLOSED)
    content = reports.report_content(cast.tree.district, "weekly", week, clock.now())
    listed = {case.number: case for case in content.open_cases}
    assert set(listed) == {late.number, supervised.number}
    assert closed_in_time.number not in listed
    assert listed[supervised.number].supervision_level == 1
    assert content.open_cases[0].number == supervised.number  # the most supervised first
    assert listed[late.number].title == "石冲路路灯" and listed[late.number].is_overdue
    # Another subtree's report lists none of them.
    other = reports.report_content(cast.tree.other_town, "weekly", week, clock.now())
    assert other.open_cases == [] and other.open_cases_total == 0


def test_a_report_reads_a_few_queries_whatever_the_cases(cast):
    week = last_week()
    with during(week):
        for _n in range(3):
            drive_to(cast, CaseState.CLOSED)
    with CaptureQueriesContext(connection) as few:
        reports.report_content(cast.tree.district, "weekly", week, clock.now())
    with during(week):
        for _n in range(5):
            drive_to(cast, CaseState.HANDLING)
    with CaptureQueriesContext(connection) as more:
        reports.report_content(cast.tree.district, "weekly", week, clock.now())
    assert len(more) == len(few) <= 48  # the other apps' four figures read a few each


@pytest.mark.parametrize(
    ("kind", "text", "first", "last"),
    [
        ("weekly", "2026-03-04", "2026-03-02", "2026-03-08"),
        ("weekly", "2026-W10", "2026-03-02", "2026-03-08"),
        ("weekly", "2026-03-08", "2026-03-02", "2026-03-08"),
        ("monthly", "2026-02", "2026-02-01", "2026-02-28"),
        ("monthly", "2024-02-15", "2024-02-01", "2024-02-29"),
        ("monthly", "2026-12-31", "2026-12-01", "2026-12-31"),
    ],
)
def test_a_period_is_named_by_a_day_a_week_or_a_month(kind, text, first, last):
    period = reports.parse_period(kind, text)
    assert (period.first.isoformat(), period.last.isoformat()) == (first, last)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("weekly", "2026-13"),
        ("weekly", "2026-W54"),
        ("monthly", "2026-W10"),
        ("weekly", "soon"),
        ("monthly", "9999-12-31"),
        ("weekly", "0001-01-01"),
    ],
)
def test_a_period_that_is_not_a_day_week_or_month_is_refused_by_field(kind, text):
    with pytest.raises(reports.ReportRefused) as refused:
        reports.check_period(kind, reports.parse_period(kind, text), clock.now())
    assert refused.value.field == "period"


def test_a_week_that_is_not_over_is_refused():
    today = clock.today()
    with pytest.raises(reports.ReportRefused) as refused:
        reports.check_period("weekly", reports.period_of("weekly", today), clock.now())
    assert refused.value.field == "period"


# --- the workbook and the PDF -------------------------------------------------------------------


def test_the_workbook_has_its_sheets_and_never_evaluates_a_title(cast):
    week = last_week()
    with during(week.previous(), day=0):
        file_case(cast.grid_worker_a, title='=HYPERLINK("http://x","点我")')
    content = reports.report_content(cast.tree.district, "weekly", week, clock.now())
    book = load_workbook(io.BytesIO(report_exports.workbook(content)))
    assert book.sheetnames == ["Overview", "Categories", "Units", "Overdue", "Definitions"]
    overview = list(book["Overview"].iter_rows(values_only=True))
    labels = [row[0] for row in overview]
    assert all(str(figure.label) in labels for figure in FIGURES.values())
    overdue = book["Overdue"]
    title = overdue.cell(row=2, column=2)
    assert title.value.startswith("=HYPERLINK") and title.data_type == "s" and title.quotePrefix
    definitions = {row[0]: row[1] for row in book["Definitions"].iter_rows(values_only=True)}
    assert definitions["Resolution rate"] == str(FIGURES["resolution_rate"].definition)


def test_the_pdf_is_an_a4_document_in_chinese_with_the_definitions_on_their_own_page(cast):
    week = last_week()
    with during(week):
        drive_to(cast, CaseState.CLOSED)
    with translation.override("zh-hans"):
        content = reports.report_content(cast.tree.district, "weekly", week, clock.now())
        started = timer.perf_counter()
        data = report_exports.pdf(content)
        print(f"PDF of a district's week: {timer.perf_counter() - started:.2f}s")
    assert data.startswith(b"%PDF-")
    # A CJK font is embedded: Chinese is set in glyphs, not boxes.
    assert any("CJK" in font for font in pdf_fonts(data)), pdf_fonts(data)
    pages = pdf_pages(data)
    assert 3 <= len(pages) <= 6
    if any(pages):  # pypdf is installed: read the text itself
        assert "蓬江区" in pages[0]
        assert str(FIGURES["resolution_rate"].definition)[:6] not in pages[0]
        last = pages[-1]
        with translation.override("zh-hans"):
            assert str(FIGURES["reopen_rate"].label) in last


# --- scheduled reports --------------------------------------------------------------------------


def _schedule(cast, kind: str, created: datetime) -> ReportSchedule:
    with clock.frozen_at(created):
        return reports.add_schedule(cast.leader, cast.tree.town, kind)


def test_the_worker_makes_last_week_s_report_after_monday_six_once_and_tells_its_creator(cast):
    schedule = _schedule(cast, "weekly", at(datetime(2026, 3, 4, 9)))  # a Wednesday
    with clock.frozen_at(at(datetime(2026, 3, 9, 5, 59))):  # Monday, before six
        assert reports.make_scheduled_reports() == ""
    with clock.frozen_at(at(datetime(2026, 3, 9, 6, 1))):
        assert reports.make_scheduled_reports() == "1 scheduled reports made"
        assert reports.make_scheduled_reports() == ""
    report = Report.objects.get()
    assert (report.first_on.isoformat(), report.last_on.isoformat()) == ("2026-03-02", "2026-03-08")
    assert report.schedule == schedule and report.is_scheduled and report.generated_by is None
    assert report.xlsx.read(2) == b"PK" and report.pdf.read(5) == b"%PDF-"
    notice = Notification.objects.get(user=cast.leader)
    assert notice.link == "/analytics/reports/"


def test_the_worker_makes_last_month_s_report_on_the_first_after_six(cast):
    _schedule(cast, "monthly", at(datetime(2026, 2, 20, 9)))
    with clock.frozen_at(at(datetime(2026, 3, 1, 6, 0))):
        reports.make_scheduled_reports()
    report = Report.objects.get()
    assert (report.first_on.isoformat(), report.last_on.isoformat()) == ("2026-02-01", "2026-02-28")


def test_two_workers_making_the_same_scheduled_report_store_it_once(cast):
    schedule = _schedule(cast, "weekly", at(datetime(2026, 3, 4, 9)))
    period = reports.period_of("weekly", datetime(2026, 3, 4).date())
    with clock.frozen_at(at(datetime(2026, 3, 9, 7))):
        content = reports.report_content(cast.tree.town, "weekly", period, clock.now())
        first = reports._store(content, None, schedule)
        second = reports._store(content, None, schedule)  # the other worker, a moment later
    assert first is not None and second is None
    assert Report.objects.count() == 1
    assert Notification.objects.filter(user=cast.leader).count() == 1


def test_a_removed_schedule_makes_no_more_reports(cast):
    schedule = _schedule(cast, "weekly", at(datetime(2026, 3, 4, 9)))
    reports.remove_schedule(cast.leader, schedule.pk)
    with clock.frozen_at(at(datetime(2026, 3, 9, 7))):
        assert reports.make_scheduled_reports() == ""
    assert not Report.objects.exists()


def test_only_leaders_and_administrators_schedule_reports(cast):
    with pytest.raises(reports.ReportRefused) as refused:
        reports.add_schedule(cast.dispatcher, cast.tree.town, "weekly")
    assert refused.value.field == "unit"
    reports.add_schedule(cast.administrator, cast.tree.town, "weekly")
    with pytest.raises(reports.ReportRefused) as twice:
        reports.add_schedule(cast.leader, cast.tree.town, "weekly")
    assert twice.value.field == "kind"
    assert ReportSchedule.objects.count() == 1


def test_a_district_report_is_quick(cast):
    """Not a timed assertion: prints the time (tests/perf holds the benchmark at scale)."""
    week = last_week()
    with during(week):
        for _n in range(5):
            drive_to(cast, CaseState.CLOSED)
    started = timer.perf_counter()
    reports.generate_report(cast.leader, cast.tree.district, "weekly", week)
    print(f"district weekly report, content + xlsx + PDF: {timer.perf_counter() - started:.2f}s")
