"""Which houses or persons a campaign targets, and opening it: one row per target, made in a
fixed number of statements whatever their number, given by default to the grids' workers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.campaigns.helpers import draft, opened, street
from tests.people.helpers import house_in, person_in, tag_kind
from wangge.campaigns import services
from wangge.campaigns.exceptions import Invalid, NotAllowed, WrongState
from wangge.campaigns.models import CampaignState, Target, TargetKind
from wangge.people.models import HouseUse
from wangge.people.services import give_tag

pytestmark = pytest.mark.django_db


def _targets(campaign) -> set:
    return set(Target.objects.filter(campaign=campaign).values_list("house", flat=True))


def test_every_rental_house_of_the_community_is_targeted(cast):
    rented_a = street(cast.tree.grid_a, 2)
    rented_b = street(cast.tree.grid_b, 1, building="9栋")
    own = house_in(cast.tree.grid_a, "901", use=HouseUse.OWNER_OCCUPIED)
    street(cast.tree.grid_c, 1, compound="东成苑")  # another community
    campaign = opened(cast.community_staff, cast.tree.community, uses=[HouseUse.RENTED])
    assert _targets(campaign) == {h.pk for h in rented_a + rented_b}
    assert own.pk not in _targets(campaign)


def test_an_org_unit_selector_keeps_its_subtree(cast):
    in_a = street(cast.tree.grid_a, 2)
    street(cast.tree.grid_b, 2, building="9栋")
    campaign = opened(cast.community_staff, cast.tree.community, units=[cast.tree.grid_a])
    assert _targets(campaign) == {h.pk for h in in_a}


def test_compound_and_building_selectors(cast):
    garden = street(cast.tree.grid_a, 2, building="1栋")
    other_building = street(cast.tree.grid_a, 2, building="2栋")
    elsewhere = street(cast.tree.grid_a, 2, compound="石冲新村", building="A座")
    by_compound = opened(
        cast.community_staff, cast.tree.community, compounds=[garden[0].building.compound]
    )
    assert _targets(by_compound) == {h.pk for h in garden + other_building}
    by_building = opened(
        cast.community_staff, cast.tree.community, buildings=[elsewhere[0].building]
    )
    assert _targets(by_building) == {h.pk for h in elsewhere}


def test_selectors_of_different_kinds_must_all_match(cast):
    rented = street(cast.tree.grid_a, 2, building="1栋")
    street(cast.tree.grid_a, 2, building="2栋")
    own = house_in(cast.tree.grid_a, "301", use=HouseUse.OWNER_OCCUPIED, building="1栋")
    campaign = opened(
        cast.community_staff,
        cast.tree.community,
        buildings=[rented[0].building],
        uses=[HouseUse.RENTED],
    )
    assert _targets(campaign) == {h.pk for h in rented}
    assert own.pk not in _targets(campaign)


def test_persons_with_a_tag_are_targeted_with_their_house(cast):
    alone = tag_kind()
    house = house_in(cast.tree.grid_a, "502")
    elder = person_in(cast.tree.grid_a, "陈玉兰", house=house)
    person_in(cast.tree.grid_a, "李四", house=house_in(cast.tree.grid_a, "503"))
    far = person_in(cast.tree.grid_c, "王五")
    give_tag(None, elder, alone)
    give_tag(None, far, alone)
    campaign = opened(
        cast.administrator,
        cast.tree.town,
        target_kind=TargetKind.PERSONS,
        tags=[alone.code],
    )
    (target,) = Target.objects.filter(campaign=campaign)
    assert (target.person_id, target.house_id, target.label) == (elder.pk, house.pk, "陈玉兰")
    assert (target.building_id, target.floor, target.number) == (house.building_id, 5, "502")


def test_a_house_is_targeted_by_a_tag_of_someone_living_there(cast):
    alone = tag_kind()
    house = house_in(cast.tree.grid_a, "601")
    give_tag(None, person_in(cast.tree.grid_a, "陈玉兰", house=house), alone)
    house_in(cast.tree.grid_a, "602")
    campaign = opened(cast.community_staff, cast.tree.community, tags=[alone.code])
    assert _targets(campaign) == {house.pk}


def test_a_sensitive_tag_cannot_be_targeted(cast):
    secret = tag_kind("community_correction", "社区矫正对象", is_sensitive=True)
    with pytest.raises(Invalid) as refused:
        draft(cast.community_staff, cast.tree.community, tags=[secret.code])
    assert refused.value.field == "tags"


def test_a_unit_outside_the_organisers_scope_is_refused(cast):
    with pytest.raises(NotAllowed):
        draft(cast.community_staff, cast.tree.other_community)
    with pytest.raises(Invalid) as refused:
        draft(cast.community_staff, cast.tree.community, units=[cast.tree.grid_c])
    assert refused.value.field == "units"
    with pytest.raises(Invalid) as refused:
        draft(cast.community_staff, cast.tree.grid_a)
    assert refused.value.field == "unit"


def test_a_grid_worker_may_not_run_a_campaign(cast):
    with pytest.raises(NotAllowed):
        draft(cast.grid_worker_a, cast.tree.community)


def test_a_campaign_without_questions_or_targets_does_not_open(cast):
    empty = draft(cast.community_staff, cast.tree.community, questions=False)
    with pytest.raises(WrongState):
        services.open_campaign(cast.community_staff, empty)
    nothing = draft(cast.community_staff, cast.tree.community)
    with pytest.raises(Invalid):
        services.open_campaign(cast.community_staff, nothing)
    nothing.refresh_from_db()
    assert nothing.state == CampaignState.DRAFT


def test_an_open_campaign_cannot_open_again_and_closes_once(cast):
    street(cast.tree.grid_a, 1)
    campaign = opened(cast.community_staff, cast.tree.community)
    with pytest.raises(WrongState):
        services.open_campaign(cast.community_staff, campaign)
    services.close_campaign(cast.community_staff, campaign)
    with pytest.raises(WrongState):
        services.close_campaign(cast.community_staff, campaign)


def _opening_queries(cast, houses: int) -> int:
    street(cast.tree.grid_a, houses, building=f"{houses}栋")
    campaign = draft(cast.community_staff, cast.tree.community, title=f"c{houses}")
    with CaptureQueriesContext(connection) as captured:
        count = services.open_campaign(cast.community_staff, campaign)
    assert count == Target.objects.filter(campaign=campaign).count()
    return len(captured)


def test_opening_takes_the_same_number_of_statements_for_many_houses(cast):
    few = _opening_queries(cast, 4)
    many = _opening_queries(cast, 120)
    assert many == few
    assert many <= 16


def test_targets_go_to_the_grids_workers_by_default(cast):
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    second = make_user("gw_a2", "网格员丙")
    grant_role(None, second, cast.tree.grid_a, Role.GRID_WORKER)
    street(cast.tree.grid_a, 2, building="1栋")
    street(cast.tree.grid_a, 2, building="2栋")
    street(cast.tree.grid_b, 2, building="9栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    by_building: dict[str, set] = {}
    for target in Target.objects.filter(campaign=campaign):
        by_building.setdefault(target.building_name, set()).add(target.assignee_id)
    # A whole building to one worker, the two buildings of grid A to its two workers.
    assert all(len(users) == 1 for users in by_building.values())
    assert by_building["1栋"] | by_building["2栋"] == {cast.grid_worker_a.pk, second.pk}
    assert by_building["9栋"] == {cast.grid_worker_b.pk}
