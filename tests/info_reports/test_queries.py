"""The figures analytics reads: first reports on time out of those due in a period, and late
ones, by the reporting unit's area."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.info_reports.helpers import T0, at, first_report
from wangge.info_reports.queries import first_report_counts, late_or_missing

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


@pytest.fixture
def reports(cast):
    with at(T0):
        first_report(cast.grid_worker_a, known_minutes_ago=10)  # on time
        first_report(cast.grid_worker_a, known_minutes_ago=90)  # late
        first_report(cast.community_staff, known_minutes_ago=5)  # on time, the community
    with at(T0 + timedelta(days=3)):
        first_report(cast.grid_worker_a, known_minutes_ago=10)  # another period


def test_first_report_counts_everywhere(reports):
    assert first_report_counts(None, DAY, DAY) == (2, 3)
    assert first_report_counts(None, DAY, DAY + timedelta(days=5)) == (3, 4)
    assert late_or_missing(None, DAY, DAY) == 1


def test_first_report_counts_by_area(reports, cast):
    assert first_report_counts({cast.tree.community.pk}, DAY, DAY) == (2, 3)
    assert first_report_counts({cast.tree.grid_a.pk}, DAY, DAY) == (1, 2)
    assert first_report_counts({cast.tree.other_community.pk}, DAY, DAY) == (0, 0)
    assert first_report_counts(set(), DAY, DAY) == (0, 0)
    assert late_or_missing({cast.tree.grid_b.pk}, DAY, DAY) == 0
    assert late_or_missing({cast.tree.town.pk}, DAY, DAY) == 1


def test_days_are_local_days(cast):
    late_evening = T0.replace(hour=23, minute=30)
    with at(late_evening):
        first_report(cast.grid_worker_a, known_minutes_ago=0)  # due 00:30 the next day
    assert first_report_counts(None, DAY, DAY) == (0, 0)
    assert first_report_counts(None, DAY + timedelta(days=1), DAY + timedelta(days=1)) == (1, 1)


def test_the_dashboard_figure_reads_them_for_the_scope(reports, cast):
    from wangge.analytics.queries import Period, Reader, Scope, area_figure_values

    reader = Reader(Scope(cast.tree.community))
    values = {
        item.figure.key: item
        for item in area_figure_values(reader, Period(DAY, DAY), DAY + timedelta(days=10))
    }
    assert values["first_reports_on_time"].counts == (2, 3)
    assert values["first_reports_on_time"].value == pytest.approx(2 / 3)
