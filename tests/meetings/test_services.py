"""Topics, meetings, decisions and tasks, and 四议两公开 through their services."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_C, file_case
from tests.meetings.helpers import held_meeting, meeting_in, task_for
from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.core.models import AuditEntry
from wangge.meetings import services
from wangge.meetings.exceptions import Conflict, Invalid, NotAllowed
from wangge.meetings.models import (
    Decision,
    MeetingState,
    ProcedureStep,
    QuorumRule,
    Step,
    Task,
    TaskState,
    Threshold,
    Topic,
    TopicSource,
    TopicState,
)
from wangge.meetings.queries import joint_meeting_overview, quarter_of, tasks_to_report
from wangge.meetings.services import StepInput, TopicInput

pytestmark = pytest.mark.django_db


# --- topics ----------------------------------------------------------------------------------


def test_a_resident_proposes_a_topic_with_name_and_phone_kept_encrypted(cast):
    topic = services.propose_topic_publicly(
        cast.tree.community,
        TopicInput(title="楼下噪音", proposer_name="陈伯", proposer_phone="138 1234 5678"),
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT proposer_phone FROM meetings_topic")
        (stored,) = cursor.fetchone()
    assert topic.source == TopicSource.RESIDENT
    assert topic.state == TopicState.PROPOSED
    assert "13812345678" not in stored
    assert Topic.objects.get().proposer_phone == "13812345678"


def test_a_public_proposal_without_a_phone_is_refused(cast):
    with pytest.raises(Invalid) as refused:
        services.propose_topic_publicly(
            cast.tree.community, TopicInput(title="x", proposer_name="陈")
        )
    assert refused.value.field == "proposer_phone"


def test_a_topic_must_belong_to_a_community_or_village(cast):
    with pytest.raises(Invalid) as refused:
        services.propose_topic(cast.community_staff, cast.tree.grid_a, TopicInput(title="x"))
    assert refused.value.field == "community"


def _old_case(actor, at=IN_GRID_A):
    with clock.frozen_at(clock.now() - timedelta(days=40)):
        return file_case(actor, at=at)


def test_stuck_cases_become_topics_linked_to_them_once(cast):
    stuck = _old_case(cast.grid_worker_a)
    fresh = file_case(cast.grid_worker_a)
    elsewhere = _old_case(cast.community_staff, at=IN_GRID_C)

    created = services.topics_from_cases(cast.community_staff, cast.tree.community)
    again = services.topics_from_cases(cast.community_staff, cast.tree.community)

    assert [topic.case for topic in created] == [stuck]
    assert again == []
    assert created[0].source == TopicSource.CASE
    assert fresh.number not in {t.case.number for t in Topic.objects.all()}
    assert elsewhere.number not in {t.case.number for t in Topic.objects.all()}


def test_only_cases_the_organiser_may_see_become_topics(cast):
    """A village cadre who runs meetings of 石冲社区 from grid B only sees grid B's cases."""
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    _old_case(cast.grid_worker_a)  # in grid A
    cadre = make_user("cadre")
    grant_role(None, cadre, cast.tree.community, Role.COMMUNITY_STAFF)
    from wangge.cases.permissions import visible_cases

    assert visible_cases(cadre).exists()
    assert services.topics_from_cases(cadre, cast.tree.community)
    # The grid worker of grid B sees none of grid A's cases, and runs no meetings.
    with pytest.raises(NotAllowed):
        services.topics_from_cases(cast.grid_worker_b, cast.tree.community)
    assert list(services.stuck_cases(cast.grid_worker_b, cast.tree.community)) == []


def test_an_overdue_case_is_stuck_before_thirty_days(cast):
    case = file_case(cast.grid_worker_a)
    with clock.frozen_at(case.due_at + timedelta(hours=1)):
        stuck = list(services.stuck_cases(cast.community_staff, cast.tree.community))
    assert stuck == [case]


def test_a_rejected_topic_needs_a_reason_and_leaves_the_list(cast):
    topic = services.propose_topic(cast.community_staff, cast.tree.community, TopicInput(title="x"))
    with pytest.raises(Invalid):
        services.reject_topic(cast.community_staff, topic, "")
    services.reject_topic(cast.community_staff, topic, "不属于社区事务")
    topic.refresh_from_db()
    assert topic.state == TopicState.REJECTED
    with pytest.raises(Conflict):
        services.reject_topic(cast.community_staff, topic, "again")


# --- meetings --------------------------------------------------------------------------------


