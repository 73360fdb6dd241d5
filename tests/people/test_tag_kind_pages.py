"""The tags administration (/people/tags/): every tag listed, defined and changed by an
administrator of the whole city, refused to everyone else (403); the service's refusals (a
sensitive tag without roles or retention) come back beside their field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, html_of, tag_kind
from wangge.people.models import TagKind

pytestmark = pytest.mark.django_db


def test_the_list_shows_every_tag_with_its_rules(cast):
    tag_kind(visit_every_days=7)
    tag_kind(
        "corrections",
        "社区矫正",
        is_sensitive=True,
        visible_to_roles=["community_staff"],
        retention_days=365,
    )
    tag_kind("retired", "退役军人", is_active=False)
    page = logged_in(cast.administrator).get(reverse("people:tag_kinds"))
    assert page.status_code == 200
    html = html_of(page)
    for text in ("独居长者", "visit every 7 days", "社区矫正", "kept 365 days", "Community staff"):
        assert text in html
    assert "退役军人" in html and "inactive" in html


@pytest.mark.parametrize("who", ["community_staff", "grid_worker_a", "leader", "dispatcher"])
def test_only_a_whole_city_administrator_may_manage_tags(cast, who):
    client = logged_in(getattr(cast, who))
    assert client.get(reverse("people:tag_kinds")).status_code == 403
    assert client.get(reverse("people:tag_kind_create")).status_code == 403
    response = client.post(reverse("people:tag_kind_create"), {"tag-code": "x_y", "tag-name": "x"})
    assert response.status_code == 403
    assert not TagKind.objects.filter(code="x_y").exists()


def test_the_workbench_offers_the_tags_to_those_who_may(cast):
    assert reverse("people:tag_kinds") in html_of(
        logged_in(cast.administrator).get(reverse("home"))
    )
    staff = html_of(logged_in(cast.community_staff).get(reverse("home")))
    assert reverse("people:tag_kinds") not in staff


def test_an_administrator_defines_a_sensitive_tag_and_changes_it(cast):
    client = logged_in(cast.administrator)
    response = client.post(
        reverse("people:tag_kind_create"),
        {
            "tag-code": "night_shelter",
            "tag-name": "夜间庇护",
            "tag-visit_every_days": "30",
            "tag-is_sensitive": "on",
            "tag-visible_to_roles": ["community_staff", "grid_worker"],
            "tag-retention_days": "730",
            "tag-is_active": "on",
        },
    )
    assert response.status_code == 302
    kind = TagKind.objects.get(code="night_shelter")
    assert kind.visible_to_roles == ["community_staff", "grid_worker"]
    assert (kind.visit_every_days, kind.retention_days, kind.is_active) == (30, 730, True)
    edit = reverse("people:tag_kind_edit", args=["night_shelter"])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"tag-code": "other_code", "tag-name": "夜间庇护对象"})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.name, kind.is_sensitive, kind.is_active) == ("夜间庇护对象", False, False)
    assert not TagKind.objects.filter(code="other_code").exists()


def test_a_sensitive_tag_without_roles_is_refused_beside_the_roles(cast):
    response = logged_in(cast.administrator).post(
        reverse("people:tag_kind_create"),
        {"tag-code": "secret", "tag-name": "保密", "tag-is_sensitive": "on"},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_tag-visible_to_roles", "Name the roles that may see")
    assert not TagKind.objects.filter(code="secret").exists()


def test_a_bad_code_and_a_taken_code_are_refused_beside_the_code(cast):
    tag_kind()
    client = logged_in(cast.administrator)
    bad = client.post(reverse("people:tag_kind_create"), {"tag-code": "Bad Code", "tag-name": "x"})
    assert bad.status_code == 400
    assert_error_beside(html_of(bad), "id_tag-code", "lower-case letters")
    taken = client.post(
        reverse("people:tag_kind_create"), {"tag-code": "elderly_alone", "tag-name": "x"}
    )
    assert taken.status_code == 409
    assert_error_beside(html_of(taken), "id_tag-code", "exists already")
    assert TagKind.objects.get(code="elderly_alone").name == "独居长者"


def test_an_unknown_tag_is_404(cast):
    assert logged_in(cast.administrator).get("/people/tags/nope/").status_code == 404
