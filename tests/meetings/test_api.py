"""The meetings API under /api/v1/meetings/: scoped lists with constant queries, refusals as
4xx naming the field, and the one-time ballot link working without an account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.cases.loop_helpers import upload
from tests.clients import logged_in
from tests.meetings.helpers import links, list_vote, meeting_in, task_for
from wangge.core import clock
from wangge.meetings import services
from wangge.meetings.models import Ballot, ProcedureStep, Step, Task, TaskState, Topic

pytestmark = pytest.mark.django_db
API = "/api/v1/meetings"


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", body, "application/json")


def named(response: Any) -> list[Any]:
    return [error["loc"][-1] for error in response.json()["detail"]]


def test_a_topic_is_proposed_and_listed_with_its_phone_masked(cast):
    client = logged_in(cast.community_staff)
    created = post(
        client,
        f"/communities/{cast.tree.community.pk}/topics",
        {
            "title": "垃圾分类点",
            "source": "resident",
            "proposer_name": "陈伯",
            "proposer_phone": "13812345678",
        },
    )
    assert created.status_code == 201
    assert created.json()["proposer_phone"] == "138****5678"
    listed = client.get(f"{API}/topics").json()["items"]
    assert [t["title"] for t in listed] == ["垃圾分类点"]


def test_a_topic_without_a_title_is_a_422_naming_it(cast):
    response = post(
        logged_in(cast.community_staff),
        f"/communities/{cast.tree.community.pk}/topics",
        {"title": " "},
    )
    assert response.status_code == 422
    assert named(response) == ["title"]
    assert not Topic.objects.exists()


def test_another_communitys_staff_get_404_and_see_nothing(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff)
    vote = list_vote(cast.tree.community, cast.community_staff)
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    other = make_user("staff_c")
    grant_role(None, other, cast.tree.other_community, Role.COMMUNITY_STAFF)
    client = logged_in(other)

    assert client.get(f"{API}/meetings/{meeting.pk}").status_code == 404
    assert client.get(f"{API}/votes/{vote.pk}").status_code == 404
    assert post(client, f"/votes/{vote.pk}/close", {}).status_code == 404
    assert client.get(f"{API}/meetings").json()["items"] == []
    # A body missing everything is still refused by the community first, not by its fields.
    assert post(client, f"/communities/{cast.tree.community.pk}/votes", {}).status_code == 404
    assert post(client, f"/meetings/{meeting.pk}/decisions", {}).status_code == 404
    assert (
        post(client, f"/communities/{cast.tree.community.pk}/topics", {"title": "x"}).status_code
        == 404
    )


def test_a_meeting_decides_and_its_tasks_are_done_through_the_api(cast):
    client = logged_in(cast.community_staff)
    created = post(
        client,
        f"/communities/{cast.tree.community.pk}/meetings",
        {
            "kind": "joint",
            "title": "联席会议",
            "scheduled_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "place": "会议室",
            "invitees": [
                {"kind": "account", "username": "gw_a"},
                {"kind": "resident", "name": "陈伯"},
            ],
        },
    )
    assert created.status_code == 201
    meeting = created.json()
    due = (clock.now() + timedelta(days=3)).date().isoformat()
    bad_owner = post(
        client,
        f"/meetings/{meeting['id']}/decisions",
        {"text": "修路", "tasks": [{"title": "报价", "owner": "nobody", "due_on": due}]},
    )
    assert bad_owner.status_code == 422 and named(bad_owner) == ["tasks"]
    decided = post(
        client,
        f"/meetings/{meeting['id']}/decisions",
        {"text": "修路", "tasks": [{"title": "报价", "owner": "gw_a", "due_on": due}]},
    )
    assert decided.status_code == 201
    task = decided.json()["decisions"][0]["tasks"][0]
    assert task["light"] == "green"
    invitee = meeting["invitees"][0]["id"]
    assert (
        post(client, f"/meetings/{meeting['id']}/sign-in", {"invitee": invitee}).status_code == 200
    )
    assert post(client, f"/meetings/{meeting['id']}/hold", {}).status_code == 200
    assert post(client, f"/meetings/{meeting['id']}/hold", {}).status_code == 409

    owner = logged_in(cast.grid_worker_a)
    mine = owner.get(f"{API}/tasks?mine=true").json()["items"]
    assert [t["title"] for t in mine] == ["报价"]
    evidence = upload(cast.grid_worker_a)
    done = post(owner, f"/tasks/{task['id']}/complete", {"note": "已报价", "evidence": [evidence]})
    assert done.status_code == 200 and done.json()["state"] == "done"
    reused = post(owner, f"/tasks/{task['id']}/complete", {"note": "again"})
    assert reused.status_code == 409


def test_someone_elses_upload_cannot_be_cited_as_evidence(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    services.decide_topic(
        cast.community_staff, meeting, "修路", tasks=[task_for(cast.grid_worker_a)]
    )
    task = Task.objects.get()
    theirs = upload(cast.community_staff)

    response = post(
        logged_in(cast.grid_worker_a),
        f"/tasks/{task.pk}/complete",
        {"note": "好", "evidence": [theirs]},
    )

    assert response.status_code == 422 and named(response) == ["evidence"]
    assert Task.objects.get().state == TaskState.OPEN


def test_a_community_kiosk_casts_a_ballot_with_the_voters_link_through_the_api(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, is_changeable=False)
    token = links(cast.community_staff, vote)[0]
    assert Client().get(f"{API}/ballots/{token}").status_code == 401
    assert logged_in(cast.administrator).get(f"{API}/ballots/{token}").status_code == 200
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    other = make_user("staff_c")
    grant_role(None, other, cast.tree.other_community, Role.COMMUNITY_STAFF)
    assert logged_in(other).get(f"{API}/ballots/{token}").status_code == 404
    assert post(logged_in(other), f"/ballots/{token}", {"choice": 0}).status_code == 404
    kiosk = logged_in(cast.grid_worker_a)  # the kiosk's account: sees the community's votes

    seen = kiosk.get(f"{API}/ballots/{token}")
    assert seen.status_code == 200 and seen.json()["my_choice"] is None
    assert post(kiosk, f"/ballots/{token}", {"choice": 1}).json()["my_choice"] == 1
    assert post(kiosk, f"/ballots/{token}", {"choice": 0}).status_code == 409
    assert post(kiosk, f"/ballots/{token}", {"choice": True}).status_code == 422
    assert kiosk.get(f"{API}/ballots/{'x' * 43}").status_code == 404
    assert Ballot.objects.count() == 1


def test_links_and_the_close_through_the_api(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    client = logged_in(cast.community_staff)

    issued = post(client, f"/votes/{vote.pk}/links", {})
    assert len(issued.json()) == 3
    token = issued.json()[0]["url"].rstrip("/").rsplit("/", 1)[-1]
    post(client, f"/ballots/{token}", {"choice": 0})
    closed = post(client, f"/votes/{vote.pk}/close", {})

    assert closed.json()["result"]["counts"] == [1, 0, 0]
    assert post(client, f"/ballots/{token}", {"choice": 1}).status_code == 409
    assert post(client, f"/votes/{vote.pk}/links", {}).status_code == 409


def test_procedure_steps_in_order_and_quorum_refusal_through_the_api(cast):
    client = logged_in(cast.community_staff)
    procedure = post(
        client, f"/communities/{cast.tree.community.pk}/procedures", {"title": "村道硬化"}
    ).json()
    today = clock.today().isoformat()
    out_of_order = post(
        client, f"/procedures/{procedure['id']}/steps", {"step": "review", "held_on": today}
    )
    assert out_of_order.status_code == 409
    assert (
        post(
            client,
            f"/procedures/{procedure['id']}/steps",
            {"step": "proposal", "held_on": today, "notes": "提议"},
        ).status_code
        == 201
    )
    consult = {
        "step": "consultation",
        "held_on": today,
        "expected": 7,
        "present": 6,
        "in_favour": 6,
    }
    assert post(client, f"/procedures/{procedure['id']}/steps", consult).status_code == 201
    refused = post(
        client,
        f"/procedures/{procedure['id']}/steps",
        {"step": "review", "held_on": today, "expected": 30, "present": 25, "in_favour": 12},
    )
    assert refused.status_code == 422 and named(refused) == ["in_favour"]
    assert "more than half" in refused.json()["detail"][0]["msg"]
    assert ProcedureStep.objects.count() == 2
    assert client.get(f"{API}/procedures/{procedure['id']}").json()["next_step"] == Step.REVIEW


@pytest.mark.parametrize("path", ["/topics", "/meetings", "/tasks", "/votes", "/procedures"])
def test_api_lists_keep_a_constant_number_of_queries(cast, path, django_assert_max_num_queries):
    for n in range(5):
        meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1, title=f"会{n}")
        services.decide_topic(
            cast.community_staff, meeting, "决定", tasks=[task_for(cast.grid_worker_a)]
        )
        list_vote(cast.tree.community, cast.community_staff, question=f"表决{n}")
        services.propose_topic(
            cast.community_staff, cast.tree.community, services.TopicInput(title=f"题{n}")
        )
        services.start_procedure(cast.community_staff, cast.tree.community, f"事{n}")
    client = logged_in(cast.community_staff)
    client.get(f"{API}{path}")
    with django_assert_max_num_queries(10):
        response = client.get(f"{API}{path}")
    assert response.status_code == 200 and len(response.json()["items"]) == 5


def test_a_vote_is_opened_through_the_api_and_missing_fields_are_named(cast):
    client = logged_in(cast.community_staff)
    path = f"/communities/{cast.tree.community.pk}/votes"
    assert named(post(client, path, {})) == ["question"]
    assert named(post(client, path, {"question": "是否同意？"})) == ["closes_at"]
    closes = (clock.now() + timedelta(days=1)).isoformat()
    assert named(post(client, path, {"question": "是否同意？", "closes_at": closes})) == [
        "electorate"
    ]
    created = post(
        client,
        path,
        {
            "question": "是否同意？",
            "closes_at": closes,
            "electorate": "list",
            "names": ["甲", "乙"],
        },
    )
    assert created.status_code == 201
    assert created.json()["eligible"] == 2 and created.json()["result"] is None


def test_owners_of_another_communitys_compound_are_refused_naming_the_field(cast):
    from tests.people.helpers import house_in

    house = house_in(cast.tree.grid_c, "101", compound="东成花园")
    response = post(
        logged_in(cast.administrator),
        f"/communities/{cast.tree.community.pk}/votes",
        {
            "question": "是否同意？",
            "closes_at": (clock.now() + timedelta(days=1)).isoformat(),
            "electorate": "owners",
            "compound_id": house.building.compound_id,
        },
    )
    assert response.status_code == 422 and named(response) == ["compound_id"]
