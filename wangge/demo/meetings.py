"""The demo's meetings and votes in 石冲社区: topics (from staff, a resident and the community's
stuck cases), last month's joint meeting held with its decisions and tasks (one done, one open,
one overdue), the next joint meeting scheduled to report on them, an open secret vote of the
household representatives with one-time links, a closed vote with its published result, and two
四议两公开 procedures: one halfway through, one disclosed — all through the meetings services.

Voting links: only their hashes are stored, so the demo prints the three it issues (and casts a
ballot with the first); the other voters' links are issued by `staff` or `admin` on the vote's
page ("Issue the links not yet issued"), which shows them once.
"""

from __future__ import annotations

import io
import sys
from datetime import timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.core.models import User
from wangge.demo.cases import GRID
from wangge.meetings import services
from wangge.meetings.models import (
    Ballot,
    Decision,
    Electorate,
    Invitee,
    InviteeKind,
    Meeting,
    MeetingKind,
    Procedure,
    ProcedureStep,
    Step,
    Task,
    Topic,
    Vote,
    Voter,
)
from wangge.org.models import OrgUnit

COMMUNITY = GRID[:12]  # 石冲社区
HELD_TITLE = "石冲社区第三季度联席会议"
NEXT_TITLE = "石冲社区第四季度联席会议"
PRINTED_LINKS = 3


def _notice_photo(actor: User, colour: str) -> object:
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 600, 380), outline="white", width=6)
    draw.text((70, 70), "NOTICE BOARD", fill="white")
    data = io.BytesIO()
    image.save(data, format="JPEG")
    return store_attachment(actor, data.getvalue(), name="公示栏.jpg")


def _links_for(vote: Vote, issued: list) -> str:
    lines = [f"Demo vote #{vote.pk} ({vote.question}): one-time voting links"]
    lines += [f"  {voter.name}: /public/meetings/ballot/{token}/" for voter, token in issued]
    return "\n".join(lines) + "\n"


def _rows() -> int:
    return sum(
        model.objects.count()
        for model in (
            Topic,
            Meeting,
            Invitee,
            Decision,
            Task,
            Vote,
            Voter,
            Ballot,
            Procedure,
            ProcedureStep,
        )
    )


