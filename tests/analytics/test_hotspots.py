"""Hot spots: a place and category well above its usual level is listed, a steady one is not;
problems spread over grids show at the community, over leaves at the class; a busy address is
a hot spot of its own; the cases behind a hot spot are the user's to see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.analytics.hotspot_helpers import (
    CLASS,
    LEAF,
    SIBLING,
    TODAY,
    WEEK,
    file_on,
    history,
    weeks_before,
)
from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY, IN_GRID_B, IN_GRID_C
from wangge.analytics import rollups
from wangge.analytics.hotspots import (
    HotSpotNotFound,
    Rule,
    baseline_periods,
    cases_behind,
    category_by_code,
    hot_spots,
    place_for_user,
)
from wangge.analytics.queries import Period, Scope


def _found(result) -> dict[tuple[str, str, str], object]:
    return {(s.place.kind, s.place.label, s.category.code): s for s in result.spots}


def test_a_place_well_above_its_usual_level_is_hot_and_a_steady_one_is_not(cast):
    history(cast, per_week=2)  # grid A's street lights: two a week
    file_on(cast, TODAY, count=2)  # and two this week: steady
    file_on(cast, TODAY, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, count=4)  # new in grid B
    result = hot_spots(Scope(cast.tree.district), WEEK)
    assert result.has_history and len(result.baselines) == 8
    found = _found(result)
    hot = found[("grid", cast.tree.grid_b.name, GRID_ENTRY_CATEGORY)]
    assert hot.actual == 4 and hot.expected == 0 and hot.ratio is None
    assert hot.baseline == (0,) * 8 and hot.score == 4.0
    assert not any(key[2] in (LEAF, CLASS) for key in found)
    # One problem is listed once: grid B's, not again at its community, town or class.
    assert len(found) == 1


def test_usual_level_is_the_mean_and_spread_of_the_weeks_before(cast):
    history(cast, per_week=1)
    file_on(cast, TODAY, count=9)
    spot = _found(hot_spots(Scope(cast.tree.district), WEEK))[("grid", cast.tree.grid_a.name, LEAF)]
    assert spot.expected == 1 and spot.deviation == 0 and spot.spread == 1
    assert spot.ratio == 9 and spot.score == 8
    # Four cases where one is usual is not enough by the ratio's rule … but by this one it is.
    assert not Rule(min_ratio=5).is_hot(4, 1.0, 0.0)
    assert Rule(min_ratio=1.5, z=3).is_hot(4, 1.0, 0.0)


def test_a_place_that_always_varies_needs_more_to_be_hot(cast):
    for n, day in enumerate(weeks_before(8)):
        file_on(cast, day, count=6 if n % 2 else 1)
    file_on(cast, TODAY, count=9)
    result = hot_spots(Scope(cast.tree.district), WEEK)
    assert not result.spots  # mean 3.5, spread 2.7: 9 is within three spreads


def test_a_problem_spread_over_a_community_s_grids_shows_at_the_community(cast):
    history(cast, category=SIBLING)
    file_on(cast, TODAY, count=2)
    file_on(cast, TODAY, at=IN_GRID_B, count=2)
    found = _found(hot_spots(Scope(cast.tree.district), WEEK))
    assert list(found) == [("community", cast.tree.community.name, LEAF)]
    assert found[("community", cast.tree.community.name, LEAF)].actual == 4


def test_leaves_of_one_class_together_show_at_the_class(cast):
    history(cast, category=GRID_ENTRY_CATEGORY)
    file_on(cast, TODAY, count=2)
    file_on(cast, TODAY, category=SIBLING, count=2)
    result = hot_spots(Scope(cast.tree.district), WEEK)
    assert list(_found(result)) == [("grid", cast.tree.grid_a.name, CLASS)]
    # Asked for the class alone, the same.
    category = category_by_code(CLASS)
    assert list(_found(hot_spots(Scope(cast.tree.district, category=category), WEEK))) == [
        ("grid", cast.tree.grid_a.name, CLASS)
    ]
    # Every hot spot, those explained by a finer one too.
    every = _found(hot_spots(Scope(cast.tree.district), WEEK, keep_covered=True))
    assert ("community", cast.tree.community.name, CLASS) in every
    assert ("town", cast.tree.town.name, CLASS) in every


@pytest.mark.parametrize(
    ("before", "edge"),
    [
        ((1,) * 8, 4),  # mean 1, spread 1 (its square root, and at least 1): 1 + 3
        ((6, 0, 5, 1, 4, 2, 3, 3), 9),  # mean 3, deviation exactly 2: 3 + 3 * 2
        ((4,) * 8, 10),  # mean 4, spread 2 (its square root): 4 + 3 * 2
    ],
)
def test_a_place_exactly_at_the_rule_s_edge_is_hot_and_one_case_fewer_is_not(cast, before, edge):
    # The database keeps the pairs that may be hot, in whole numbers: none at the edge is lost.
    for count, day in zip(before, weeks_before(8), strict=True):
        file_on(cast, day, count=count)
    file_on(cast, TODAY, count=edge - 1)
    key = ("grid", cast.tree.grid_a.name, LEAF)
    assert key not in _found(hot_spots(Scope(cast.tree.district), WEEK))
    file_on(cast, TODAY)
    spot = _found(hot_spots(Scope(cast.tree.district), WEEK))[key]
    assert spot.actual == edge and spot.baseline == before and spot.score == 3.0
    rollups.rebuild()  # from the rollups alone, the same
    assert _found(hot_spots(Scope(cast.tree.district), WEEK))[key].as_dict() == spot.as_dict()


def test_an_address_with_many_cases_is_a_hot_spot_of_its_own(cast):
    history(cast, per_week=1)
    file_on(cast, TODAY, count=4, address="石冲路8号华庭小区")
    file_on(cast, WEEK.first, hour=5, address="石冲路8号华庭小区")  # early: local days count
    file_on(cast, WEEK.first - timedelta(days=1), hour=23, address="石冲路8号华庭小区")
    file_on(cast, TODAY, count=1, address="石冲路9号")
    found = _found(hot_spots(Scope(cast.tree.district), WEEK))
    spot = found[("address", "石冲路8号华庭小区", LEAF)]
    assert (
        spot.actual == 5
        and spot.baseline == (1, 0, 0, 0, 0, 0, 0, 0)
        and spot.place.unit == cast.tree.grid_a
    )
    # Grid A's six are mostly the address's five: listed once, at the address.
    assert ("grid", cast.tree.grid_a.name, LEAF) not in found


def test_an_address_seen_as_often_before_is_not_hot(cast):
    for day in weeks_before(8):
        file_on(cast, day, count=4, address="石冲路8号华庭小区")
    rollups.rebuild()
    file_on(cast, TODAY, count=4, address="石冲路8号华庭小区")
    assert not hot_spots(Scope(cast.tree.district), WEEK).spots


def test_without_history_nothing_is_judged(cast):
    file_on(cast, TODAY, count=6)
    result = hot_spots(Scope(cast.tree.district), WEEK)
    assert not result.has_history and result.spots == []
    # Weeks before the first case are skipped: with three weeks of history, three are read.
    history(cast, weeks=3)
    assert len(hot_spots(Scope(cast.tree.district), WEEK).baselines) == 3


def test_a_day_is_compared_with_the_same_weekday_of_the_weeks_before():
    day = Period(TODAY, TODAY)
    before = baseline_periods(day, 8)
    assert all(p.first.weekday() == TODAY.weekday() and p.days == 1 for p in before)
    month = Period.last_days(30, TODAY)
    assert baseline_periods(month, 2)[0] == month.previous()


def test_the_rollups_and_the_pending_changes_give_the_same_hot_spots(cast):
    history(cast, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY)
    file_on(cast, TODAY, count=4)
    live = [s.as_dict() for s in hot_spots(Scope(cast.tree.district), WEEK).spots]
    rollups.rebuild()
    assert [s.as_dict() for s in hot_spots(Scope(cast.tree.district), WEEK).spots] == live
    file_on(cast, TODAY, count=2)  # after the rebuild: pending
    spot = hot_spots(Scope(cast.tree.district), WEEK).spots[0]
    assert spot.actual == 6


def test_another_subtree_has_its_own_hot_spots(cast):
    history(cast, at=IN_GRID_C, category=SIBLING)
    file_on(cast, TODAY, count=4)
    # The community's first case is this week's: it has no usual level yet.
    assert not hot_spots(Scope(cast.tree.community), WEEK).has_history
    history(cast, category=SIBLING)
    assert not hot_spots(Scope(cast.tree.other_town), WEEK).spots
    assert hot_spots(Scope(cast.tree.community), WEEK).spots[0].place.unit == cast.tree.grid_a
    # A grid's own scope has no community above it to roll into.
    grid = hot_spots(Scope(cast.tree.grid_a), WEEK, keep_covered=True).spots
    assert {s.place.kind for s in grid} == {"grid"}


def test_the_hot_spots_cost_the_same_queries_whatever_the_number_of_places(
    cast, django_assert_max_num_queries
):
    history(cast, category=SIBLING)
    file_on(cast, TODAY, count=4, address="石冲路8号")
    file_on(cast, TODAY, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, count=4)
    rollups.rebuild()
    file_on(cast, TODAY, at=IN_GRID_C, count=4)
    # (14: on PostgreSQL inside a transaction, the read settings are set and put back.)
    with django_assert_max_num_queries(14):
        assert len(hot_spots(Scope(cast.tree.district), WEEK).spots) == 3


def test_the_cases_behind_a_hot_spot_are_those_of_its_place_category_and_period(cast):
    history(cast, category=SIBLING)
    hot = file_on(cast, TODAY, count=3, address="石冲路8号")
    file_on(cast, TODAY, count=1)  # grid A, another address
    file_on(cast, TODAY, category=SIBLING)  # another category
    file_on(cast, TODAY, at=IN_GRID_B)  # another grid
    leaf = category_by_code(LEAF)
    grid_a = place_for_user(cast.leader, cast.tree.grid_a.code)
    numbers = [c.number for c in cases_behind(cast.leader, grid_a, leaf, WEEK)]
    assert len(numbers) == 4 and set(numbers) >= {c.number for c in hot}
    at_address = cases_behind(cast.leader, grid_a, leaf, WEEK, address="石冲路8号")
    assert {c.number for c in at_address} == {c.number for c in hot}
    # The class holds its leaves.
    assert len(cases_behind(cast.leader, grid_a, category_by_code(CLASS), WEEK)) == 5
    # The community's staff see their own; the other town's leader may not look at grid A.
    assert len(cases_behind(cast.community_staff, grid_a, leaf, WEEK)) == 4
    with pytest.raises(HotSpotNotFound):
        place_for_user(cast.grid_worker_a, cast.tree.grid_a.code)
    with pytest.raises(HotSpotNotFound):
        category_by_code("NOWHERE")
