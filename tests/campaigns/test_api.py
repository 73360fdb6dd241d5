"""The API: campaigns, progress, a helper's own list, one target, and visits idempotent by the
client's UUID (201 the first time, 200 with the stored visit after), scoped (404 outside),
refusals as 4xx naming the field, lists in a fixed number of queries."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.campaigns.helpers import answers_for, opened, street
from tests.clients import logged_in
from wangge.campaigns import services
from wangge.campaigns.models import Target, Visit

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def campaign(cast):
    street(cast.tree.grid_a, 6)
    street(cast.tree.grid_b, 2, building="9栋")
    return opened(cast.community_staff, cast.tree.community)


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _target(campaign, grid):
    return Target.objects.filter(campaign=campaign, grid=grid).order_by("pk").first()


def test_campaigns_and_progress(cast, campaign, django_assert_max_num_queries):
    client = logged_in(cast.grid_worker_a)
    with django_assert_max_num_queries(6):
        listed = client.get(f"{API}/campaigns")
    assert [c["id"] for c in listed.json()["items"]] == [campaign.pk]
    progress = client.get(f"{API}/campaigns/{campaign.pk}/progress").json()
    assert progress["total"]["targets"] == 6
    assert [g["unit_code"] for g in progress["grids"]] == [cast.tree.grid_a.code]
    outsider = logged_in(cast.outsider)
    assert outsider.get(f"{API}/campaigns").json()["items"] == []
    assert outsider.get(f"{API}/campaigns/{campaign.pk}/progress").status_code == 404


def test_my_targets_in_list_order(cast, campaign, volunteer, django_assert_max_num_queries):
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(grid=cast.tree.grid_a), volunteer
    )
    client = logged_in(volunteer)
    with django_assert_max_num_queries(6):
        page = client.get(f"{API}/campaigns/{campaign.pk}/my-targets?limit=4").json()
    floors = [(t["floor"], t["number"]) for t in page["items"]]
    assert floors == sorted(floors) and page["next_offset"] == 4
    rest = client.get(f"{API}/campaigns/{campaign.pk}/my-targets?offset=4").json()
    assert len(rest["items"]) == 2 and rest["next_offset"] is None
    assert all(t["is_mine"] for t in page["items"] + rest["items"])


def test_a_visit_sent_twice_with_one_uuid_is_one_visit(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_a)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "not_home",
        "answers": answers_for(campaign, 租户人数=2),
        "visited_at": "2025-03-01T20:00:00+08:00",
    }
    url = f"{API}/campaign-targets/{target.pk}/visits"
    first = _post(client, url, body)
    again = _post(client, url, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Visit.objects.filter(target=target).count() == 1
    assert client.get(f"{API}/campaign-targets/{target.pk}").json()["outcome"] == "not_home"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"answers": {}}, "answer_"),
        ({"answers": {"1": True}}, "answers"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"visited_at": "2025-03-01T20:00:00"}, "visited_at"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_wrong_visit_is_a_422_naming_the_field(cast, campaign, change, field):
    target = _target(campaign, cast.tree.grid_a)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "registered",
        "answers": answers_for(campaign, 租户人数=2),
        **change,
    }
    response = _post(
        logged_in(cast.grid_worker_a), f"{API}/campaign-targets/{target.pk}/visits", body
    )
    assert response.status_code == 422
    locations = [".".join(str(p) for p in e["loc"]) for e in response.json()["detail"]]
    assert any(field in where for where in locations), locations
    assert not Visit.objects.exists()


def test_another_grids_visitor_gets_404_and_a_closed_campaign_409(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "registered",
        "answers": answers_for(campaign, 租户人数=1),
    }
    url = f"{API}/campaign-targets/{target.pk}/visits"
    assert _post(logged_in(cast.grid_worker_b), url, body).status_code == 404
    assert (
        logged_in(cast.grid_worker_b).get(f"{API}/campaign-targets/{target.pk}").status_code == 404
    )
    services.close_campaign(cast.community_staff, campaign)
    assert _post(logged_in(cast.grid_worker_a), url, body).status_code == 409
    assert not Visit.objects.exists()


def test_a_volunteers_registry_change_is_refused_and_nothing_written(cast, campaign, volunteer):
    target = _target(campaign, cast.tree.grid_a)
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(target_ids=[target.pk]), volunteer
    )
    body = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "registered",
        "answers": answers_for(campaign, 租户人数=1),
        "new_resident": {"name": "赵六"},
    }
    response = _post(logged_in(volunteer), f"{API}/campaign-targets/{target.pk}/visits", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "resident_name"]
    assert not Visit.objects.exists()


def test_the_outcome_codes(cast):
    codes = [
        o["code"] for o in logged_in(cast.grid_worker_a).get(f"{API}/campaign-outcomes").json()
    ]
    assert codes[:3] == ["registered", "notified", "not_home"]
