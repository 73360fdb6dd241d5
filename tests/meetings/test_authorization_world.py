"""The world this app adds to the authorization table builds, and none of its secrets is shown
to a user of the other community on the routes that name its objects."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.clients import logged_in
from tests.meetings.authorization import PARAM_SOURCES, add_to_world

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
    urls = [
        "/meetings/",
        "/meetings/topics/",
        f"/meetings/topics/{ids['topic_id']}/",
        f"/meetings/{ids['meeting_id']}/",
        "/meetings/list/",
        "/meetings/tasks/",
        f"/meetings/tasks/{ids['task_id']}/",
        f"/meetings/tasks/{ids['task_id']}/evidence/{ids['evidence_id']}/",
        f"/meetings/votes/{ids['vote_id']}/",
        f"/meetings/procedures/{ids['procedure_id']}/",
        f"/meetings/procedures/{ids['procedure_id']}/documents/{ids['document_id']}/",
        f"/meetings/communities/{ids['community_id']}/stuck-cases/",
        "/api/v1/meetings/topics",
        "/api/v1/meetings/tasks",
        f"/api/v1/meetings/meetings/{ids['meeting_id']}",
        f"/public/meetings/votes/{ids['vote_id']}/",
        f"/public/meetings/ballot/{ids['ballot_token']}/",
        f"/public/meetings/sign-in/{ids['sign_in_token']}/",
        f"/public/meetings/disclosures/{ids['procedure_id']}/",
    ]
    for url in urls:
        for who in (client, Client()):
            response = who.get(url)
            assert response.status_code < 500, url
            body = (
                response.content.decode(errors="ignore")
                if response.status_code != 200
                or "html" in response.get("Content-Type", "")
                or "json" in response.get("Content-Type", "")
                else ""
            )
            for label, value in secrets.items():
                assert value not in body, f"{url} shows {label}"
