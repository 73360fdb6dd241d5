"""The meetings app's part of the authorization table's world (tests/security/world.py): one
object of each kind in 石冲社区 / grid A, built through the services, and every string the other
subtree must never see.

Routes open to anonymous users (under /public/meetings/, and two API operations):
- `public/meetings/propose/` (+ `thanks/`): a resident proposes a topic; the form lists
  communities by name only. A POST files a new topic (tables `meetings.topic`, and the rate
  counters) — like `POST public/report/`, it writes only the new row.
- `public/meetings/ballot/<ballot_token>/` and `GET/POST api/v1/meetings/ballots/<ballot_token>`:
  the one-time link's token is the voter's credential. Whoever holds it sees the vote's question,
  options and their own choice, and may cast that voter's ballot (tables `meetings.ballot`,
  `core.auditentry`). The question is therefore not a secret here; the voters' names are.
- `public/meetings/sign-in/<sign_in_token>/`: the invitee's own link; shows the meeting's title,
  place and the invitee's own name, and a POST signs that invitee in. The meeting's title is
  therefore not listed as a secret; the minutes, decisions and other names are.
- `public/meetings/votes/<vote_id>/`: the published result (question and counts) of any vote;
  no names.
- `public/meetings/disclosures/…`: the disclosure steps (notes, date, notice-board photo) of
  procedures that reached a disclosure; the world's procedure stops before one, so its title
  and notes stay secret.
Every staff route is scoped by community: another community's users get 404.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image

from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.core.masking import mask_phone
from wangge.meetings import services
from wangge.meetings.models import (
    Electorate,
    InviteeKind,
    MeetingKind,
    Step,
    StepDocument,
    Task,
    TaskEvidence,
)

PROPOSER_PHONE = "13611112222"

# Public operations that write only the caller's own rows (see the docstring).
OWN_TABLES: dict[str, frozenset[str]] = {
    "POST public/meetings/propose/": frozenset({"meetings.topic", "core.auditentry"}),
    "POST public/meetings/sign-in/<str:sign_in_token>/": frozenset(
        {"meetings.invitee", "core.auditentry"}
    ),
    "POST public/meetings/ballot/<str:ballot_token>/": frozenset(
        {"meetings.ballot", "meetings.voter", "core.auditentry"}
    ),
}

PARAM_SOURCES: dict[str, str] = {
    "topic_id": "topic_id",
    "meeting_id": "meeting_id",
    "invitee_id": "invitee_id",
    "task_id": "task_id",
    "evidence_id": "evidence_id",
    "vote_id": "vote_id",
    "procedure_id": "procedure_id",
    "document_id": "document_id",
    "community_id": "community_id",
    "ballot_token": "ballot_token",
    "sign_in_token": "sign_in_token",
}


def _photo(actor: Any) -> Any:
    data = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(data, format="JPEG")
    return store_attachment(actor, data.getvalue(), name="会议照片.jpg")


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    staff = cast.community_staff
    community = cast.tree.community
    topic = services.propose_topic(
        staff,
        community,
        services.TopicInput(
            title="秘密议题：石冲旧改补偿",
            description="补偿标准内部讨论",
            source="resident",
            proposer_name="欧阳提议人",
            proposer_phone=PROPOSER_PHONE,
        ),
    )
    meeting = services.schedule_meeting(
        staff,
        community,
        services.MeetingInput(
            kind=MeetingKind.JOINT,
            title="石冲社区联席会议",
            scheduled_at=clock.now() - timedelta(minutes=10),
            place="石冲社区党群服务中心",
            topics=[topic],
            invitees=[
                services.InviteeInput(InviteeKind.ACCOUNT, user=cast.grid_worker_a),
                services.InviteeInput(
                    InviteeKind.MEMBER_UNIT, name="司马代表", organisation="石冲供电所"
                ),
                services.InviteeInput(InviteeKind.RESIDENT, name="诸葛居民"),
            ],
        ),
    )
    invitee = meeting.invitees.get(name="诸葛居民")
    sign_in_token = services.issue_sign_in_link(staff, invitee)
    meeting = services.record_minutes(staff, meeting, "纪要：旧改补偿按内部方案执行")
    decision = services.decide_topic(
        staff,
        meeting,
        "决定：补偿方案报街道审批",
        topic=topic,
        tasks=[
            services.TaskInput(
                "秘密任务：起草补偿方案", cast.grid_worker_a, clock.today() + timedelta(days=5)
            )
        ],
    )
    task = Task.objects.get(decision=decision)
    services.complete_task(
        cast.grid_worker_a, task, "已起草方案（内部）", [_photo(cast.grid_worker_a)]
    )
    evidence = TaskEvidence.objects.get(task=task)
    vote = services.create_vote(
        staff,
        community,
        services.VoteInput(
            question="是否同意旧改方案？",
            electorate=Electorate.LIST,
            names=["上官投票人", "东方投票人"],
            closes_at=clock.now() + timedelta(days=3),
            is_secret=True,
        ),
    )
    (_voter, ballot_token), *_rest = services.issue_links(staff, vote)
    procedure = services.start_procedure(staff, community, "秘密事项：村道硬化", "经费内部测算")
    services.record_step(
        staff,
        procedure,
        services.StepInput(
            Step.PROPOSAL,
            clock.today(),
            notes="党支部提议：内部意见",
            documents=[_photo(staff)],
        ),
    )
    document = StepDocument.objects.get(step__procedure=procedure)
    secrets.update(
        {
            "meetings topic title": topic.title,
            "meetings topic description": topic.description,
            "meetings proposer name": topic.proposer_name,
            "meetings proposer phone": PROPOSER_PHONE,
            "meetings proposer phone masked": mask_phone(PROPOSER_PHONE),
            "meetings member unit representative": "司马代表",
            "meetings minutes": meeting.minutes,
            "meetings decision": decision.text,
            "meetings task": task.title,
            "meetings task note": "已起草方案（内部）",
            "meetings voter": "上官投票人",
            "meetings procedure": procedure.title,
            "meetings procedure notes": "党支部提议：内部意见",
        }
    )
    return {
        "topic_id": topic.pk,
        "meeting_id": meeting.pk,
        "invitee_id": invitee.pk,
        "task_id": task.pk,
        "evidence_id": evidence.pk,
        "vote_id": vote.pk,
        "procedure_id": procedure.pk,
        "document_id": document.pk,
        "community_id": community.pk,
        "ballot_token": ballot_token,
        "sign_in_token": sign_in_token,
    }
