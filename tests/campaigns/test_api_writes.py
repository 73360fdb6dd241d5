"""The organisers' API writes: create a campaign as a draft, add a question, open it, reassign
its targets in bulk; each through the services, only for those who run the campaign's unit
(another community's users 404, a viewer 403), refusals as 4xx naming the field with nothing
written, bodies strict."""

from __future__ import annotations

import json

import pytest

from tests.campaigns.helpers import END, START, draft, opened, street
from tests.clients import logged_in
from wangge.campaigns.models import Campaign, CampaignState, Question, Target

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _new(cast, **extra):
    return {
        "title": "独居长者走访",
        "unit_code": cast.tree.community.code,
        "starts_on": START.isoformat(),
        "ends_on": END.isoformat(),
        **extra,
    }


def _loc(response) -> list[list]:
    return [error["loc"] for error in response.json()["detail"]]


def test_staff_create_question_and_open_a_campaign_by_the_api(cast):
    street(cast.tree.grid_a, 4)
    client = logged_in(cast.community_staff)
    created = _post(client, f"{API}/campaigns", _new(cast, unit_codes=[cast.tree.grid_a.code]))
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    question = _post(
        client,
        f"{API}/campaigns/{campaign_id}/questions",
        {"label": "是否独居", "kind": "single", "choices": ["是", "否"], "is_required": True},
    )
    assert question.status_code == 201
    assert question.json()["choices"] == ["是", "否"] and question.json()["order"] == 1
    opened_ = _post(client, f"{API}/campaigns/{campaign_id}/open")
    assert opened_.status_code == 200
    assert opened_.json()["targets"] == 4 and opened_.json()["campaign"]["state"] == "open"
    assert Target.objects.filter(campaign_id=campaign_id).count() == 4


def test_a_campaign_ending_before_it_starts_is_a_422_naming_ends_on(cast):
    client = logged_in(cast.community_staff)
    answer = _post(client, f"{API}/campaigns", _new(cast, ends_on="2023-01-01"))
    assert answer.status_code == 422 and _loc(answer) == [["body", "ends_on"]]
    assert not Campaign.objects.exists()


def test_a_unit_outside_ones_scope_is_403_and_an_unknown_one_422_naming_the_field(cast):
    client = logged_in(cast.community_staff)
    answer = _post(client, f"{API}/campaigns", _new(cast, unit_code=cast.tree.other_community.code))
    assert answer.status_code == 403
    unknown = _post(client, f"{API}/campaigns", _new(cast, unit_code="999999"))
    assert unknown.status_code == 422 and _loc(unknown) == [["body", "unit_code"]]
    grid_c = _post(client, f"{API}/campaigns", _new(cast, unit_codes=[cast.tree.grid_c.code]))
    assert grid_c.status_code == 422 and _loc(grid_c) == [["body", "unit_codes"]]
    assert not Campaign.objects.exists()


def test_one_who_runs_no_campaign_may_not_create_one(cast):
    answer = _post(logged_in(cast.grid_worker_a), f"{API}/campaigns", _new(cast))
    assert answer.status_code == 403
    assert not Campaign.objects.exists()


def test_bodies_are_strict(cast):
    client = logged_in(cast.community_staff)
    extra = _post(client, f"{API}/campaigns", _new(cast, surprise=1))
    assert extra.status_code == 422
    campaign = draft(cast.community_staff, cast.tree.community, questions=False)
    lax = _post(
        client,
        f"{API}/campaigns/{campaign.pk}/questions",
        {"label": "人数", "kind": "number", "is_required": 1},
    )
    assert lax.status_code == 422 and _loc(lax)[0][-1] == "is_required"
    assert not campaign.questions.exists()


def test_a_refused_question_names_the_field_and_writes_nothing(cast):
    campaign = draft(cast.community_staff, cast.tree.community, questions=False)
    answer = _post(
        logged_in(cast.community_staff),
        f"{API}/campaigns/{campaign.pk}/questions",
        {"label": "是否独居", "kind": "single", "choices": ["是"]},
    )
    assert answer.status_code == 422 and _loc(answer) == [["body", "choices"]]
    assert not Question.objects.filter(campaign=campaign).exists()


