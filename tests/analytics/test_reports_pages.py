"""The reports pages: make a report now, the stored reports of one's area with their downloads
(audited), the printable page, and the schedules. Refusals by field with 400; another
subtree's report or schedule is a 404."""

from __future__ import annotations

from django.urls import reverse

from tests.analytics.test_reports import during, last_month, last_week
from tests.cases.loop_helpers import add_person, drive_to
from tests.clients import logged_in
from wangge.analytics import reports
from wangge.analytics.models import Report, ReportSchedule
from wangge.cases.workflow import CaseState
from wangge.core.models import AuditEntry
from wangge.org.roles import Role


def _other_leader(cast):
    return add_person("other_leader", cast.tree.other_town, Role.LEADER)


def _generated(cast, unit=None, kind="weekly"):
    period = last_week() if kind == "weekly" else last_month()
    return reports.generate_report(cast.leader, unit or cast.tree.town, kind, period)


def test_a_leader_makes_a_report_and_downloads_its_workbook_and_pdf(cast):
    week = last_week()
    with during(week):
        drive_to(cast, CaseState.CLOSED)
    client = logged_in(cast.leader)
    page = client.get(reverse("analytics:reports"))
    assert page.status_code == 200 and "Make the report" in page.content.decode()
    made = client.post(
        reverse("analytics:report_generate"),
        {"unit": cast.tree.town.code, "kind": "weekly", "period": week.first.isoformat()},
    )
    report = Report.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"#report-{report.pk}")
    assert (report.unit, report.first_on, report.generated_by) == (
        cast.tree.town,
        week.first,
        cast.leader,
    )
    listed = client.get(reverse("analytics:reports")).content.decode()
    assert reverse("analytics:report_xlsx", args=[report.pk]) in listed
    xlsx = client.get(reverse("analytics:report_xlsx", args=[report.pk]))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = client.get(reverse("analytics:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    downloads = AuditEntry.objects.filter(action="analytics.report_downloaded")
    assert sorted(entry.data["format"] for entry in downloads) == ["pdf", "xlsx"]
    assert {entry.actor for entry in downloads} == {cast.leader}
    assert AuditEntry.objects.filter(action="analytics.report_generated").count() == 1


def test_a_bad_request_for_a_report_is_refused_beside_its_field(cast):
    client = logged_in(cast.leader)
    url = reverse("analytics:report_generate")
    for given, field in (
        ({"unit": cast.tree.town.code, "kind": "weekly", "period": "soon"}, "period"),
        ({"unit": cast.tree.town.code, "kind": "daily", "period": "2026-03-02"}, "kind"),
        ({"unit": cast.tree.grid_a.code, "kind": "weekly", "period": "2026-03-02"}, "unit"),
        ({"unit": cast.tree.town.code, "kind": "monthly", "period": "2026-W10"}, "period"),
    ):
        answer = client.post(url, given)
        assert answer.status_code == 400, given
        assert answer.context["form"].errors.get(field), (given, answer.context["form"].errors)
    assert not Report.objects.exists()


def test_another_subtree_neither_lists_nor_downloads_nor_makes_our_reports(cast):
    report = _generated(cast)
    other = logged_in(_other_leader(cast))
    listed = other.get(reverse("analytics:reports")).content.decode()
    assert reverse("analytics:report_xlsx", args=[report.pk]) not in listed
    for name in ("analytics:report_xlsx", "analytics:report_pdf"):
        assert other.get(reverse(name, args=[report.pk])).status_code == 404
    answer = other.post(
        reverse("analytics:report_generate"),
        {"unit": cast.tree.town.code, "kind": "weekly", "period": last_week().first.isoformat()},
    )
    assert answer.status_code == 400 and answer.context["form"].errors["unit"]
    assert not AuditEntry.objects.filter(action="analytics.report_downloaded").exists()
    assert Report.objects.count() == 1


def test_a_user_without_areas_has_no_reports_page(cast):
    assert logged_in(cast.grid_worker_a).get(reverse("analytics:reports")).status_code == 403


def test_the_printable_page_shows_every_figure_with_its_definition(cast):
    week = last_week()
    with during(week):
        drive_to(cast, CaseState.CLOSED)
    client = logged_in(cast.leader)
    url = reverse("analytics:report_view")
    page = client.get(url, {"unit": cast.tree.town.code, "kind": "weekly", "period": "x"})
    assert page.status_code == 400 and page.context["form"].errors["period"]
    page = client.get(
        url, {"unit": cast.tree.town.code, "kind": "weekly", "period": week.first.isoformat()}
    )
    html = page.content.decode()
    assert page.status_code == 200
    from django.utils.html import escape

    from wangge.analytics.definitions import FIGURES

    for figure in FIGURES.values():
        assert escape(str(figure.definition)) in html
    assert "<svg" in html and "data-print" in html and "<script>" not in html
    assert not Report.objects.exists()  # looking stores nothing
    assert client.get(url).status_code == 200  # no question: the form


def test_a_leader_adds_and_removes_a_schedule_and_others_cannot(cast):
    client = logged_in(cast.leader)
    added = client.post(
        reverse("analytics:report_schedules"), {"unit": cast.tree.town.code, "kind": "monthly"}
    )
    assert added.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert (schedule.unit, schedule.kind, schedule.created_by) == (
        cast.tree.town,
        "monthly",
        cast.leader,
    )
    twice = client.post(
        reverse("analytics:report_schedules"), {"unit": cast.tree.town.code, "kind": "monthly"}
    )
    assert twice.status_code == 400 and twice.context["schedule_form"].errors["kind"]
    remove = reverse("analytics:report_schedule_remove", args=[schedule.pk])
    # A dispatcher sees the district's reports but keeps no schedule; another subtree sees none.
    assert logged_in(cast.dispatcher).post(remove).status_code == 403
    assert logged_in(_other_leader(cast)).post(remove).status_code == 404
    dispatcher_add = logged_in(cast.dispatcher).post(
        reverse("analytics:report_schedules"), {"unit": cast.tree.town.code, "kind": "weekly"}
    )
    assert dispatcher_add.status_code == 403
    assert ReportSchedule.objects.get().is_active
    assert client.post(remove).status_code == 302
    assert not ReportSchedule.objects.get().is_active
    assert AuditEntry.objects.filter(action__startswith="analytics.report_").count() == 2