def load_demo_meetings() -> int:
    """Create the demo's meetings data once; returns the rows made (0 when present already)."""
    community = OrgUnit.objects.filter(code=COMMUNITY).first()
    users = {
        u.username: u for u in User.objects.filter(username__in=["staff", "gridworker", "parttime"])
    }
    if community is None or len(users) < 3:
        return 0
    if Meeting.objects.filter(community=community, title=HELD_TITLE).exists():
        return 0
    staff, gridworker, parttime = users["staff"], users["gridworker"], users["parttime"]
    now = clock.now()
    before = _rows()

    # Topics: from staff, from a resident on the public page, and from the stuck cases.
    parking = services.propose_topic(
        staff,
        community,
        services.TopicInput(title="石冲花园夜间停车难", description="车位不足，消防通道常被占用。"),
    )
    lights = services.propose_topic(
        staff,
        community,
        services.TopicInput(
            title="石冲村二巷路灯不亮",
            source="member_unit",
            proposer_name="石冲供电所",
        ),
    )
    services.propose_topic_publicly(
        community,
        services.TopicInput(
            title="希望增设长者饭堂",
            description="小区独居长者多，吃饭不方便。",
            proposer_name="陈伯",
            proposer_phone="13800138123",
        ),
    )
    services.topics_from_cases(staff, community)

    # Last month's joint meeting, held, with decisions and tasks.
    held_at = now - timedelta(days=24)
    with clock.frozen_at(held_at):
        meeting = services.schedule_meeting(
            staff,
            community,
            services.MeetingInput(
                kind=MeetingKind.JOINT,
                title=HELD_TITLE,
                scheduled_at=held_at - timedelta(hours=1),
                place="石冲社区党群服务中心二楼会议室",
                topics=[parking, lights],
                invitees=[
                    services.InviteeInput(InviteeKind.ACCOUNT, user=staff),
                    services.InviteeInput(InviteeKind.ACCOUNT, user=gridworker),
                    services.InviteeInput(
                        InviteeKind.MEMBER_UNIT, name="黄主任", organisation="石冲供电所"
                    ),
                    services.InviteeInput(
                        InviteeKind.MEMBER_UNIT, name="李经理", organisation="石冲物业公司"
                    ),
                    services.InviteeInput(InviteeKind.RESIDENT, name="陈伯"),
                ],
            ),
        )
        for invitee in meeting.invitees.all()[:4]:
            services.sign_in(staff, invitee)
        day = held_at.date()
        parking_decision = services.decide_topic(
            staff,
            meeting,
            "物业划定夜间临时停车位，社区组织清理消防通道。",
            topic=parking,
            tasks=[
                services.TaskInput("清理消防通道占用车辆", gridworker, day + timedelta(days=10)),
                services.TaskInput("划定夜间临时停车位", staff, day + timedelta(days=40)),
            ],
        )
        services.decide_topic(
            staff,
            meeting,
            "供电所两周内更换二巷路灯。",
            topic=lights,
            tasks=[services.TaskInput("更换二巷路灯", parttime, day + timedelta(days=14))],
        )
        services.hold_meeting(staff, meeting, "出席 4 人。议定停车与路灯两项，分派任务三项。")
    with clock.frozen_at(held_at + timedelta(days=9)):
        services.complete_task(
            parttime, Task.objects.get(title="更换二巷路灯"), "已更换 6 盏路灯，夜间照明恢复。"
        )

    # The next joint meeting: reports on the tasks above (one of them overdue).
    services.schedule_meeting(
        staff,
        community,
        services.MeetingInput(
            kind=MeetingKind.JOINT,
            title=NEXT_TITLE,
            scheduled_at=now + timedelta(days=7),
            place="石冲社区党群服务中心二楼会议室",
            invitees=[
                services.InviteeInput(InviteeKind.ACCOUNT, user=staff),
                services.InviteeInput(InviteeKind.ACCOUNT, user=gridworker),
                services.InviteeInput(InviteeKind.RESIDENT, name="陈伯"),
            ],
        ),
    )

    # An open secret vote of the household representatives, on the parking decision.
    vote = services.create_vote(
        staff,
        community,
        services.VoteInput(
            question="是否同意在石冲花园划定夜间临时停车位？",
            electorate=Electorate.HOUSEHOLDS,
            closes_at=now + timedelta(days=7),
            is_secret=True,
            is_changeable=True,
            decision=parking_decision,
        ),
    )
    first_voters = list(vote.voters.order_by("pk").values_list("pk", flat=True)[:PRINTED_LINKS])
    issued = services.issue_links(staff, vote, first_voters)
    if issued:
        services.cast_ballot(issued[0][1], 0)
        sys.stdout.write(_links_for(vote, issued))

    # A closed vote with its result published.
    with clock.frozen_at(now - timedelta(days=15)):
        closed = services.create_vote(
            staff,
            community,
            services.VoteInput(
                question="是否同意社区广场晚上九点后停止广场舞音响？",
                electorate=Electorate.LIST,
                names=["陈伯", "李姨", "王叔", "黄姐", "周哥"],
                closes_at=now - timedelta(days=8),
            ),
        )
        for choice, (_voter, token) in zip(
            (0, 0, 0, 1), services.issue_links(staff, closed), strict=False
        ):
            services.cast_ballot(token, choice)
    services.close_due_votes()

    # 四议两公开: one procedure halfway, one disclosed.
    today = timezone.localdate(now)
    halfway = services.start_procedure(
        staff, community, "石冲村二巷道路硬化", "二巷路面破损，拟使用村集体资金硬化 300 米。"
    )
    services.record_step(
        staff,
        halfway,
        services.StepInput(
            Step.PROPOSAL,
            today - timedelta(days=12),
            notes="村党组织提议：二巷道路硬化，预算 18 万元。",
            documents=[_notice_photo(staff, "#7a1f1f")],
        ),
    )
    services.record_step(
        staff,
        halfway,
        services.StepInput(
            Step.CONSULTATION, today - timedelta(days=8), 9, 9, 8, "两委会议商议通过。"
        ),
    )
    services.record_step(
        staff,
        halfway,
        services.StepInput(
            Step.REVIEW, today - timedelta(days=3), 36, 29, 25, "党员大会审议通过。"
        ),
    )
    done = services.start_procedure(
        staff, community, "石冲社区文化室改造", "使用微实事资金改造文化室。"
    )
    for given in (
        services.StepInput(
            Step.PROPOSAL, today - timedelta(days=60), notes="党组织提议改造文化室。"
        ),
        services.StepInput(Step.CONSULTATION, today - timedelta(days=55), 9, 8, 8),
        services.StepInput(Step.REVIEW, today - timedelta(days=50), 36, 30, 27),
        services.StepInput(
            Step.RESOLUTION, today - timedelta(days=45), 45, 38, 33, "代表会议表决通过。"
        ),
        services.StepInput(
            Step.RESOLUTION_DISCLOSED,
            today - timedelta(days=44),
            notes="决议已在社区公示栏公示 7 天。",
            documents=[_notice_photo(staff, "#1f4e7a")],
        ),
        services.StepInput(
            Step.OUTCOME_DISCLOSED,
            today - timedelta(days=5),
            notes="改造完工，费用 6.8 万元，明细已公示。",
            documents=[_notice_photo(staff, "#1f7a3a")],
        ),
    ):
        services.record_step(staff, done, given)
    return _rows() - before
