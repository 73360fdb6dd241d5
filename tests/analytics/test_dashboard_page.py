"""The dashboard: the figures of a unit's subtree in a period, beside the period before; only
units of the user's area; bad filters refused by field with 400."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from tests.cases.loop_helpers import IN_GRID_B, act, drive_to, file_case
from tests.clients import logged_in
from wangge.analytics import rollups
from wangge.analytics.figures import rates_of
from wangge.analytics.queries import Period, Scope, dashboard
from wangge.cases.models import Category
from wangge.cases.workflow import CaseState
from wangge.core import clock


def test_the_figures_count_the_cases_of_the_subtree_in_the_period(cast):
    declined = act(cast.dispatcher, file_case(cast.grid_worker_a), "decline", reason="不属实")
    closed = drive_to(cast, CaseState.CLOSED)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    today = clock.today()
    figures = dashboard(Scope(cast.tree.district), Period.last_days(7, today), clock.now())
    assert figures.by_state[CaseState.DECLINED] == 1 and figures.by_state[CaseState.CLOSED] == 1
    assert figures.totals["reported"] == 3 and figures.totals["closed"] == 1
    assert figures.figure("resolution_rate").value == 1.0
    assert sum(totals["reported"] for _day, totals in figures.trend) == 3
    assert sum(totals["closed_on_day"] for _day, totals in figures.trend) == 1
    assert figures.previous_totals["reported"] == 0
    # Grid B's case is not in grid A's figures.
    grid_a = dashboard(Scope(cast.tree.grid_a), Period.last_days(7, today), clock.now())
    assert grid_a.totals["reported"] == 2
    assert declined.state == CaseState.DECLINED and closed.state == CaseState.CLOSED


def test_a_period_before_the_cases_counts_nothing(cast):
    file_case(cast.grid_worker_a)
    today = clock.today()
    long_ago = Period(today - timedelta(days=60), today - timedelta(days=31))
    assert dashboard(Scope(cast.tree.district), long_ago, clock.now()).totals["reported"] == 0


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
    # Every figure is shown with its definition, beside the period before.
    from wangge.analytics.definitions import FIGURES

    for figure in FIGURES.values():
        assert f'data-figure="{figure.key}"' in html
        assert escape(str(figure.definition)) in html
    assert "in the period before" in html


def test_the_dashboard_reads_the_same_figures_before_and_after_a_rebuild(cast):
    drive_to(cast, CaseState.CLOSED)
    drive_to(cast, CaseState.HANDLING)
    client = logged_in(cast.leader)

    def shown() -> list[object]:
        context = client.get(reverse("analytics:dashboard")).context
        return [context[name] for name in ("rates", "others", "chart", "states", "ranking")]

    live = shown()
    rollups.rebuild()
    assert shown() == live


def test_a_long_period_shows_its_trend_by_month(cast):
    drive_to(cast, CaseState.CLOSED)
    today = clock.today()
    figures = dashboard(Scope(cast.tree.district), Period.last_days(200, today), clock.now())
    assert figures.trend_unit == "month"
    assert sum(totals["reported"] for _month, totals in figures.trend) == 1


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
    rollups.rebuild()

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


def test_the_dashboard_page_stays_within_its_query_budget(cast, django_assert_max_num_queries):
    drive_to(cast, CaseState.CLOSED)
    client = logged_in(cast.leader)
    client.get(reverse("analytics:dashboard"))
    # 20 for the page and the case figures; 12 for the other apps' three figures (two periods).
    with django_assert_max_num_queries(32):
        assert client.get(reverse("analytics:dashboard")).status_code == 200


def test_the_dashboard_narrows_to_one_department_and_one_category(cast):
    from wangge.cases.models import Case

    drive_to(cast, CaseState.CLOSED)
    case = Case.objects.get()
    client = logged_in(cast.leader)
    own = client.get(
        reverse("analytics:dashboard"),
        {"department": case.department.code, "category": case.category.code},
    )
    assert own.status_code == 200
    assert own.context["reported"] == 1
    assert own.context["figures"].scope.department == case.department
    other_category = (
        Category.objects.exclude(pk=case.category_id).exclude(children=case.category).first()
    )
    other = client.get(reverse("analytics:dashboard"), {"category": other_category.code})
    assert other.status_code == 200
    assert other.context["reported"] == 0


def test_an_unknown_department_or_category_is_refused_by_field(cast):
    client = logged_in(cast.leader)
    response = client.get(reverse("analytics:dashboard"), {"department": "nope", "category": "x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"department", "category"}
