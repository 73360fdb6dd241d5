"""Staff pages: every page renders for those in scope, refusals are shown beside their field,
another community's user gets 404, lists keep a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cases.loop_helpers import photo_bytes
from tests.clients import logged_in
from tests.meetings.helpers import held_meeting, list_vote, meeting_in, task_for
from tests.people.helpers import assert_error_beside, html_of
from wangge.core import clock
from wangge.meetings import services
from wangge.meetings.models import (
    Meeting,
    MeetingState,
    ProcedureStep,
    Step,
    Task,
    TaskState,
    Topic,
    Vote,
)

pytestmark = pytest.mark.django_db


def test_the_home_page_flags_communities_without_a_joint_meeting_this_quarter(cast):
    held_meeting(cast.tree.community, cast.community_staff)
    response = logged_in(cast.leader).get("/meetings/")

    html = html_of(response)
    assert response.status_code == 200
    table = html.split('id="quarter-table"', 1)[1]
    assert "东成社区" in table and "石冲社区" in table
    shichong = table.split("石冲社区", 1)[1].split("</tr>", 1)[0]
    dongcheng = table.split("东成社区", 1)[1].split("</tr>", 1)[0]
    assert 'class="ok"' in shichong
    assert 'class="flag"' in dongcheng


def test_staff_propose_a_topic_and_a_missing_title_is_shown_beside_it(cast):
    client = logged_in(cast.community_staff)
    refused = client.post(
        "/meetings/topics/new/",
        {"community": cast.tree.community.pk, "title": "", "source": "staff"},
    )
    assert refused.status_code == 400
    assert_error_beside(html_of(refused), "id_title")

    response = client.post(
        "/meetings/topics/new/",
        {
            "community": cast.tree.community.pk,
            "title": "小区停车难",
            "source": "resident",
            "proposer_name": "陈伯",
            "proposer_phone": "13812345678",
        },
    )
    topic = Topic.objects.get()
    assert response.status_code == 302
    page = html_of(client.get(f"/meetings/topics/{topic.pk}/"))
    assert "138****5678" in page and "13812345678" not in page


def test_a_meeting_is_scheduled_run_and_held_through_its_page(cast):
    client = logged_in(cast.community_staff)
    topic = services.propose_topic(
        cast.community_staff, cast.tree.community, services.TopicInput(title="加装电梯")
    )
    when = (clock.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/meetings/new/",
        {
            "community": cast.tree.community.pk,
            "kind": "joint",
            "title": "四季度联席会议",
            "scheduled_at": when,
            "place": "党群服务中心",
            "topics": [topic.pk],
            "accounts": "gw_a",
            "member_units": "王主任, 供电局",
            "residents": "陈伯",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert meeting.invitees.count() == 3
    invitee = meeting.invitees.get(name="王主任")

    assert (
        client.post(f"/meetings/{meeting.pk}/invitees/{invitee.pk}/", {"present": "1"}).status_code
        == 302
    )
    no_owner = client.post(
        f"/meetings/{meeting.pk}/decision/",
        {"topic": topic.pk, "text": "同意加装", "task_1_title": "报价", "task_1_owner": "nobody"},
    )
    assert no_owner.status_code == 400
    assert_error_beside(html_of(no_owner), "id_task_1_owner")
    due = (clock.now() + timedelta(days=7)).date().isoformat()
    decided = client.post(
        f"/meetings/{meeting.pk}/decision/",
        {
            "topic": topic.pk,
            "text": "同意加装",
            "task_1_title": "报价",
            "task_1_owner": "gw_a",
            "task_1_due_on": due,
        },
    )
    assert decided.status_code == 302
    assert client.post(f"/meetings/{meeting.pk}/hold/").status_code == 302

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert Task.objects.get().owner == cast.grid_worker_a
    page = html_of(client.get(f"/meetings/{meeting.pk}/"))
    assert "同意加装" in page and "报价" in page


def test_a_sign_in_link_is_shown_once_on_the_meeting_page(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff)
    invitee = meeting.invitees.last()

    response = logged_in(cast.community_staff).post(
        f"/meetings/{meeting.pk}/invitees/{invitee.pk}/", {"link": "1"}
    )

    assert "/public/meetings/sign-in/" in html_of(response)


def test_a_meeting_of_another_community_is_404(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff)
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    other = make_user("staff_c", "东成干部")
    grant_role(None, other, cast.tree.other_community, Role.COMMUNITY_STAFF)
    client = logged_in(other)

    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/hold/").status_code == 404
    assert "第三季度联席会议" not in html_of(client.get("/meetings/list/"))


def test_a_grid_worker_sees_their_communitys_meetings_but_cannot_run_them(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff)
    client = logged_in(cast.grid_worker_a)

    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "x"}).status_code == 403
    assert client.get("/meetings/new/").status_code == 403


def test_the_owner_completes_a_task_with_a_note_and_a_photo(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    services.decide_topic(
        cast.community_staff, meeting, "修路", tasks=[task_for(cast.grid_worker_a)]
    )
    task = Task.objects.get()
    client = logged_in(cast.grid_worker_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post(f"/meetings/tasks/{task.pk}/", {"note": ""})
    assert refused.status_code == 400
    assert_error_beside(html_of(refused), "id_note")
    response = client.post(
        f"/meetings/tasks/{task.pk}/",
        {"note": "已修好", "evidence": SimpleUploadedFile("p.jpg", photo_bytes(), "image/jpeg")},
    )

    task.refresh_from_db()
    assert response.status_code == 302
    assert task.state == TaskState.DONE
    evidence = task.evidence.get()
    assert client.get(f"/meetings/tasks/{task.pk}/evidence/{evidence.pk}/").status_code == 200
    assert (
        logged_in(cast.outsider)
        .get(f"/meetings/tasks/{task.pk}/evidence/{evidence.pk}/")
        .status_code
        == 404
    )


def test_a_vote_is_opened_links_issued_once_and_closed_from_its_page(cast):
    client = logged_in(cast.community_staff)
    closes = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/meetings/votes/new/",
        {
            "community": cast.tree.community.pk,
            "question": "是否同意改造广场？",
            "electorate": "list",
            "names": "甲\n乙",
            "is_secret": "on",
            "is_changeable": "on",
            "quorum": "more_than_half",
            "majority": "more_than_half",
            "majority_base": "cast",
            "closes_at": closes,
        },
    )
    vote = Vote.objects.get()
    assert response.status_code == 302
    issued = client.post(f"/meetings/votes/{vote.pk}/links/")
    assert html_of(issued).count("/public/meetings/ballot/") == 2
    assert (
        html_of(client.post(f"/meetings/votes/{vote.pk}/links/")).count("/public/meetings/ballot/")
        == 0
    )
    assert client.post(f"/meetings/votes/{vote.pk}/close/").status_code == 302
    assert "Not passed" in html_of(client.get(f"/meetings/votes/{vote.pk}/"))


def test_an_empty_list_of_voters_is_refused_beside_the_field(cast):
    response = logged_in(cast.community_staff).post(
        "/meetings/votes/new/",
        {
            "community": cast.tree.community.pk,
            "question": "?",
            "electorate": "list",
            "names": "",
            "quorum": "none",
            "majority": "more_than_half",
            "majority_base": "cast",
            "closes_at": (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_electorate")


def test_a_procedure_refuses_a_failed_quorum_by_the_field_naming_the_rule(cast):
    client = logged_in(cast.community_staff)
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    today = clock.today().isoformat()
    for step in (Step.PROPOSAL, Step.CONSULTATION):
        data = {
            "step": step,
            "held_on": today,
            "notes": "提议",
            "expected": 7,
            "present": 7,
            "in_favour": 7,
        }
        assert client.post(f"/meetings/procedures/{procedure.pk}/", data).status_code == 302

    refused = client.post(
        f"/meetings/procedures/{procedure.pk}/",
        {"step": Step.REVIEW, "held_on": today, "expected": 30, "present": 19, "in_favour": 19},
    )

    assert refused.status_code == 400
    assert_error_beside(html_of(refused), "id_present", "at least two thirds")
    assert ProcedureStep.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/meetings/",
        "/meetings/topics/",
        "/meetings/list/",
        "/meetings/tasks/",
        "/meetings/votes/",
        "/meetings/procedures/",
    ],
)
def test_lists_keep_a_constant_number_of_queries(cast, url, django_assert_max_num_queries):
    for n in range(4):
        meeting = meeting_in(cast.tree.community, cast.community_staff, title=f"会议{n}", hours=-1)
        services.decide_topic(
            cast.community_staff, meeting, "决定", tasks=[task_for(cast.grid_worker_a)]
        )
        list_vote(cast.tree.community, cast.community_staff, question=f"表决{n}")
        services.propose_topic(
            cast.community_staff, cast.tree.community, services.TopicInput(title=f"议题{n}")
        )
        services.start_procedure(cast.community_staff, cast.tree.community, f"事项{n}")
    client = logged_in(cast.community_staff)
    client.get(url)  # warm the per-process caches
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_meeting_page_reports_open_tasks_of_earlier_meetings(cast):
    first = meeting_in(cast.tree.community, cast.community_staff, hours=-48, title="上次会议")
    services.decide_topic(
        cast.community_staff, first, "清理河道", tasks=[task_for(cast.grid_worker_a, title="清淤")]
    )
    services.sign_in(cast.community_staff, first.invitees.first())
    services.hold_meeting(cast.community_staff, first)
    second = meeting_in(cast.tree.community, cast.community_staff, hours=24, title="本次会议")

    page = html_of(logged_in(cast.community_staff).get(f"/meetings/{second.pk}/"))

    assert "清淤" in page.split('id="report-tasks"', 1)[1].split("</ul>", 1)[0]


def test_my_work_shows_the_users_open_tasks_and_the_menu_offers_meetings(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    services.decide_topic(
        cast.community_staff,
        meeting,
        "修路",
        tasks=[task_for(cast.grid_worker_a, title="修复二巷路灯")],
    )
    worker = logged_in(cast.grid_worker_a)

    work = html_of(worker.get("/cases/my/"))
    home = html_of(worker.get("/"))

    assert "修复二巷路灯" in work
    assert "/meetings/" in home
    assert "修复二巷路灯" not in html_of(logged_in(cast.grid_worker_b).get("/cases/my/"))
    assert "/meetings/" not in html_of(logged_in(cast.department_handler).get("/"))


def test_a_decision_is_put_to_a_vote_from_the_meeting_page(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    decision = services.decide_topic(cast.community_staff, meeting, "加装电梯")
    client = logged_in(cast.community_staff)
    assert f"decision_id={decision.pk}" in html_of(client.get(f"/meetings/{meeting.pk}/"))
    form = html_of(client.get(f"/meetings/votes/new/?decision_id={decision.pk}"))
    assert f'<option value="{decision.pk}" selected>' in form
    assert client.get("/meetings/votes/new/?decision_id=x1").status_code == 200

    client.post(
        "/meetings/votes/new/",
        {
            "community": cast.tree.community.pk,
            "decision": decision.pk,
            "question": "是否同意加装电梯？",
            "electorate": "attendees",
            "meeting": meeting.pk,
            "quorum": "none",
            "majority": "more_than_half",
            "majority_base": "cast",
            "closes_at": (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    # Nobody signed in at that meeting yet: refused, nothing opened.
    assert not Vote.objects.exists()
    services.sign_in(cast.community_staff, meeting.invitees.first())
    response = client.post(
        "/meetings/votes/new/",
        {
            "community": cast.tree.community.pk,
            "decision": decision.pk,
            "question": "是否同意加装电梯？",
            "electorate": "attendees",
            "meeting": meeting.pk,
            "quorum": "none",
            "majority": "more_than_half",
            "majority_base": "cast",
            "closes_at": (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert Vote.objects.get().decision == decision
