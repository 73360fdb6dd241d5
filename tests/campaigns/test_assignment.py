"""Reassigning targets in bulk (分人分组分类): by building, by floor range, by category, to grid
workers, building volunteers or staff who may canvass there; and each helper's own list."""

from __future__ import annotations

import pytest

from tests.campaigns.helpers import opened, street
from tests.people.helpers import house_in
from wangge.campaigns import queries, services
from wangge.campaigns.exceptions import Invalid, NotAllowed, WrongState
from wangge.campaigns.models import Target
from wangge.people.models import HouseUse

pytestmark = pytest.mark.django_db


def test_a_building_goes_to_its_volunteer(cast, volunteer):
    block = street(cast.tree.grid_a, 4, building="1栋")
    street(cast.tree.grid_a, 2, building="2栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    count = services.assign_targets(
        cast.community_staff,
        campaign,
        services.Selection(building_id=block[0].building_id),
        volunteer,
    )
    assert count == 4
    mine = set(Target.objects.filter(assignee=volunteer).values_list("house", flat=True))
    assert mine == {h.pk for h in block}


def test_a_floor_range_and_a_category(cast, volunteer):
    street(cast.tree.grid_a, 8, building="1栋")  # floors 1 to 4
    shop = house_in(cast.tree.grid_a, "105", use=HouseUse.SHOP, building="1栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    services.assign_targets(
        cast.community_staff,
        campaign,
        services.Selection(floor_from=2, floor_to=3),
        volunteer,
    )
    floors = sorted(Target.objects.filter(assignee=volunteer).values_list("floor", flat=True))
    assert floors == [2, 2, 3, 3]
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(category=HouseUse.SHOP), volunteer
    )
    assert Target.objects.get(campaign=campaign, house=shop).assignee == volunteer


def test_a_helper_of_another_grid_cannot_be_given_targets_and_nothing_changes(cast):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    before = list(Target.objects.values_list("pk", "assignee"))
    with pytest.raises(Invalid) as refused:
        services.assign_targets(
            cast.community_staff, campaign, services.Selection(), cast.grid_worker_b
        )
    assert refused.value.field == "assignee"
    assert "网格员乙" in refused.value.message
    assert list(Target.objects.values_list("pk", "assignee")) == before


def test_only_the_organiser_reassigns(cast, volunteer):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    with pytest.raises(NotAllowed):
        services.assign_targets(cast.grid_worker_a, campaign, services.Selection(), volunteer)


def test_a_reversed_floor_range_and_an_empty_selection_are_refused(cast, volunteer):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    with pytest.raises(Invalid) as refused:
        services.assign_targets(
            cast.community_staff, campaign, services.Selection(floor_from=5, floor_to=2), volunteer
        )
    assert refused.value.field == "floor_to"
    with pytest.raises(Invalid) as refused:
        services.assign_targets(
            cast.community_staff, campaign, services.Selection(floor_from=40), volunteer
        )
    assert refused.value.field == "selection"


def test_targets_can_be_taken_back_and_a_closed_campaign_is_not_reassigned(cast, volunteer):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    services.assign_targets(cast.community_staff, campaign, services.Selection(), None)
    assert not Target.objects.filter(assignee__isnull=False).exists()
    services.close_campaign(cast.community_staff, campaign)
    with pytest.raises(WrongState):
        services.assign_targets(cast.community_staff, campaign, services.Selection(), volunteer)


def test_the_helpers_are_those_who_canvass_inside_the_campaign(cast, volunteer):
    street(cast.tree.grid_a, 1)
    campaign = opened(cast.community_staff, cast.tree.community)
    helpers = {h.user.username for h in services.helpers_for(campaign)}
    assert helpers == {"gw_a", "gw_b", "staff", "vol_a"}


def test_the_own_list_is_ordered_by_compound_building_floor_and_number(cast, volunteer):
    street(cast.tree.grid_a, 2, building="2栋", compound="石冲花园")
    street(cast.tree.grid_a, 4, building="1栋", compound="石冲花园")
    street(cast.tree.grid_a, 2, building="1栋", compound="白石苑")
    campaign = opened(cast.community_staff, cast.tree.community)
    services.assign_targets(cast.community_staff, campaign, services.Selection(), volunteer)
    order = [
        (t.compound_name, t.building_name, t.floor, t.number)
        for t in queries.my_targets(volunteer, campaign)
    ]
    assert order == sorted(order)
    assert order[0][0] == "白石苑" and order[-1][1] == "2栋"
    assert not queries.my_targets(cast.grid_worker_a, campaign).exists()
