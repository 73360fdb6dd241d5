"""Reads of meetings: lists for the pages and the API (scoped through `permissions`), the
tasks a meeting reports on, a user's open tasks, and the overview of joint meetings.

The quarter flag: a community or village is flagged when it has held no joint meeting in the
current calendar quarter. The regulations ask for a joint meeting at least once a quarter and
evaluations count by calendar quarter, so that is the rule; the overview also shows when the
last one was held and when the quarter ends, so that early in a quarter a flag reads as "not
yet", not as a failure (a rolling three months would never flag the community that met on the
last day of each quarter, and would disagree with the evaluation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from wangge.core import clock
from wangge.core.models import User
from wangge.meetings.models import (
    DISCLOSURE_STEPS,
    Meeting,
    MeetingKind,
    MeetingState,
    Procedure,
    Task,
    TaskState,
    Topic,
    TopicState,
    Vote,
)
from wangge.meetings.permissions import communities_for, visible_tasks
from wangge.org.models import OrgUnit


def quarter_of(day: date) -> tuple[date, date]:
    """(first day, last day) of the calendar quarter holding `day`."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + 3
    end = date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class CommunityRow:
    community: OrgUnit
    last_joint_meeting: datetime | None
    quarter_start: date
    quarter_end: date

    @property
    def is_flagged(self) -> bool:
        if self.last_joint_meeting is None:
            return True
        return timezone.localdate(self.last_joint_meeting) < self.quarter_start


def joint_meeting_overview(
    user: User | AnonymousUser, today: date | None = None
) -> list[CommunityRow]:
    """Each community or village the user sees, with its last joint meeting held, flagged when
    none was held this quarter; the flagged first. Two queries."""
    today = today or clock.today()
    start, end = quarter_of(today)
    communities = list(communities_for(user).order_by("code"))
    last = dict(
        Meeting.objects.filter(
            community__in=[c.pk for c in communities],
            kind=MeetingKind.JOINT,
            state=MeetingState.HELD,
        )
        .values("community")
        .annotate(last=Max("held_at"))
        .values_list("community", "last")
    )
    rows = [CommunityRow(c, last.get(c.pk), start, end) for c in communities]
    return sorted(rows, key=lambda row: (not row.is_flagged, row.community.code))


def topics_in(communities: QuerySet[OrgUnit], state: str | None = None) -> QuerySet[Topic]:
    topics = Topic.objects.filter(community__in=communities.values("pk")).select_related(
        "community", "case"
    )
    if state:
        topics = topics.filter(state=state)
    return topics


def proposed_topics(community: OrgUnit) -> QuerySet[Topic]:
    return Topic.objects.filter(community=community, state=TopicState.PROPOSED).select_related(
        "case"
    )


def tasks_to_report(meeting: Meeting) -> QuerySet[Task]:
    """The tasks of earlier decisions of the meeting's community to report on: those still
    open, and those done since the community's previous meeting was held."""
    previous = (
        Meeting.objects.filter(
            community_id=meeting.community_id,
            state=MeetingState.HELD,
            scheduled_at__lt=meeting.scheduled_at,
        )
        .exclude(pk=meeting.pk)
        .aggregate(last=Max("held_at"))["last"]
    )
    done_since = Q(state=TaskState.DONE)
    if previous is not None:
        done_since &= Q(done_at__gte=previous)
    return (
        Task.objects.filter(
            community_id=meeting.community_id,
            decision__meeting__scheduled_at__lt=meeting.scheduled_at,
        )
        .exclude(decision__meeting=meeting)
        .filter(Q(state=TaskState.OPEN) | done_since)
        .select_related("owner", "decision__meeting")
        .order_by("due_at", "pk")
    )


def open_tasks_of(user: User) -> QuerySet[Task]:
    """The user's own open tasks, the earliest deadline first."""
    return (
        Task.objects.filter(owner=user, state=TaskState.OPEN)
        .select_related("community", "decision__meeting")
        .order_by("due_at", "pk")
    )


def task_list(
    user: User | AnonymousUser, *, state: str = "", overdue_only: bool = False
) -> QuerySet[Task]:
    tasks = visible_tasks(user).select_related("community", "owner", "decision__meeting")
    if state:
        tasks = tasks.filter(state=state)
    if overdue_only:
        tasks = tasks.filter(state=TaskState.OPEN, due_at__lt=clock.now())
    return tasks.order_by("due_at", "pk")


def published_votes() -> QuerySet[Vote]:
    return Vote.objects.filter(state="closed").select_related("community")


def disclosed_procedures() -> QuerySet[Procedure]:
    """Procedures with at least one disclosure recorded: what the public pages show."""
    return (
        Procedure.objects.filter(steps__step__in=DISCLOSURE_STEPS)
        .distinct()
        .select_related("community")
        .order_by("-created_at", "-pk")
    )
