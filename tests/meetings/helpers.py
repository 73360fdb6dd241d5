"""Builders for the meetings tests, all through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from wangge.core import clock
from wangge.meetings import services
from wangge.meetings.models import Electorate, InviteeKind, Meeting, MeetingKind, Vote
from wangge.meetings.services import InviteeInput, MeetingInput, TaskInput, VoteInput


def meeting_in(
    community: Any, organiser: Any, *, kind: str = MeetingKind.JOINT, hours: float = 1, **given: Any
) -> Meeting:
    """A meeting scheduled `hours` from now (negative: started already), with one account and
    one resident invited."""
    invitees = given.pop("invitees", None)
    if invitees is None:
        invitees = [
            InviteeInput(InviteeKind.ACCOUNT, user=organiser),
            InviteeInput(InviteeKind.RESIDENT, name="陈伯"),
        ]
    return services.schedule_meeting(
        organiser,
        community,
        MeetingInput(
            kind=kind,
            title=given.pop("title", "第三季度联席会议"),
            scheduled_at=clock.now() + timedelta(hours=hours),
            place=given.pop("place", "石冲社区党群服务中心"),
            topics=given.pop("topics", []),
            invitees=invitees,
        ),
    )


def held_meeting(community: Any, organiser: Any, **given: Any) -> Meeting:
    meeting = meeting_in(community, organiser, hours=-1, **given)
    services.sign_in(organiser, meeting.invitees.first())
    return services.hold_meeting(organiser, meeting, "会议纪要")


def task_for(owner: Any, days: int = 10, title: str = "修复路灯") -> TaskInput:
    return TaskInput(title=title, owner=owner, due_on=clock.today() + timedelta(days=days))


def list_vote(community: Any, organiser: Any, names: list[str] | None = None, **given: Any) -> Vote:
    return services.create_vote(
        organiser,
        community,
        VoteInput(
            question=given.pop("question", "是否同意加装电梯？"),
            electorate=Electorate.LIST,
            names=names if names is not None else ["甲", "乙", "丙"],
            closes_at=given.pop("closes_at", clock.now() + timedelta(days=3)),
            **given,
        ),
    )


def links(organiser: Any, vote: Vote) -> list[str]:
    return [token for _voter, token in services.issue_links(organiser, vote)]


def today() -> date:
    return clock.today()
