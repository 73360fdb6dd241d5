"""The analytics reports part of the authorization table's world (tests/security/world.py):
its objects and secrets, how its routes' path parameters are filled, and (optionally) ROUTE_BODIES,
REFUSED_AS_INVALID, OWN_TABLES, PUBLIC, VISIBLE_TO_EVERY_ROLE and OWN_ROWS entries for its
routes, merged into the table's own (tests/security/test_authorization_table.py); `pages(ids)`
lists the app's pages for the every-page sweep (tests/e2e/test_every_page.py) as (name, account,
path, selector to wait for or "").

The world's part: a case filed in grid A last week and still waiting (so overdue at the week's
end) whose title is a secret, last week's stored report of 环市街道 (its workbook and PDF list
that title) made by the district's leader, and a monthly schedule of 环市街道. Reports hold no
personal data, but another subtree's users must not list, download or schedule them: a report
or schedule of ours is a 404 to them, and making one of 环市街道 is refused as an invalid
choice of `unit` (422 in the API, 400 beside the field on the page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse

from tests.analytics.test_reports import during, last_week
from tests.cases.loop_helpers import file_case
from wangge.analytics import reports
from wangge.core import clock

PARAM_SOURCES: dict[str, str] = {
    "schedule_id": "analytics_report_schedule_id",
}
# `report_id` names an information report under info-reports/ (tests/info_reports).
SOURCE_BY_ROUTE: dict[tuple[str, str], str] = {
    ("analytics/*", "report_id"): "analytics_report_id",
    ("api/v1/analytics/*", "report_id"): "analytics_report_id",
}

_TOWN = "440703006000"  # 环市街道 of the conftest tree
ROUTE_BODIES: dict[str, dict[str, Any]] = {
    "api/v1/analytics/reports": {
        "unit": _TOWN,
        "kind": "weekly",
        "period": (clock.today() - timedelta(days=7)).isoformat(),
    },
}
REFUSED_AS_INVALID: dict[str, str] = {
    "POST api/v1/analytics/reports": "unit: only the caller's own area units",
}

SECRET_TITLE = "秘密报表超期事件"


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    week = last_week()
    with during(week, day=1):
        file_case(cast.grid_worker_a, title=SECRET_TITLE, description="秘密报表事件描述")
    report = reports.generate_report(cast.leader, cast.tree.town, "weekly", week)
    with clock.frozen_at(clock.now()):
        schedule = reports.add_schedule(cast.leader, cast.tree.town, "monthly")
    # "case …": Open311 publishes every case's title and description (PUBLISHED in the table).
    secrets["case in last week's report, title"] = SECRET_TITLE
    secrets["case in last week's report, description"] = "秘密报表事件描述"
    return {"analytics_report_id": report.pk, "analytics_report_schedule_id": schedule.pk}


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    view = reverse("analytics:report_view")
    week = reports.period_name("weekly", last_week())
    return [
        ("reports", "leader", reverse("analytics:reports"), ""),
        ("report-view", "leader", f"{view}?unit={_TOWN}&kind=weekly&period={week}", ".report"),
        ("report-view-form", "leader", view, ""),
    ]