def test_an_open_campaign_takes_no_question_and_cannot_be_opened_again(cast):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    client = logged_in(cast.community_staff)
    answer = _post(
        client, f"{API}/campaigns/{campaign.pk}/questions", {"label": "新问题", "kind": "text"}
    )
    assert answer.status_code == 409
    assert "fixed once the campaign is open" in answer.json()["detail"]
    assert campaign.questions.count() == 2
    assert _post(client, f"{API}/campaigns/{campaign.pk}/open").status_code == 409


def test_opening_a_draft_with_nothing_selected_names_the_selection(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    answer = _post(logged_in(cast.community_staff), f"{API}/campaigns/{campaign.pk}/open")
    assert answer.status_code == 422 and _loc(answer) == [["body", "selection"]]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT


def test_the_organiser_reassigns_a_floor_range_to_a_volunteer(cast, volunteer):
    street(cast.tree.grid_a, 6)
    campaign = opened(cast.community_staff, cast.tree.community)
    answer = _post(
        logged_in(cast.community_staff),
        f"{API}/campaigns/{campaign.pk}/assignments",
        {"assignee": volunteer.get_username(), "grid_code": cast.tree.grid_a.code, "floor_to": 2},
    )
    assert answer.status_code == 200 and answer.json() == {"count": 4}
    mine = Target.objects.filter(campaign=campaign, assignee=volunteer)
    assert sorted(mine.values_list("floor", flat=True)) == [1, 1, 2, 2]


def test_taking_targets_back_with_a_null_assignee(cast):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    answer = _post(
        logged_in(cast.community_staff),
        f"{API}/campaigns/{campaign.pk}/assignments",
        {"assignee": None},
    )
    assert answer.json() == {"count": 2}
    assert not Target.objects.filter(campaign=campaign, assignee__isnull=False).exists()


def test_a_helper_who_may_not_canvass_there_is_a_422_naming_assignee(cast, volunteer):
    street(cast.tree.grid_a, 2)
    street(cast.tree.grid_b, 2, building="9栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    before = list(Target.objects.filter(campaign=campaign).values_list("pk", "assignee"))
    client = logged_in(cast.community_staff)
    url = f"{API}/campaigns/{campaign.pk}/assignments"
    grid_b = _post(client, url, {"assignee": volunteer.get_username()})
    assert grid_b.status_code == 422 and _loc(grid_b) == [["body", "assignee"]]
    stranger = _post(client, url, {"assignee": cast.outsider.get_username()})
    assert stranger.status_code == 422 and _loc(stranger) == [["body", "assignee"]]
    floors = _post(client, url, {"assignee": None, "floor_from": 3, "floor_to": 1})
    assert floors.status_code == 422 and _loc(floors) == [["body", "floor_to"]]
    grid = _post(client, url, {"assignee": None, "grid_code": cast.tree.grid_c.code})
    assert grid.status_code == 422 and _loc(grid) == [["body", "grid_code"]]
    after = list(Target.objects.filter(campaign=campaign).values_list("pk", "assignee"))
    assert after == before


def test_a_draft_cannot_be_reassigned(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    answer = _post(
        logged_in(cast.community_staff),
        f"{API}/campaigns/{campaign.pk}/assignments",
        {"assignee": None},
    )
    assert answer.status_code == 409


@pytest.mark.parametrize("route", ["questions", "open", "assignments"])
def test_a_viewer_gets_403_and_another_community_404(cast, route):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    body = {"label": "越权", "kind": "text"} if route == "questions" else {"assignee": None}
    if route == "open":
        body = {}
    url = f"{API}/campaigns/{campaign.pk}/{route}"
    viewer = _post(logged_in(cast.grid_worker_a), url, body)
    assert viewer.status_code == 403
    outsider = _post(logged_in(cast.outsider), url, body)
    assert outsider.status_code == 404
    assert "出租屋摸排" not in outsider.content.decode()
    assert Target.objects.filter(campaign=campaign, assignee__isnull=True).count() == 0
    assert campaign.questions.count() == 2