def test_a_meeting_life_cycle_moves_its_topics(cast):
    decided = services.propose_topic(
        cast.community_staff, cast.tree.community, TopicInput(title="A")
    )
    carried = services.propose_topic(
        cast.community_staff, cast.tree.community, TopicInput(title="B")
    )
    meeting = meeting_in(
        cast.tree.community, cast.community_staff, hours=-1, topics=[decided, carried]
    )
    assert Topic.objects.filter(state=TopicState.SCHEDULED).count() == 2

    services.decide_topic(
        cast.community_staff, meeting, "同意", topic=decided, tasks=[task_for(cast.grid_worker_a)]
    )
    services.sign_in(cast.community_staff, meeting.invitees.first())
    services.hold_meeting(cast.community_staff, meeting, "纪要")

    meeting.refresh_from_db()
    decided.refresh_from_db()
    carried.refresh_from_db()
    assert meeting.state == MeetingState.HELD and meeting.minutes == "纪要"
    assert decided.state == TopicState.DECIDED
    assert (carried.state, carried.meeting) == (TopicState.PROPOSED, None)
    with pytest.raises(Conflict):
        services.decide_topic(cast.community_staff, meeting, "再议")


def test_a_meeting_cannot_be_held_before_it_starts_or_without_anyone_signed_in(cast):
    early = meeting_in(cast.tree.community, cast.community_staff, hours=2)
    with pytest.raises(Conflict):
        services.hold_meeting(cast.community_staff, early)
    nobody = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    with pytest.raises(Invalid) as refused:
        services.hold_meeting(cast.community_staff, nobody)
    assert refused.value.field == "invitees"


def test_a_topic_of_another_community_cannot_be_on_the_agenda(cast):
    admin = cast.administrator
    other = services.propose_topic(admin, cast.tree.other_community, TopicInput(title="东成"))
    with pytest.raises(Invalid) as refused:
        meeting_in(cast.tree.community, admin, topics=[other])
    assert refused.value.field == "topics"
    assert Topic.objects.get().state == TopicState.PROPOSED


def test_an_invitee_signs_in_once_with_their_link_within_the_window(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=3)
    invitee = meeting.invitees.last()
    token = services.issue_sign_in_link(cast.community_staff, invitee)

    with pytest.raises(Conflict):
        services.sign_in_with_link(token)  # three hours early
    with clock.frozen_at(meeting.scheduled_at - timedelta(minutes=30)):
        signed = services.sign_in_with_link(token)
    assert signed.signed_in_at is not None
    with pytest.raises(Invalid):
        services.sign_in_with_link(token)  # used up


def test_sign_in_links_close_after_the_day(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-13)
    token = services.issue_sign_in_link(cast.community_staff, meeting.invitees.last())
    with pytest.raises(Conflict):
        services.sign_in_with_link(token)


def test_only_organisers_sign_people_in(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff)
    with pytest.raises(NotAllowed):
        services.sign_in(cast.grid_worker_a, meeting.invitees.first())


def test_a_cancelled_meeting_returns_its_topics(cast):
    topic = services.propose_topic(cast.community_staff, cast.tree.community, TopicInput(title="A"))
    meeting = meeting_in(cast.tree.community, cast.community_staff, topics=[topic])
    services.cancel_meeting(cast.community_staff, meeting, "台风")
    topic.refresh_from_db()
    assert topic.state == TopicState.PROPOSED


# --- decisions and tasks ---------------------------------------------------------------------


