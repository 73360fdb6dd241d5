"""The dashboard: the figures of a unit's subtree in a period, beside the period before; only
units of the user's area; bad filters refused by field with 400."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.cases.loop_helpers import IN_GRID_B, act, drive_to, file_case
from tests.clients import logged_in
from wangge.analytics.figures import Period, cases_of, dashboard, rates_of
from wangge.cases.workflow import CaseState
from wangge.core import clock


def test_the_figures_count_the_cases_of_the_subtree_in_the_period(cast):
    declined = act(cast.dispatcher, file_case(cast.grid_worker_a), "decline", reason="不属实")
    closed = drive_to(cast, CaseState.CLOSED)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    today = timezone.localdate(clock.now())
    figures = dashboard(cast.tree.district, Period.last_days(7, today), clock.now())
    assert figures.by_state[CaseState.DECLINED] == 1 and figures.by_state[CaseState.CLOSED] == 1
    assert figures.rates.reported == 3 and figures.rates.closed == 1
    assert figures.rates.resolution_rate == 1.0
    assert sum(reported for _day, reported, _closed in figures.daily) == 3
    assert sum(closed_count for _day, _reported, closed_count in figures.daily) == 1
    assert figures.previous.reported == 0
    # Grid B's case is not in grid A's figures.
    grid_a = dashboard(cast.tree.grid_a, Period.last_days(7, today), clock.now())
    assert grid_a.rates.reported == 2
    assert {declined.pk, closed.pk} <= set(cases_of(cast.tree.grid_a).values_list("pk", flat=True))


def test_a_period_before_the_cases_counts_nothing(cast):
    file_case(cast.grid_worker_a)
    today = timezone.localdate(clock.now())
    long_ago = Period(today - timedelta(days=60), today - timedelta(days=31))
    assert dashboard(cast.tree.district, long_ago, clock.now()).rates.reported == 0


def test_merged_duplicates_are_not_counted_in_the_rates(cast):
    master = file_case(cast.grid_worker_a)
    act(cast.dispatcher, file_case(cast.grid_worker_a), "merge", master=master.number)
    from wangge.cases.models import Case

    assert rates_of(Case.objects.all()).reported == 1


def test_a_leader_sees_the_dashboard_with_rates_ranking_and_definitions(cast):
    drive_to(cast, CaseState.CLOSED)
    page = logged_in(cast.leader).get(reverse("analytics:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Resolution rate: cases closed as resolved, of the cases closed." in html
    assert "100.0%" in html
    assert "Ranking of the units below" in html and "dashboard-data" in html


def test_bad_filters_are_refused_by_field(cast):
    client = logged_in(cast.leader)
    url = reverse("analytics:dashboard")
    assert client.get(url, {"first": "2026-13-01"}).status_code == 400
    response = client.get(url, {"first": "2026-11-10", "last": "2026-11-01"})
    assert (
        response.status_code == 400
        and "The last day is before the first." in response.content.decode()
    )
    assert client.get(url, {"unit": "NOWHERE"}).status_code == 400
    assert client.get(url, {"first": "2020-01-01", "last": "2026-01-01"}).status_code == 400


def test_a_unit_outside_the_area_cannot_be_chosen(cast):
    # The grid worker's area is one grid: no town or community to show, so no dashboard.
    assert logged_in(cast.grid_worker_a).get(reverse("analytics:dashboard")).status_code == 403
    assert Client().get(reverse("analytics:dashboard")).status_code == 302


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_cases(cast):
    def queries_with(count: int) -> int:
        for _ in range(count):
            file_case(cast.grid_worker_a)
        client = logged_in(cast.leader)
        client.get(reverse("analytics:dashboard"))
        with CaptureQueriesContext(connection) as captured:
            client.get(
                reverse("analytics:dashboard"), {"first": str(date.today() - timedelta(days=3))}
            )
        return len(captured.captured_queries)

    assert queries_with(1) == queries_with(6)
