"""Every role figure against hand-built cases, driven through the real case services at frozen
moments of March 2026 (office hours 08:30–12:00 and 14:00–17:30; 路灯 is dispatched within one
working hour and handled within three working days; verification within 8 working hours)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.campaigns.helpers import opened, street, visit
from tests.evaluation.conftest import MARCH
from wangge.analytics.definitions import ROLE_FIGURES, RoleSubject
from wangge.analytics.queries import Period
from wangge.analytics.role_figures import role_measures
from wangge.campaigns.models import Target
from wangge.core import clock
from wangge.people.queries import care_visit_timeliness


def value(key, measures):
    return ROLE_FIGURES[key].value(measures)


def test_grid_worker_valid_reports_and_on_time_verification(cast, story):
    gw = cast.grid_worker_a
    measures = role_measures(RoleSubject.GRID_WORKER, [gw.pk], MARCH)[gw.pk]
    assert (measures["reports"], measures["reports_decided"], measures["reports_valid"]) == (
        4,
        3,
        2,
    )
    assert value("valid_report_rate", measures) == pytest.approx(2 / 3)
    assert value("valid_reports", measures) == 2
    # One verify on time, one failure two days late, one verify an hour after finishing.
    assert (measures["verifications"], measures["verifications_on_time"]) == (3, 2)
    assert value("on_time_verification_rate", measures) == pytest.approx(2 / 3)


def test_dispatcher_on_time_and_accurate_dispatch(cast, story):
    dispatcher = cast.dispatcher
    measures = role_measures(RoleSubject.DISPATCHER, [dispatcher.pk], MARCH)[dispatcher.pk]
    # Four dispatches: one, two (late, returned), two again, deferred.
    assert measures["dispatches"] == 4
    assert measures["dispatches_on_time"] == 3
    assert measures["dispatches_kept"] == 3
    assert value("on_time_dispatch_rate", measures) == pytest.approx(0.75)
    assert value("accurate_dispatch_rate", measures) == pytest.approx(0.75)


def test_department_handling_closure_and_rework(cast, story):
    unit = cast.tree.department
    measures = role_measures(RoleSubject.DEPARTMENT, [unit.pk], MARCH)[unit.pk]
    assert measures["dispatched"] == 3  # one, two, deferred
    assert (measures["handled"], measures["handled_on_time"]) == (2, 1)
    assert (measures["handled_ever"], measures["reworked"]) == (2, 1)
    assert measures["closed"] == 1
    assert value("department_on_time_handling_rate", measures) == pytest.approx(0.5)
    assert value("department_closure_rate", measures) == pytest.approx(1 / 3)
    assert value("department_rework_rate", measures) == pytest.approx(0.5)


def test_on_time_closure_leaves_out_deferred_cases(cast, story):
    tree = cast.tree
    units = [tree.department.pk, tree.community.pk, tree.grid_b.pk]
    measures = role_measures(RoleSubject.UNIT, units, MARCH)
    for pk in (tree.department.pk, tree.community.pk):
        got = measures[pk]
        assert (got["due"], got["deferred"], got["due_not_deferred"]) == (3, 1, 2)
        assert got["closed_on_time"] == 1
        assert value("on_time_closure_rate", got) == pytest.approx(0.5)
    assert measures[tree.grid_b.pk]["due"] == 0
    assert value("on_time_closure_rate", measures[tree.grid_b.pk]) is None


def test_outside_the_period_nothing_counts(cast, story):
    april = Period(date(2026, 4, 1), date(2026, 4, 30))
    gw, dispatcher = cast.grid_worker_a, cast.dispatcher
    assert role_measures(RoleSubject.GRID_WORKER, [gw.pk], april)[gw.pk]["reports"] == 0
    assert role_measures(RoleSubject.DISPATCHER, [dispatcher.pk], april)[dispatcher.pk] == {}


def test_an_excluded_case_leaves_exactly_its_subjects_figures(cast, story):
    one = story["one"]
    gw_a, gw_b = cast.grid_worker_a, cast.grid_worker_b
    tree = cast.tree
    excluded = {gw_a.pk: {one.pk}, tree.department.pk: {one.pk}}
    workers = role_measures(RoleSubject.GRID_WORKER, [gw_a.pk, gw_b.pk], MARCH, excluded)
    assert (workers[gw_a.pk]["reports"], workers[gw_a.pk]["reports_valid"]) == (3, 1)
    assert workers[gw_a.pk]["verifications"] == 2
    units = role_measures(
        RoleSubject.UNIT, [tree.department.pk, tree.community.pk], MARCH, excluded
    )
    assert units[tree.department.pk]["due"] == 2
    assert units[tree.community.pk]["due"] == 3  # the community did not appeal
    dispatcher = role_measures(RoleSubject.DISPATCHER, [cast.dispatcher.pk], MARCH, excluded)
    assert dispatcher[cast.dispatcher.pk]["dispatches"] == 4


def test_canvass_coverage_counts_the_workers_own_targets(cast):
    street(cast.tree.grid_a, 4)
    campaign = opened(cast.community_staff, cast.tree.community)
    mine = list(Target.objects.filter(campaign=campaign, assignee=cast.grid_worker_a))
    assert len(mine) == 4
    visit(cast.grid_worker_a, mine[0])
    today = clock.today()
    period = Period(today - timedelta(days=3), today)
    gw = cast.grid_worker_a
    measures = role_measures(RoleSubject.GRID_WORKER, [gw.pk], period, today=today)[gw.pk]
    assert (measures["canvass_visited"], measures["canvass_assigned"]) == (1, 4)
    assert value("worker_canvass_coverage", measures) == pytest.approx(0.25)


def test_care_visits_on_time_are_those_of_the_workers_grid(cast):
    today = clock.today()
    period = Period(today - timedelta(days=30), today)
    gw = cast.grid_worker_a
    measures = role_measures(RoleSubject.GRID_WORKER, [gw.pk], period, today=today)[gw.pk]
    expected = care_visit_timeliness({cast.tree.grid_a.pk}, period.first, period.last, today)
    assert (measures["care_on_time"], measures["care_due"]) == expected
