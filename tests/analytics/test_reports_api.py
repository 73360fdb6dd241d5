"""The reports API: list the stored reports of one's area, make one (201 with its links),
download its files (audited); refusals 422 naming the field, another subtree's report 404."""

from __future__ import annotations

from tests.analytics.test_reports import last_week
from tests.cases.loop_helpers import add_person
from tests.clients import logged_in
from wangge.analytics import reports
from wangge.analytics.models import Report
from wangge.core.models import AuditEntry
from wangge.org.roles import Role

URL = "/api/v1/analytics/reports"


def test_a_leader_makes_a_report_and_downloads_it_through_the_api(cast):
    client = logged_in(cast.leader)
    week = last_week()
    made = client.post(
        URL,
        {"unit": cast.tree.town.code, "kind": "weekly", "period": week.first.isoformat()},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    report = Report.objects.get()
    assert body["id"] == report.pk and body["first"] == week.first.isoformat()
    assert body["links"]["xlsx"] == f"{URL}/{report.pk}/xlsx"
    assert body["links"]["page"].startswith("/analytics/reports/view?unit=")
    listed = client.get(URL, {"unit": cast.tree.town.code}).json()
    assert [item["id"] for item in listed] == [report.pk]
    assert client.get(f"{URL}/{report.pk}").json()["period"] == body["period"]
    pdf = client.get(body["links"]["pdf"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    assert AuditEntry.objects.filter(action="analytics.report_downloaded").count() == 1


def test_refusals_name_the_field(cast):
    client = logged_in(cast.leader)
    for given, field in (
        ({"unit": cast.tree.grid_c.code, "kind": "weekly", "period": "2026-03-02"}, "unit"),
        ({"unit": cast.tree.town.code, "kind": "weekly", "period": "2026-13-01"}, "period"),
        ({"unit": cast.tree.town.code, "kind": "yearly", "period": "2026-03-02"}, "kind"),
        ({"unit": cast.tree.town.code, "kind": "weekly"}, "period"),
    ):
        answer = client.post(URL, given, content_type="application/json")
        assert answer.status_code == 422, (given, answer.content)
        assert answer.json()["detail"][0]["loc"][-1] == field, answer.json()
    assert not Report.objects.exists()


def test_another_subtree_gets_404_for_our_report(cast):
    report = reports.generate_report(cast.leader, cast.tree.town, "weekly", last_week())
    other = logged_in(add_person("other_leader", cast.tree.other_town, Role.LEADER))
    assert other.get(URL).json() == []
    for path in (f"{URL}/{report.pk}", f"{URL}/{report.pk}/xlsx", f"{URL}/{report.pk}/pdf"):
        assert other.get(path).status_code == 404
    made = other.post(
        URL,
        {"unit": cast.tree.town.code, "kind": "weekly", "period": "2026-03-02"},
        content_type="application/json",
    )
    assert made.status_code == 422 and made.json()["detail"][0]["loc"] == ["body", "unit"]
