"""The demo's meetings: made once in 石冲社区 through the services, with a held joint meeting
whose tasks include an overdue one, an open vote with links, and a procedure halfway."""

from __future__ import annotations

import pytest

from wangge.core import clock
from wangge.demo.loader import load_demo
from wangge.demo.meetings import HELD_TITLE, load_demo_meetings
from wangge.meetings import services
from wangge.meetings.models import Meeting, MeetingState, Procedure, Task, Vote, VoteState

pytestmark = pytest.mark.django_db


def test_the_demo_meetings_are_made_once(capsys):
    made = load_demo().community_work_rows  # the demo loader makes them with the rest
    again = load_demo_meetings()

    assert made > 0 and again == 0
    held = Meeting.objects.get(title=HELD_TITLE)
    assert held.state == MeetingState.HELD and held.community.name == "石冲社区"
    lights = [
        services.task_light(task, clock.now())
        for task in Task.objects.filter(decision__meeting=held)
    ]
    assert "red" in lights and "" in lights
    open_vote = Vote.objects.get(state=VoteState.OPEN)
    assert open_vote.is_secret and open_vote.voters.filter(token_hash__isnull=True).exists()
    assert "/public/meetings/ballot/" in capsys.readouterr().out
    assert Vote.objects.get(state=VoteState.CLOSED).result["passed"] is True
    halfway = Procedure.objects.get(title="石冲村二巷道路硬化")
    assert services.next_step(halfway) == "resolution"


def test_the_demo_pages_open_for_the_demo_accounts(capsys):
    from tests.clients import logged_in
    from wangge.core.models import User
    from wangge.meetings.models import ProcedureStep, Topic

    load_demo()
    load_demo_meetings()
    held = Meeting.objects.get(title=HELD_TITLE)
    vote = Vote.objects.get(state=VoteState.OPEN)
    task = Task.objects.filter(decision__meeting=held).first()
    procedure = Procedure.objects.get(title="石冲村二巷道路硬化")
    disclosed = ProcedureStep.objects.filter(step="outcome_disclosed").get().procedure
    pages = [
        "/meetings/",
        "/meetings/topics/",
        f"/meetings/topics/{Topic.objects.first().pk}/",
        "/meetings/list/",
        f"/meetings/{held.pk}/",
        "/meetings/tasks/",
        f"/meetings/tasks/{task.pk}/",
        "/meetings/votes/",
        f"/meetings/votes/{vote.pk}/",
        "/meetings/procedures/",
        f"/meetings/procedures/{procedure.pk}/",
    ]
    for username in ("staff", "admin", "leader", "gridworker"):
        client = logged_in(User.objects.get(username=username))
        for url in pages:
            assert client.get(url).status_code == 200, (username, url)
    for url in ("/public/meetings/disclosures/", f"/public/meetings/disclosures/{disclosed.pk}/"):
        from django.test import Client

        assert Client().get(url).status_code == 200
    capsys.readouterr()
