"""The demo's information reports: made once through the services, after the rest of the demo
(the loader calls `load_demo_info_reports` with the community work)."""

from __future__ import annotations

import pytest

from tests.clients import logged_in
from wangge.core.models import User
from wangge.demo.info_reports import FIRE_TITLE, load_demo_info_reports
from wangge.demo.loader import load_demo
from wangge.info_reports.models import InfoReport, Receipt, ReportState

pytestmark = pytest.mark.django_db


def test_the_demo_reports_are_made_once_and_open_for_the_demo_accounts(capsys):
    load_demo()
    assert InfoReport.objects.exists()
    assert load_demo_info_reports() == 0  # made once: loading the demo again adds nothing
    reports = {r.title: r for r in InfoReport.objects.all()}
    assert len(reports) == 4
    fire = reports[FIRE_TITLE]
    assert not fire.is_late and fire.requests.filter(fulfilled_at__isnull=True).exists()
    assert next(r for r in reports.values() if r.is_late).minutes_late > 0
    assert Receipt.objects.filter(signed_at__isnull=True).count() == 2  # gas leak, fallen tree
    assert {r.state for r in reports.values()} >= {ReportState.CLOSED, ReportState.REPORTED}
    worker = logged_in(User.objects.get(username="gridworker"))
    dispatcher = logged_in(User.objects.get(username="dispatcher"))
    assert worker.get(f"/info-reports/{fire.pk}/").status_code == 200
    assert dispatcher.get("/info-reports/received/?unsigned=1").status_code == 200
