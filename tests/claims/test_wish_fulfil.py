"""Staff record a small wish fulfilled for the volunteer who claimed it, with evidence, from the
wish list: scoped to their community (another community's staff get 404), audited with the
volunteer named; a wish not claimed, or a form without evidence, is refused and nothing
written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cases.loop_helpers import add_person
from tests.claims.helpers import photo, volunteer
from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, html_of
from wangge.cases.models import Attachment
from wangge.claims import services
from wangge.claims.models import Wish, WishState
from wangge.core.models import AuditEntry
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(cast):
    helper = volunteer(cast.tree.community)
    wish = services.raise_wish(None, cast.tree.community, services.WishInput(title="一盏台灯"))
    return services.claim_wish(helper, wish)


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("lamp.jpg", photo(), content_type="image/jpeg")


def test_the_wish_list_offers_staff_to_record_a_claimed_wish_fulfilled(cast, claimed):
    html = html_of(logged_in(cast.community_staff).get(reverse("claims:wishes")))
    assert reverse("claims:wish_fulfil", args=[claimed.pk]) in html
    html = html_of(logged_in(cast.grid_worker_a).get(reverse("claims:wishes")))
    assert reverse("claims:wish_fulfil", args=[claimed.pk]) not in html


def test_staff_record_a_wish_fulfilled_for_the_volunteer_with_evidence(cast, claimed):
    client = logged_in(cast.community_staff)
    url = reverse("claims:wish_fulfil", args=[claimed.pk])
    page = client.get(url)
    assert page.status_code == 200 and "李志愿" in html_of(page)
    response = client.post(url, {"outcome": "台灯已送到", "evidence": _upload()})
    assert response.status_code == 302
    wish = Wish.objects.get(pk=claimed.pk)
    assert wish.state == WishState.FULFILLED and wish.outcome == "台灯已送到"
    assert wish.evidence is not None and wish.evidence.uploaded_by == cast.community_staff
    entry = AuditEntry.objects.get(action="claims.wish.fulfil")
    assert entry.actor == cast.community_staff
    assert entry.data["volunteer"] == claimed.volunteer_id and entry.data["for_volunteer"]


def test_fulfilling_without_evidence_is_refused_beside_the_field(cast, claimed):
    response = logged_in(cast.community_staff).post(
        reverse("claims:wish_fulfil", args=[claimed.pk]), {"outcome": "送到了"}
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_evidence")
    assert Wish.objects.get(pk=claimed.pk).state == WishState.CLAIMED


def test_an_open_wish_cannot_be_recorded_fulfilled_and_nothing_is_kept(cast):
    wish = services.raise_wish(None, cast.tree.community, services.WishInput(title="一本字典"))
    client = logged_in(cast.community_staff)
    url = reverse("claims:wish_fulfil", args=[wish.pk])
    assert "Only a claimed wish can be fulfilled." in html_of(client.get(url, follow=True))
    files = Attachment.objects.count()
    response = client.post(url, {"outcome": "送到了", "evidence": _upload()})
    assert response.status_code == 409
    assert "Only a claimed wish can be fulfilled." in html_of(response)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN
    assert Attachment.objects.count() == files
    assert not AuditEntry.objects.filter(action="claims.wish.fulfil").exists()


def test_another_communitys_staff_get_404_and_nothing_is_written(cast, claimed):
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    client = logged_in(other)
    url = reverse("claims:wish_fulfil", args=[claimed.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"outcome": "越权", "evidence": _upload()})
    assert response.status_code == 404
    assert "一盏台灯" not in html_of(response)
    assert Wish.objects.get(pk=claimed.pk).state == WishState.CLAIMED


def test_a_viewer_of_the_community_is_refused(cast, claimed):
    client = logged_in(cast.grid_worker_a)
    url = reverse("claims:wish_fulfil", args=[claimed.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"outcome": "x", "evidence": _upload()}).status_code == 403
    assert Wish.objects.get(pk=claimed.pk).state == WishState.CLAIMED
