"""The other apps' figures (canvass coverage, care visits on time, agreements fulfilled): each
counted by its definition from its app's rows, for the scope's areas only, on the dashboard and
in the API beside the case figures; none for one department's or category's scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from ninja.testing import TestClient

from tests.campaigns.helpers import opened, street, visit
from tests.claims.helpers import agreement, member_unit
from tests.people.helpers import person_in, tag_kind
from wangge.analytics.api.figures import router
from wangge.analytics.definitions import FIGURES
from wangge.analytics.queries import Period, Reader, Scope, area_figure_values
from wangge.campaigns.models import Target
from wangge.claims.models import Agreement, AgreementState
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind
from wangge.people.services import give_tag
from wangge.people.services.care import record_visit

pytestmark = pytest.mark.django_db
client = TestClient(router)
TODAY = date(2026, 6, 30)


def values(unit, first: date, last: date, *, department=None) -> dict[str, tuple]:
    reader = Reader(Scope(unit, department=department))
    return {
        item.figure.key: (item.value, item.counts)
        for item in area_figure_values(reader, Period(first, last), TODAY)
    }


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def test_the_three_figures_are_defined_once_with_their_definitions():
    for key in (
        "canvass_coverage",
        "care_visits_on_time",
        "agreements_fulfilled",
        "first_reports_on_time",
    ):
        figure = FIGURES[key]
        assert figure.compute is not None
        assert str(figure.definition).startswith(str(figure.label))


def test_canvass_coverage_is_the_share_of_targets_visited_by_the_period_end(cast):
    tree = cast.tree
    street(tree.grid_a, 4)
    campaign = opened(cast.community_staff, tree.community, units=[tree.grid_a])
    targets = list(Target.objects.filter(campaign=campaign).order_by("pk"))
    assert len(targets) == 4
    visit(cast.grid_worker_a, targets[0], visited_at=at(date(2026, 3, 2)))
    visit(cast.grid_worker_a, targets[1], visited_at=at(date(2026, 3, 20)))
    visit(cast.grid_worker_a, targets[1], visited_at=at(date(2026, 3, 21)))  # a revisit
    march = values(tree.community, date(2026, 3, 1), date(2026, 3, 10))
    assert march["canvass_coverage"] == (0.25, (1, 4))
    later = values(tree.district, date(2026, 3, 1), date(2026, 3, 31))
    assert later["canvass_coverage"] == (0.5, (2, 4))
    # Another subtree has no targets: nothing to rate.
    other = OrgUnit.objects.filter(kind=UnitKind.COMMUNITY).exclude(pk=tree.community.pk).first()
    if other is not None:
        assert values(other, date(2026, 3, 1), date(2026, 3, 31))["canvass_coverage"] == (
            None,
            (0, 0),
        )


def test_care_visits_count_each_due_day_once_on_time_late_or_missed(cast):
    tree = cast.tree
    person = person_in(tree.grid_a, "陈玉兰")
    give_tag(None, person, tag_kind(visit_every_days=7), since=date(2026, 6, 1))
    # Due 6-08: visited 6-06 (on time). Due 6-13: visited 6-16 (late). Due 6-23: never (late).
    record_visit(cast.grid_worker_a, person, outcome="well", visited_at=at(date(2026, 6, 6)))
    record_visit(cast.grid_worker_a, person, outcome="well", visited_at=at(date(2026, 6, 16)))
    assert values(tree.community, date(2026, 6, 1), date(2026, 6, 30))["care_visits_on_time"] == (
        pytest.approx(1 / 3),
        (1, 3),
    )
    assert values(tree.community, date(2026, 6, 1), date(2026, 6, 10))["care_visits_on_time"][
        1
    ] == (1, 1)
    # A due day after today is not counted yet.
    assert values(tree.community, date(2026, 7, 1), date(2026, 7, 31))["care_visits_on_time"][
        1
    ] == (0, 0)


def test_the_most_frequent_tag_sets_the_interval_and_a_same_day_visit_counts_once(cast):
    person = person_in(cast.tree.grid_a, "李伯")
    give_tag(None, person, tag_kind(visit_every_days=30), since=date(2026, 6, 1))
    give_tag(
        None, person, tag_kind("disabled", "残疾人", visit_every_days=10), since=date(2026, 6, 1)
    )
    record_visit(cast.grid_worker_a, person, outcome="well", visited_at=at(date(2026, 6, 9)))
    record_visit(cast.grid_worker_a, person, outcome="well", visited_at=at(date(2026, 6, 9)))
    record_visit(cast.grid_worker_a, person, outcome="well", visited_at=at(date(2026, 6, 19)))
    # Due 6-11 (visited 6-09), 6-19 (visited 6-19), 6-29 (missed).
    assert values(cast.tree.community, date(2026, 6, 1), date(2026, 6, 30))["care_visits_on_time"][
        1
    ] == (2, 3)


def test_agreements_fulfilled_by_their_end_date_of_those_ending_in_the_period(cast):
    unit = member_unit(cast)
    made = [agreement(cast, unit, title=f"需求{n}") for n in range(4)]
    june = date(2026, 6, 15)
    Agreement.objects.filter(pk__in=[a.pk for a in made]).update(starts_on=date(2026, 5, 1))
    Agreement.objects.filter(pk=made[0].pk).update(
        ends_on=june, state=AgreementState.FULFILLED, fulfilled_at=at(june - timedelta(days=2))
    )
    Agreement.objects.filter(pk=made[1].pk).update(
        ends_on=june, state=AgreementState.FULFILLED, fulfilled_at=at(june + timedelta(days=3))
    )
    Agreement.objects.filter(pk=made[2].pk).update(ends_on=june)  # not fulfilled
    Agreement.objects.filter(pk=made[3].pk).update(ends_on=june, state=AgreementState.CANCELLED)
    figures = values(cast.tree.town, date(2026, 6, 1), date(2026, 6, 30))
    assert figures["agreements_fulfilled"][1] == (1, 3)
    assert values(cast.tree.town, date(2026, 5, 1), date(2026, 5, 31))["agreements_fulfilled"][
        1
    ] == (0, 0)


def test_a_department_scope_has_no_value_for_them(cast):
    department = OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT).first()
    figures = values(cast.tree.district, date(2026, 6, 1), date(2026, 6, 30), department=department)
    assert {key: value for key, (value, _counts) in figures.items()} == {
        "canvass_coverage": None,
        "care_visits_on_time": None,
        "agreements_fulfilled": None,
        "first_reports_on_time": None,
    }


def test_the_api_and_the_dashboard_show_them_with_their_definitions(cast):
    from tests.clients import logged_in

    response = client.get("/analytics/figures", user=cast.leader)
    by_key = {item["key"]: item for item in response.json()["figures"]}
    assert by_key["canvass_coverage"]["definition"] == str(FIGURES["canvass_coverage"].definition)
    assert by_key["care_visits_on_time"]["series"] == []
    page = logged_in(cast.leader).get("/analytics/").content.decode()
    assert str(FIGURES["agreements_fulfilled"].definition) in page
