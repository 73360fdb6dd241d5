"""The public pages, without an account: a community's completed agreements (no personal
data), raising a need or a wish and registering as a volunteer (rate-limited like the public
case report, a refusal beside its field), and the volunteer's own page through the signed link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.claims.helpers import (
    CONTACT_PHONE,
    VOLUNTEER_PHONE,
    agreement,
    contact_account,
    member_unit,
    photo,
    today,
    volunteer,
)
from tests.people.helpers import assert_error_beside, html_of
from wangge.claims import services
from wangge.claims.models import HoursState, Need, PostSignup, Volunteer, Wish, WishState
from wangge.core.masking import mask_phone

pytestmark = pytest.mark.django_db

RESIDENT_PHONE = "13798765432"


def completed(cast):
    school = member_unit(cast)
    account = contact_account(school)
    made = agreement(
        cast, school, title="长者活动场地", contact_name="欧阳居民", contact_phone=RESIDENT_PHONE
    )
    evidence = services.store_evidence(account, photo(), "现场照片-张三家.jpg")
    services.complete_agreement(account, made, "张三家门口已安装扶手，电话13711112222", [evidence])
    return made


def test_residents_see_completed_agreements_without_personal_data(cast, client):
    made = completed(cast)
    live = agreement(cast, made.member_unit, title="尚未完成的协议")
    html = html_of(client.get(reverse("public_claims:community", args=[cast.tree.community.code])))
    assert "长者活动场地" in html and "石冲小学" in html
    assert live.title not in html
    for personal in (
        "欧阳居民",
        RESIDENT_PHONE,
        mask_phone(RESIDENT_PHONE),
        CONTACT_PHONE,
        mask_phone(CONTACT_PHONE),
        "王联络",
        "张三",
        "13711112222",
        "现场照片",
        "unit_contact",
    ):
        assert personal not in html, personal


def test_another_communitys_public_page_shows_none_of_ours(cast, client):
    completed(cast)
    html = html_of(
        client.get(reverse("public_claims:community", args=[cast.tree.other_community.code]))
    )
    assert "长者活动场地" not in html


def test_an_unknown_community_or_a_grid_is_404(cast, client):
    assert client.get(reverse("public_claims:community", args=["NOPE"])).status_code == 404
    assert (
        client.get(reverse("public_claims:community", args=[cast.tree.grid_a.code])).status_code
        == 404
    )


def test_a_resident_raises_a_need_without_an_account(cast, client):
    response = client.post(
        reverse("public_claims:need", args=[cast.tree.community.code]),
        {"kind": "repair", "title": "楼道扶手松了", "contact_phone": RESIDENT_PHONE},
    )
    assert response.status_code == 200 and 'id="done"' in html_of(response)
    need = Need.objects.get()
    assert need.source == "resident" and need.community == cast.tree.community
    assert need.contact_phone == RESIDENT_PHONE


def test_a_need_without_a_phone_is_refused_beside_the_field(cast, client):
    response = client.post(
        reverse("public_claims:need", args=[cast.tree.community.code]),
        {"kind": "repair", "title": "楼道扶手松了", "contact_phone": "12"},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_contact_phone")
    assert not Need.objects.exists()


def test_public_needs_are_rate_limited_per_address(cast, client, settings):
    settings.PUBLIC_REPORTS_PER_IP_PER_HOUR = 2
    url = reverse("public_claims:need", args=[cast.tree.community.code])
    for number in range(2):
        phone = f"1370000000{number}"
        assert (
            client.post(url, {"kind": "other", "title": "x", "contact_phone": phone}).status_code
            == 200
        )
    response = client.post(url, {"kind": "other", "title": "x", "contact_phone": "13700000009"})
    assert response.status_code == 429 and "Retry-After" in response
    assert Need.objects.count() == 2


def test_public_needs_are_rate_limited_per_phone(cast, client, settings):
    settings.PUBLIC_REPORTS_PER_PHONE_PER_DAY = 1
    url = reverse("public_claims:need", args=[cast.tree.community.code])
    assert (
        client.post(
            url, {"kind": "other", "title": "x", "contact_phone": RESIDENT_PHONE}
        ).status_code
        == 200
    )
    assert (
        client.post(
            url, {"kind": "other", "title": "y", "contact_phone": RESIDENT_PHONE}
        ).status_code
        == 429
    )


def test_a_refused_form_does_not_use_up_the_limit(cast, client, settings):
    settings.PUBLIC_REPORTS_PER_IP_PER_HOUR = 1
    url = reverse("public_claims:volunteer", args=[cast.tree.community.code])
    volunteer(cast.tree.community)  # this phone is registered already: refused
    assert client.post(url, {"name": "李", "phone": VOLUNTEER_PHONE}).status_code == 400
    assert client.post(url, {"name": "赵", "phone": "13612341234"}).status_code == 200


def test_a_resident_registers_as_a_volunteer_waiting_for_confirmation(cast, client):
    response = client.post(
        reverse("public_claims:volunteer", args=[cast.tree.community.code]),
        {"name": "赵党员", "phone": "13612341234", "is_party_member": "on", "skills": "理发"},
    )
    assert response.status_code == 200
    registered = Volunteer.objects.get()
    assert registered.state == "pending" and registered.is_party_member


def test_volunteer_registration_is_rate_limited(cast, client, settings):
    settings.PUBLIC_REPORTS_PER_IP_PER_HOUR = 1
    url = reverse("public_claims:volunteer", args=[cast.tree.community.code])
    assert client.post(url, {"name": "赵", "phone": "13612341234"}).status_code == 200
    assert client.post(url, {"name": "钱", "phone": "13612341235"}).status_code == 429
    assert Volunteer.objects.count() == 1


def test_a_resident_makes_a_small_wish(cast, client):
    response = client.post(
        reverse("public_claims:wish", args=[cast.tree.community.code]),
        {"title": "想要一盏台灯", "name": "陈阿婆", "phone": RESIDENT_PHONE},
    )
    assert response.status_code == 200
    assert Wish.objects.get().wisher_phone == RESIDENT_PHONE


def test_the_volunteer_page_needs_a_valid_link(cast, client):
    helper = volunteer(cast.tree.community)
    key = services.volunteer_key(helper)
    assert client.get(reverse("public_claims:me", args=[key])).status_code == 200
    assert client.get(reverse("public_claims:me", args=[key + "x"])).status_code == 404


def test_a_volunteer_claims_and_fulfils_a_wish_takes_a_post_and_records_hours(cast, client):
    helper = volunteer(cast.tree.community)
    key = services.volunteer_key(helper)
    wish = services.raise_wish(
        None, cast.tree.community, services.WishInput(title="一盏台灯", wisher_name="陈阿婆")
    )
    post = services.save_post(
        None, cast.tree.community, services.PostInput(title="文明劝导岗", places=2)
    )
    page = html_of(client.get(reverse("public_claims:me", args=[key])))
    assert "一盏台灯" in page and "陈**" in page and "陈阿婆" not in page
    client.post(reverse("public_claims:me_claim_wish", args=[key, wish.pk]))
    client.post(
        reverse("public_claims:me_fulfil_wish", args=[key, wish.pk]),
        {
            f"wish{wish.pk}-outcome": "已送到",
            f"wish{wish.pk}-evidence": SimpleUploadedFile("a.jpg", photo(), "image/jpeg"),
        },
    )
    wish.refresh_from_db()
    assert wish.state == WishState.FULFILLED and wish.volunteer == helper
    client.post(reverse("public_claims:me_sign_up", args=[key, post.pk]))
    assert PostSignup.objects.filter(volunteer=helper, post=post).exists()
    response = client.post(
        reverse("public_claims:me_hours", args=[key]),
        {
            "hours-served_on": today().isoformat(),
            "hours-hours": "2",
            "hours-what": "劝导",
            "hours-post": post.pk,
        },
    )
    assert response.status_code == 302
    assert helper.hours.get().state == HoursState.PENDING


def test_a_volunteer_cannot_fulfil_a_wish_without_evidence(cast, client):
    helper = volunteer(cast.tree.community)
    key = services.volunteer_key(helper)
    wish = services.claim_wish(
        helper, services.raise_wish(None, cast.tree.community, services.WishInput(title="台灯"))
    )
    response = client.post(
        reverse("public_claims:me_fulfil_wish", args=[key, wish.pk]),
        {f"wish{wish.pk}-outcome": "已送到"},
    )
    assert response.status_code == 400
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED


def test_an_unconfirmed_volunteer_sees_only_that_they_wait(cast, client):
    pending = volunteer(cast.tree.community, confirmed=False)
    services.raise_wish(None, cast.tree.community, services.WishInput(title="一盏台灯"))
    html = html_of(client.get(reverse("public_claims:me", args=[services.volunteer_key(pending)])))
    assert "一盏台灯" not in html