def test_a_decision_becomes_tasks_with_owners_and_deadlines(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    decision = services.decide_topic(
        cast.community_staff,
        meeting,
        "修复路灯并清理河道",
        tasks=[
            task_for(cast.grid_worker_a, 5, "修路灯"),
            task_for(cast.grid_worker_b, 20, "清河道"),
        ],
    )
    tasks = list(decision.tasks.order_by("due_at"))
    assert [(t.title, t.owner) for t in tasks] == [
        ("修路灯", cast.grid_worker_a),
        ("清河道", cast.grid_worker_b),
    ]
    assert all(t.state == TaskState.OPEN and t.community == cast.tree.community for t in tasks)


def test_a_task_with_a_past_deadline_is_refused_and_nothing_written(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    with pytest.raises(Invalid) as refused:
        services.decide_topic(
            cast.community_staff, meeting, "x", tasks=[task_for(cast.grid_worker_a, -1)]
        )
    assert refused.value.field == "tasks"
    assert not Decision.objects.exists()


def test_a_task_turns_yellow_at_eighty_percent_and_red_past_its_deadline(cast):
    start = timezone.make_aware(datetime(2026, 3, 2, 0, 0))
    with clock.frozen_at(start):
        meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
        services.decide_topic(
            cast.community_staff,
            meeting,
            "x",
            tasks=[services.TaskInput("t", cast.grid_worker_a, date(2026, 3, 11))],
        )
    task = Task.objects.get()
    span = task.due_at - task.started_at
    assert services.task_light(task, start + span * 0.79) == "green"
    assert services.task_light(task, start + span * 0.81) == "yellow"
    assert services.task_light(task, task.due_at + timedelta(seconds=1)) == "red"


def test_the_owner_completes_a_task_with_a_note_once(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=-1)
    services.decide_topic(cast.community_staff, meeting, "x", tasks=[task_for(cast.grid_worker_a)])
    task = Task.objects.get()
    with pytest.raises(NotAllowed):
        services.complete_task(cast.grid_worker_b, task, "done")
    with pytest.raises(Invalid):
        services.complete_task(cast.grid_worker_a, task, "")
    services.complete_task(cast.grid_worker_a, task, "已完成")
    task.refresh_from_db()
    assert task.state == TaskState.DONE and services.task_light(task) == ""
    with pytest.raises(Conflict):
        services.complete_task(cast.grid_worker_a, task, "again")


def test_the_next_meeting_reports_open_tasks_and_those_done_since_the_last(cast):
    first = meeting_in(cast.tree.community, cast.community_staff, hours=-50, title="一")
    services.decide_topic(
        cast.community_staff,
        first,
        "x",
        tasks=[
            task_for(cast.grid_worker_a, title="open"),
            task_for(cast.grid_worker_a, title="done"),
        ],
    )
    services.sign_in(cast.community_staff, first.invitees.first())
    services.hold_meeting(cast.community_staff, first)
    services.complete_task(cast.grid_worker_a, Task.objects.get(title="done"), "ok")
    second = meeting_in(cast.tree.community, cast.community_staff, hours=1, title="二")
    other = meeting_in(cast.tree.other_community, cast.administrator, hours=1, title="东成")

    assert {t.title for t in tasks_to_report(second)} == {"open", "done"}
    assert list(tasks_to_report(other)) == []


# --- the quarter flag ------------------------------------------------------------------------


def test_quarters_are_calendar_quarters():
    assert quarter_of(date(2026, 2, 14)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_of(date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_community_without_a_joint_meeting_this_quarter_is_flagged(cast):
    last_quarter = timezone.make_aware(datetime(2026, 3, 20, 10, 0))
    this_quarter = timezone.make_aware(datetime(2026, 4, 10, 10, 0))
    with clock.frozen_at(last_quarter):
        held_meeting(cast.tree.community, cast.community_staff)
    with clock.frozen_at(this_quarter):
        held_meeting(cast.tree.other_community, cast.administrator, kind="council")
        rows = {row.community.name: row for row in joint_meeting_overview(cast.leader)}
    assert rows["石冲社区"].is_flagged  # held last quarter only
    assert rows["东成社区"].is_flagged  # a council is not a joint meeting
    with clock.frozen_at(this_quarter):
        held_meeting(cast.tree.community, cast.community_staff)
        rows = {row.community.name: row for row in joint_meeting_overview(cast.leader)}
    assert not rows["石冲社区"].is_flagged


def test_the_overview_shows_only_the_users_communities(cast):
    names = [row.community.name for row in joint_meeting_overview(cast.community_staff)]
    assert names == ["石冲社区"]
    assert [row.community.name for row in joint_meeting_overview(cast.grid_worker_b)] == [
        "石冲社区"
    ]
    assert joint_meeting_overview(cast.outsider) == []


# --- 四议两公开 ------------------------------------------------------------------------------


def _photo(actor):
    data = io.BytesIO()
    Image.new("RGB", (80, 60), "blue").save(data, format="JPEG")
    return store_attachment(actor, data.getvalue(), name="board.jpg")


def _through(procedure, actor, last: str, **counts):
    today = clock.today()
    given = {
        Step.PROPOSAL: StepInput(Step.PROPOSAL, today, notes="党支部提议"),
        Step.CONSULTATION: StepInput(Step.CONSULTATION, today, 7, 7, 6),
        Step.REVIEW: StepInput(Step.REVIEW, today, 30, 21, 15),
        Step.RESOLUTION: StepInput(Step.RESOLUTION, today, 45, 31, 28),
        Step.RESOLUTION_DISCLOSED: StepInput(
            Step.RESOLUTION_DISCLOSED, today, documents=[_photo(actor)]
        ),
        Step.OUTCOME_DISCLOSED: StepInput(Step.OUTCOME_DISCLOSED, today, documents=[_photo(actor)]),
    }
    for step in Step.values:
        services.record_step(actor, procedure, given[step])
        if step == last:
            return


def test_the_six_steps_go_in_order_only(cast):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    with pytest.raises(Conflict) as refused:
        services.record_step(
            cast.community_staff, procedure, StepInput(Step.REVIEW, clock.today(), 30, 30, 30)
        )
    assert "Consultation" not in refused.value.message and "Proposal" in refused.value.message
    _through(procedure, cast.community_staff, Step.OUTCOME_DISCLOSED)
    assert services.next_step(procedure) is None
    with pytest.raises(Conflict):
        services.record_step(
            cast.community_staff, procedure, StepInput(Step.PROPOSAL, clock.today(), notes="x")
        )
    assert ProcedureStep.objects.count() == 6


@pytest.mark.parametrize(
    ("expected", "present", "favour", "field", "words"),
    [
        (30, 19, 19, "present", "at least two thirds"),  # 19/30 < 2/3
        (30, 20, 10, "in_favour", "more than half"),  # exactly half is not more than half
        (30, 31, 20, "present", "More people present"),
        (30, 20, 21, "in_favour", "More votes in favour"),
    ],
)
def test_the_party_members_meeting_quorum_rules_are_enforced(
    cast, expected, present, favour, field, words
):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    _through(procedure, cast.community_staff, Step.CONSULTATION)
    with pytest.raises(Invalid) as refused:
        services.record_step(
            cast.community_staff,
            procedure,
            StepInput(Step.REVIEW, clock.today(), expected, present, favour),
        )
    assert refused.value.field == field
    assert words in refused.value.message
    assert ProcedureStep.objects.count() == 2


def test_exactly_two_thirds_present_and_more_than_half_in_favour_pass(cast):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    _through(procedure, cast.community_staff, Step.CONSULTATION)
    services.record_step(
        cast.community_staff, procedure, StepInput(Step.REVIEW, clock.today(), 30, 20, 11)
    )
    with pytest.raises(Invalid) as refused:
        services.record_step(
            cast.community_staff,
            procedure,
            StepInput(Step.RESOLUTION, clock.today(), 45, 29, 20),
        )
    assert "Resolution" in refused.value.message and refused.value.field == "present"


def test_a_city_changes_the_quorum_rules_as_data(cast):
    QuorumRule.objects.update_or_create(
        step=Step.REVIEW,
        defaults={"present": Threshold.MORE_THAN_HALF, "in_favour": Threshold.TWO_THIRDS},
    )
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    _through(procedure, cast.community_staff, Step.CONSULTATION)
    with pytest.raises(Invalid) as refused:
        services.record_step(
            cast.community_staff, procedure, StepInput(Step.REVIEW, clock.today(), 30, 16, 10)
        )
    assert refused.value.field == "in_favour"  # 16 present passes more than half; 10/16 < 2/3


def test_the_shipped_rules_are_the_regulations_defaults(cast):
    assert services.rule_for(Step.REVIEW) == (Threshold.TWO_THIRDS, Threshold.MORE_THAN_HALF)
    assert services.rule_for(Step.RESOLUTION) == (Threshold.TWO_THIRDS, Threshold.MORE_THAN_HALF)
    assert services.rule_for(Step.PROPOSAL) is None


def test_a_meeting_step_needs_its_numbers_and_a_disclosure_its_photo(cast):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    _through(procedure, cast.community_staff, Step.PROPOSAL)
    with pytest.raises(Invalid) as numbers:
        services.record_step(
            cast.community_staff, procedure, StepInput(Step.CONSULTATION, clock.today())
        )
    assert numbers.value.field == "expected"
    today = clock.today()
    services.record_step(
        cast.community_staff, procedure, StepInput(Step.CONSULTATION, today, 7, 7, 7)
    )
    services.record_step(cast.community_staff, procedure, StepInput(Step.REVIEW, today, 9, 9, 9))
    services.record_step(
        cast.community_staff, procedure, StepInput(Step.RESOLUTION, today, 9, 9, 9)
    )
    with pytest.raises(Invalid) as photo:
        services.record_step(
            cast.community_staff,
            procedure,
            StepInput(Step.RESOLUTION_DISCLOSED, today, notes="公示"),
        )
    assert photo.value.field == "documents"


def test_a_step_cannot_be_dated_before_the_previous_or_in_the_future(cast):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    today = clock.today()
    services.record_step(
        cast.community_staff, procedure, StepInput(Step.PROPOSAL, today, notes="x")
    )
    for day in (today - timedelta(days=1), today + timedelta(days=1)):
        with pytest.raises(Invalid) as refused:
            services.record_step(
                cast.community_staff, procedure, StepInput(Step.CONSULTATION, day, 7, 7, 7)
            )
        assert refused.value.field == "held_on"


def test_a_grid_worker_cannot_record_a_step_and_every_step_is_logged(cast):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    with pytest.raises(NotAllowed):
        services.record_step(
            cast.grid_worker_a, procedure, StepInput(Step.PROPOSAL, clock.today(), notes="x")
        )
    _through(procedure, cast.community_staff, Step.REVIEW)
    assert AuditEntry.objects.filter(action="meetings.procedure.step").count() == 3
