"""The world this app adds to the authorization table builds, and none of its secrets is shown
to a user of the other community (nor to an anonymous one) on the routes that name its objects."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.claims.authorization import PARAM_SOURCES, add_to_world
from tests.clients import logged_in

pytestmark = pytest.mark.django_db


def test_the_world_builds_and_hides_its_secrets_from_the_other_community(cast):
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    secrets: dict[str, str] = {}
    ids = add_to_world(cast, secrets)
    assert set(PARAM_SOURCES.values()) <= set(ids)
    other = make_user("other_admin")
    grant_role(None, other, cast.tree.other_town, Role.ADMINISTRATOR)
    client = logged_in(other)
    volunteer_ids = ids["claims_volunteer_id"]
    urls = [
        "/claims/",
        "/claims/member-units/",
        f"/claims/member-units/{ids['claims_member_unit_id']}/",
        "/claims/resources/",
        "/claims/needs/",
        f"/claims/needs/{ids['claims_need_id']}/",
        "/claims/projects/",
        f"/claims/projects/{ids['claims_project_id']}/",
        "/claims/agreements/",
        f"/claims/agreements/{ids['claims_agreement_id']}/",
        f"/claims/evidence/{ids['claims_evidence_id']}/",
        "/claims/volunteers/",
        *[f"/claims/volunteers/{pk}/" for pk in volunteer_ids],
        "/claims/wishes/",
        "/claims/posts/",
        "/claims/funds/",
        "/api/v1/claims/needs",
        f"/api/v1/claims/needs/{ids['claims_need_id']}",
        f"/api/v1/claims/needs/{ids['claims_need_id']}/suggestions",
        "/api/v1/claims/agreements",
        f"/api/v1/claims/agreements/{ids['claims_agreement_id']}",
        "/api/v1/claims/member-units",
        "/api/v1/claims/volunteers",
        "/api/v1/claims/figures",
        "/public/claims/",
        f"/public/claims/{ids['claims_community_code']}/",
        f"/public/claims/me/{ids['claims_volunteer_key']}/",
    ]
    for url in urls:
        for who in (client, Client()):
            response = who.get(url)
            assert response.status_code < 500, url
            body = response.content.decode(errors="ignore")
            for label, value in secrets.items():
                assert value not in body, f"{url} shows {label}"
    for url in (
        f"/claims/needs/{ids['claims_need_id']}/",
        f"/claims/agreements/{ids['claims_agreement_id']}/",
        f"/claims/evidence/{ids['claims_evidence_id']}/",
    ):
        assert client.get(url).status_code == 404


def test_a_contact_account_acts_for_its_unit_only(cast):
    from wangge.claims.models import Agreement
    from wangge.core.models import User

    secrets: dict[str, str] = {}
    ids = add_to_world(cast, secrets)
    contact = logged_in(User.objects.get(username="claims_secret_contact"))
    assert contact.get(f"/claims/agreements/{ids['claims_agreement_id']}/").status_code == 200
    assert contact.get(f"/claims/volunteers/{ids['claims_volunteer_id'][0]}/").status_code == 404
    assert contact.post(f"/claims/projects/{ids['claims_project_id']}/spend/", {}).status_code in (
        403,
        404,
    )
    assert Agreement.objects.count() == 1
