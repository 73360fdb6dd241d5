"""Volunteers who report to their community (双报到): registration and confirmation, the
personal signed link, small wishes claimed once and fulfilled with evidence, posts with their
places, and service hours counted once confirmed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.claims.helpers import VOLUNTEER_PHONE, photo, today, volunteer
from wangge.claims import queries, services
from wangge.claims.exceptions import Invalid, InvalidState, NotAllowed, NotFound
from wangge.claims.models import HoursState, PostSignup, VolunteerState, WishState

pytestmark = pytest.mark.django_db


def wish(cast, title: str = "想要一台收音机"):
    return services.raise_wish(
        cast.community_staff,
        cast.tree.community,
        services.WishInput(title=title, wisher_name="陈阿婆"),
    )


def test_a_registration_waits_for_staff_to_confirm(cast):
    found = volunteer(cast.tree.community, confirmed=False)
    assert found.state == VolunteerState.PENDING
    services.confirm_volunteer(cast.community_staff, found)
    found.refresh_from_db()
    assert found.state == VolunteerState.CONFIRMED and found.confirmed_by == cast.community_staff
    with pytest.raises(InvalidState):
        services.confirm_volunteer(cast.community_staff, found)


def test_a_phone_registers_once_per_community(cast):
    volunteer(cast.tree.community)
    with pytest.raises(Invalid) as refused:
        volunteer(cast.tree.community)
    assert refused.value.field == "phone"
    volunteer(cast.tree.other_community)  # another community is another registration


def test_registration_checks_name_and_phone(cast):
    for given, field in (
        ({"name": "", "phone": VOLUNTEER_PHONE}, "name"),
        ({"name": "李", "phone": ""}, "phone"),
        ({"name": "李", "phone": "123"}, "phone"),
    ):
        with pytest.raises(Invalid) as refused:
            services.register_volunteer(cast.tree.community, services.VolunteerInput(**given))
        assert refused.value.field == field


def test_staff_of_another_community_cannot_confirm(cast):
    from tests.cases.loop_helpers import add_person
    from wangge.org.roles import Role

    found = volunteer(cast.tree.community, confirmed=False)
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    with pytest.raises(NotAllowed):
        services.confirm_volunteer(other, found)


def test_the_personal_link_finds_the_volunteer_until_it_is_reissued(cast):
    found = volunteer(cast.tree.community)
    key = services.volunteer_key(found)
    assert services.volunteer_from_key(key) == found
    with pytest.raises(NotFound):
        services.volunteer_from_key(key[:-2] + "xx")
    services.reissue_link(cast.community_staff, found)
    with pytest.raises(NotFound):
        services.volunteer_from_key(key)


def test_a_wish_is_claimed_once(cast):
    first = volunteer(cast.tree.community)
    second = volunteer(cast.tree.community, phone="13600001111")
    wanted = wish(cast)
    services.claim_wish(first, wanted)
    with pytest.raises(InvalidState) as refused:
        services.claim_wish(second, wanted)
    assert refused.value.field == "wish"
    wanted.refresh_from_db()
    assert wanted.volunteer == first and wanted.state == WishState.CLAIMED


def test_an_unconfirmed_volunteer_cannot_claim(cast):
    with pytest.raises(NotAllowed):
        services.claim_wish(volunteer(cast.tree.community, confirmed=False), wish(cast))


def test_a_volunteer_cannot_claim_another_communitys_wish(cast):
    with pytest.raises(NotFound):
        services.claim_wish(volunteer(cast.tree.other_community), wish(cast))


def test_a_wish_is_fulfilled_with_evidence_by_whoever_claimed_it(cast):
    first = volunteer(cast.tree.community)
    second = volunteer(cast.tree.community, phone="13600001111")
    wanted = services.claim_wish(first, wish(cast))
    with pytest.raises(Invalid) as refused:
        services.fulfil_wish(first, wanted, "已送达", None)
    assert refused.value.field == "evidence"
    evidence = services.store_evidence(None, photo(), "radio.jpg")
    with pytest.raises(NotAllowed):
        services.fulfil_wish(second, wanted, "已送达", evidence)
    services.fulfil_wish(first, wanted, "已送达", evidence)
    wanted.refresh_from_db()
    assert wanted.state == WishState.FULFILLED and wanted.evidence == evidence


def test_a_post_takes_as_many_volunteers_as_it_has_places(cast):
    post = services.save_post(
        cast.community_staff, cast.tree.community, services.PostInput(title="文明劝导岗", places=1)
    )
    first = volunteer(cast.tree.community)
    second = volunteer(cast.tree.community, phone="13600001111")
    services.sign_up_for_post(first, post)
    with pytest.raises(InvalidState):
        services.sign_up_for_post(first, post)
    with pytest.raises(InvalidState):
        services.sign_up_for_post(second, post)
    assert PostSignup.objects.count() == 1


def test_a_post_needs_places(cast):
    with pytest.raises(Invalid) as refused:
        services.save_post(
            cast.community_staff, cast.tree.community, services.PostInput(title="岗", places=None)
        )
    assert refused.value.field == "places"


def test_hours_a_volunteer_records_count_once_confirmed(cast):
    found = volunteer(cast.tree.community)
    own = services.record_own_hours(found, today(), "3", "陪伴长者")
    assert own.state == HoursState.PENDING
    assert queries.volunteer_hour_figures(cast.community_staff) == []
    services.confirm_hours(cast.community_staff, own)
    (row,) = queries.volunteer_hour_figures(cast.community_staff)
    assert row["hours"] == Decimal("3.0") and row["volunteers"] == 1
    with pytest.raises(InvalidState):
        services.confirm_hours(cast.community_staff, own)


def test_hours_staff_record_are_confirmed_at_once(cast):
    found = volunteer(cast.tree.community)
    row = services.record_hours(cast.community_staff, found, today(), Decimal("2.5"), "清理楼道")
    assert row.state == HoursState.CONFIRMED


def test_rejected_hours_do_not_count(cast):
    found = volunteer(cast.tree.community)
    own = services.record_own_hours(found, today(), 2, "巡逻")
    services.confirm_hours(cast.community_staff, own, confirmed=False)
    assert queries.volunteer_hour_figures(cast.community_staff) == []


def test_hours_are_checked(cast):
    found = volunteer(cast.tree.community)
    for served_on, hours, what, field in (
        (today(), "0", "x", "hours"),
        (today(), "25", "x", "hours"),
        (today(), "abc", "x", "hours"),
        (today() + timedelta(days=1), "2", "x", "served_on"),
        (None, "2", "x", "served_on"),
        (today(), "2", "", "what"),
    ):
        with pytest.raises(Invalid) as refused:
            services.record_own_hours(found, served_on, hours, what)
        assert refused.value.field == field
