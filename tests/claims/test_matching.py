"""Suggested resources for a need, ranked by kind, community and place, capacity and
availability on the date wanted, each with the reasons of its score."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.claims.helpers import member_unit, need, resource, today
from wangge.claims import services
from wangge.claims.services.matching import (
    AVAILABLE_POINTS,
    CAPACITY_POINTS,
    COMMUNITY_POINTS,
    KIND_POINTS,
    PARTIAL_CAPACITY_POINTS,
    PLACE_POINTS,
)

pytestmark = pytest.mark.django_db


def test_resources_are_ranked_kind_then_place_capacity_and_availability(cast):
    community = cast.tree.community
    school = member_unit(cast, communities=[community, cast.tree.other_community])
    wanted = need(
        community,
        kind="venue",
        quantity=50,
        unit="人",
        place="石冲路",
        wanted_by=today() + timedelta(days=10),
    )
    best = resource(
        school, community, kind="venue", title="礼堂", quantity=200, unit="人", place="石冲路8号"
    )
    small = resource(school, community, kind="venue", title="教室", quantity=30, unit="人")
    elsewhere = resource(
        school, cast.tree.other_community, kind="venue", title="东成礼堂", quantity=200, unit="人"
    )
    late = resource(
        school, community, kind="venue", title="操场", available_from=today() + timedelta(days=60)
    )
    other_kind = resource(
        school, community, kind="funding", title="资金", quantity=10000, unit="元"
    )
    ranked = services.suggest_resources(wanted)
    assert [s.resource for s in ranked] == [best, small, elsewhere, late, other_kind]
    top = ranked[0]
    assert (
        top.score
        == KIND_POINTS + COMMUNITY_POINTS + PLACE_POINTS + CAPACITY_POINTS + AVAILABLE_POINTS
    )
    assert (
        ranked[1].score
        == KIND_POINTS + COMMUNITY_POINTS + PARTIAL_CAPACITY_POINTS + AVAILABLE_POINTS
    )
    assert ranked[2].score == KIND_POINTS + CAPACITY_POINTS + AVAILABLE_POINTS
    assert ranked[4].score == COMMUNITY_POINTS + AVAILABLE_POINTS
    assert len(top.reasons) == 5


def test_the_reasons_explain_each_point(cast):
    community = cast.tree.community
    school = member_unit(cast)
    wanted = need(community, kind="repair", quantity=3, unit="次")
    offered = resource(school, community, kind="venue", quantity=1, unit="次")
    (found,) = services.suggest_resources(wanted)
    assert found.resource == offered
    text = " ".join(found.reasons)
    assert "Another kind (+0)" in text
    assert "In the same community (+20)" in text
    assert "Part of the capacity: 1 of 3 次 (+5)" in text
    assert "Available on" in text


def test_resources_of_units_not_serving_the_community_are_not_suggested(cast):
    stranger = member_unit(cast, "东成医院", communities=[cast.tree.other_community])
    resource(stranger, cast.tree.other_community)
    assert services.suggest_resources(need(cast.tree.community)) == []


def test_inactive_resources_are_not_suggested(cast):
    school = member_unit(cast)
    resource(school, cast.tree.community, is_active=False)
    assert services.suggest_resources(need(cast.tree.community)) == []


def test_suggestions_cost_two_queries_whatever_their_number(cast, django_assert_max_num_queries):
    school = member_unit(cast)
    for number in range(15):
        resource(school, cast.tree.community, title=f"场地{number}")
    wanted = need(cast.tree.community)
    with django_assert_max_num_queries(1):
        ranked = services.suggest_resources(wanted)
        assert len(ranked) == 10
        assert all(s.resource.member_unit.name for s in ranked)
