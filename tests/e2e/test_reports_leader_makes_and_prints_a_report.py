"""A leader, on a phone, makes last week's report of 环市街道, finds it among the stored reports
with its Excel and PDF downloads, and opens its printable page (figures, the chart drawn as
SVG, the definitions); then schedules a monthly report. No step scrolls sideways; each is saved
as a screenshot. UI text is Chinese: steps find elements by name, id and data attributes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.analytics.test_reports import during, last_week
from tests.cases.loop_helpers import drive_to
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.analytics.models import Report, ReportSchedule
from wangge.cases.workflow import CaseState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_leader_makes_prints_and_schedules_a_report_by_phone(
    live_server, cast, open_page, screenshot
):
    week = last_week()
    with during(week):
        drive_to(cast, CaseState.CLOSED)
        drive_to(cast, CaseState.HANDLING)
    give_password(cast.leader)
    page: Any = open_page(PHONE)
    log_in(page, live_server.url, cast.leader.username, reverse("analytics:reports"))
    assert page.evaluate("() => document.documentElement.lang").startswith("zh")
    assert_no_horizontal_scroll(page)
    screenshot(page, "reports")

    page.select_option("#id_unit", cast.tree.town.code)
    page.fill("#id_period", week.first.isoformat())
    with page.expect_navigation():
        page.click("form[action$='generate/'] button[type=submit]")
    report = Report.objects.get()
    row = page.locator(f"#report-{report.pk}")
    assert row.locator("a[href$='.xlsx']").count() == 1
    assert row.locator("a[href$='.pdf']").count() == 1
    assert_no_horizontal_scroll(page)
    screenshot(page, "made")

    with page.expect_navigation():
        row.locator("a[href*='/view?']").click()
    page.wait_for_selector(".report-chart rect", state="attached")
    assert page.locator(".report").get_attribute("data-unit") == cast.tree.town.code
    assert page.locator("[data-figure=resolution_rate]").count() >= 1
    assert page.locator("#report-definitions").count() == 1
    assert_no_horizontal_scroll(page)
    screenshot(page, "printable")

    page.goto(live_server.url + reverse("analytics:reports"))
    page.select_option("form[action$='schedules/'] select[name=unit]", cast.tree.town.code)
    page.select_option("form[action$='schedules/'] select[name=kind]", "monthly")
    with page.expect_navigation():
        page.click("form[action$='schedules/'] button[type=submit]")
    schedule = ReportSchedule.objects.get()
    assert (schedule.unit, schedule.kind) == (cast.tree.town, "monthly")
    assert page.locator(f"#schedule-{schedule.pk}").count() == 1
    assert_no_horizontal_scroll(page)
    screenshot(page, "scheduled")
