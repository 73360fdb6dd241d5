"""A meeting's life: scheduled with its topics and invitees, attendance signed in (by the
organiser, or by the invitee through a one-time link on their phone), minutes and a decision
(or a rejection) per topic, each decision giving tasks; then held, or cancelled. Topics not
settled when the meeting is held go back to the proposed list, for the next one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.deadlines import warn_moment
from wangge.cases.models import DeadlineUnit
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.meetings.exceptions import Conflict, Invalid
from wangge.meetings.models import (
    Decision,
    Invitee,
    InviteeKind,
    Meeting,
    MeetingKind,
    MeetingState,
    Task,
    Topic,
    TopicState,
)
from wangge.meetings.permissions import require_run
from wangge.meetings.services.topics import TEXT_MAX, TITLE_MAX, check_community
from wangge.meetings.tokens import new_token, token_hash
from wangge.org.models import OrgUnit

PLACE_MAX = 120
MINUTES_MAX = 20000
# Invitees sign in from shortly before the start until the end of the day's session.
SIGN_IN_OPENS_BEFORE = timedelta(hours=2)
SIGN_IN_CLOSES_AFTER = timedelta(hours=12)
MAX_INVITEES = 500


@dataclass
class InviteeInput:
    kind: str
    name: str = ""
    user: User | None = None
    organisation: str = ""


@dataclass
class MeetingInput:
    kind: str
    title: str
    scheduled_at: datetime
    place: str
    topics: list[Topic] = field(default_factory=list)
    invitees: list[InviteeInput] = field(default_factory=list)


@dataclass
class TaskInput:
    title: str
    owner: User
    due_on: date


def _check_invitee(given: InviteeInput) -> InviteeInput:
    if given.kind not in InviteeKind.values:
        raise Invalid(_("Choose how the person is invited."), "invitees")
    if given.kind == InviteeKind.ACCOUNT:
        if given.user is None or not given.user.is_active:
            raise Invalid(_("Choose an active account."), "invitees")
        return InviteeInput(given.kind, given.user.display_name[:64], given.user, "")
    name = (given.name or "").strip()
    organisation = (given.organisation or "").strip()
    if not name or len(name) > 64:
        raise Invalid(_("Each invitee needs a name of 1 to 64 characters."), "invitees")
    if given.kind == InviteeKind.MEMBER_UNIT and not organisation:
        raise Invalid(_("Name the member unit the representative comes from."), "invitees")
    if len(organisation) > 100:
        raise Invalid(_("At most %(max)d characters are allowed.") % {"max": 100}, "invitees")
    return InviteeInput(given.kind, name, None, organisation)


def schedule_meeting(actor: User | None, community: OrgUnit, given: MeetingInput) -> Meeting:
    check_community(community)
    require_run(actor, community)
    if given.kind not in MeetingKind.values:
        raise Invalid(_("Choose the kind of meeting."), "kind")
    title = (given.title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(
            _("A title of 1 to %(max)d characters is required.") % {"max": TITLE_MAX}, "title"
        )
    place = (given.place or "").strip()
    if not place or len(place) > PLACE_MAX:
        raise Invalid(_("Say where the meeting is held."), "place")
    if given.scheduled_at is None or timezone.is_naive(given.scheduled_at):
        raise Invalid(_("Enter the date and time of the meeting."), "scheduled_at")
    invitees = [_check_invitee(invitee) for invitee in given.invitees]
    if len(invitees) > MAX_INVITEES:
        raise Invalid(_("At most %(max)d invitees.") % {"max": MAX_INVITEES}, "invitees")
    now = clock.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            community=community,
            kind=given.kind,
            title=title,
            scheduled_at=given.scheduled_at,
            place=place,
            organiser=actor,
            created_at=now,
            updated_at=now,
        )
        Invitee.objects.bulk_create(
            Invitee(
                meeting=meeting,
                kind=invitee.kind,
                user=invitee.user,
                name=invitee.name,
                organisation=invitee.organisation,
            )
            for invitee in invitees
        )
        for topic in given.topics:
            _put_on_agenda(meeting, topic)
        audit.record(actor, "meetings.meeting.schedule", meeting, title)
    return meeting


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.state != MeetingState.SCHEDULED:
        raise Conflict(_("The meeting has been held or cancelled already."), "state")


def _put_on_agenda(meeting: Meeting, topic: Topic) -> None:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.community_id != meeting.community_id:
        raise Invalid(_("The topic belongs to another community."), "topics")
    if topic.state != TopicState.PROPOSED:
        raise Conflict(_("Only proposed topics can be put on an agenda."), "topics")
    topic.state = TopicState.SCHEDULED
    topic.meeting = meeting
    topic.updated_at = clock.now()
    topic.save(update_fields=["state", "meeting", "updated_at"])


def add_topics(actor: User | None, meeting: Meeting, topics: list[Topic]) -> Meeting:
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        for topic in topics:
            _put_on_agenda(meeting, topic)
        audit.record(actor, "meetings.meeting.add_topics", meeting, f"{len(topics)} topic(s)")
    return meeting


def invite(actor: User | None, meeting: Meeting, invitees: list[InviteeInput]) -> list[Invitee]:
    checked = [_check_invitee(invitee) for invitee in invitees]
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        if meeting.invitees.count() + len(checked) > MAX_INVITEES:
            raise Invalid(_("At most %(max)d invitees.") % {"max": MAX_INVITEES}, "invitees")
        created = Invitee.objects.bulk_create(
            Invitee(
                meeting=meeting, kind=i.kind, user=i.user, name=i.name, organisation=i.organisation
            )
            for i in checked
        )
        audit.record(actor, "meetings.meeting.invite", meeting, f"{len(created)} invitee(s)")
    return created


def issue_sign_in_link(actor: User | None, invitee: Invitee) -> str:
    """A new one-time sign-in token for the invitee (an earlier one stops working); the token
    is returned once and only its hash kept."""
    token = new_token()
    with transaction.atomic():
        meeting = _locked_meeting(invitee.meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        Invitee.objects.filter(pk=invitee.pk).update(sign_in_hash=token_hash(token))
        audit.record(actor, "meetings.invitee.issue_link", invitee, invitee.name)
    return token


def _sign_in_window(meeting: Meeting, now: datetime) -> None:
    _require_scheduled(meeting)
    if now < meeting.scheduled_at - SIGN_IN_OPENS_BEFORE:
        raise Conflict(_("Signing in opens two hours before the meeting starts."), "signed_in_at")
    if now > meeting.scheduled_at + SIGN_IN_CLOSES_AFTER:
        raise Conflict(_("Signing in for this meeting has closed."), "signed_in_at")


def sign_in(actor: User | None, invitee: Invitee, *, present: bool = True) -> Invitee:
    """The organiser marks an invitee present (or not present after all)."""
    with transaction.atomic():
        meeting = _locked_meeting(invitee.meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        invitee = Invitee.objects.select_for_update().get(pk=invitee.pk)
        invitee.signed_in_at = clock.now() if present else None
        invitee.signed_in_by = actor if present else None
        invitee.save(update_fields=["signed_in_at", "signed_in_by"])
        audit.record(
            actor,
            "meetings.invitee.sign_in" if present else "meetings.invitee.absent",
            invitee,
            invitee.name,
        )
    return invitee


def invitee_by_sign_in_token(token: str) -> Invitee | None:
    return (
        Invitee.objects.select_related("meeting", "meeting__community")
        .filter(sign_in_hash=token_hash(token))
        .first()
    )


def sign_in_with_link(token: str) -> Invitee:
    """The invitee signs themselves in with their one-time link; the link then stops working."""
    now = clock.now()
    with transaction.atomic():
        invitee = Invitee.objects.select_for_update().filter(sign_in_hash=token_hash(token)).first()
        if invitee is None:
            raise Invalid(_("This sign-in link is not valid (any more)."), "sign_in")
        meeting = _locked_meeting(invitee.meeting)
        _sign_in_window(meeting, now)
        invitee.signed_in_at = now
        invitee.signed_in_by = invitee.user
        invitee.sign_in_hash = None
        invitee.save(update_fields=["signed_in_at", "signed_in_by", "sign_in_hash"])
        audit.record(None, "meetings.invitee.sign_in_link", invitee, invitee.name)
    return invitee


def record_minutes(actor: User | None, meeting: Meeting, minutes: str) -> Meeting:
    minutes = (minutes or "").strip()
    if len(minutes) > MINUTES_MAX:
        raise Invalid(
            _("At most %(max)d characters are allowed.") % {"max": MINUTES_MAX}, "minutes"
        )
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        require_run(actor, meeting.community)
        if meeting.state == MeetingState.CANCELLED:
            raise Conflict(_("The meeting was cancelled."), "state")
        meeting.minutes = minutes
        meeting.updated_at = clock.now()
        meeting.save(update_fields=["minutes", "updated_at"])
        audit.record(actor, "meetings.meeting.minutes", meeting, meeting.title)
    return meeting


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _check_tasks(tasks: list[TaskInput], today: date) -> None:
    for task in tasks:
        title = (task.title or "").strip()
        if not title or len(title) > 200:
            raise Invalid(_("Each task needs a title of 1 to 200 characters."), "tasks")
        if task.owner is None or not task.owner.is_active:
            raise Invalid(_("Each task needs an owner with an active account."), "tasks")
        if task.due_on is None or task.due_on < today:
            raise Invalid(_("A task's deadline cannot be in the past."), "tasks")


def decide_topic(
    actor: User | None,
    meeting: Meeting,
    text: str,
    *,
    topic: Topic | None = None,
    tasks: list[TaskInput] | None = None,
) -> Decision:
    """Record a decision of the meeting (on one of its topics, or on its own) and the tasks it
    gives, each with an owner and a deadline."""
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise Invalid(
            _("Write the decision (1 to %(max)d characters).") % {"max": TEXT_MAX}, "text"
        )
    now = clock.now()
    tasks = tasks or []
    _check_tasks(tasks, timezone.localdate(now))
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        if topic is not None:
            topic = Topic.objects.select_for_update().get(pk=topic.pk)
            if topic.meeting_id != meeting.pk or topic.state != TopicState.SCHEDULED:
                raise Invalid(
                    _("Choose a topic on this meeting's agenda not yet settled."), "topic"
                )
            topic.state = TopicState.DECIDED
            topic.outcome_note = text
            topic.updated_at = now
            topic.save(update_fields=["state", "outcome_note", "updated_at"])
        decision = Decision.objects.create(
            meeting=meeting,
            topic=topic,
            community=meeting.community,
            text=text,
            decided_by=actor,
            created_at=now,
        )
        for given in tasks:
            due = end_of_day(given.due_on)
            Task.objects.create(
                decision=decision,
                community=meeting.community,
                title=given.title.strip(),
                owner=given.owner,
                started_at=now,
                due_at=due,
                warn_at=warn_moment(now, due, DeadlineUnit.HOURS),
            )
        audit.record(actor, "meetings.decision.record", decision, text[:200], tasks=len(tasks))
    return decision


def hold_meeting(actor: User | None, meeting: Meeting, minutes: str | None = None) -> Meeting:
    """The meeting has been held: its record is closed; unsettled topics go back to proposed."""
    if minutes is not None:
        record_minutes(actor, meeting, minutes)
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        now = clock.now()
        if now < meeting.scheduled_at:
            raise Conflict(_("A meeting cannot be held before its scheduled time."), "state")
        if not meeting.invitees.filter(signed_in_at__isnull=False).exists():
            raise Invalid(_("Sign in who attended before closing the meeting."), "invitees")
        Topic.objects.filter(meeting=meeting, state=TopicState.SCHEDULED).update(
            state=TopicState.PROPOSED, meeting=None, updated_at=now
        )
        Invitee.objects.filter(meeting=meeting).update(sign_in_hash=None)
        meeting.state = MeetingState.HELD
        meeting.held_at = now
        meeting.updated_at = now
        meeting.save(update_fields=["state", "held_at", "updated_at"])
        audit.record(actor, "meetings.meeting.hold", meeting, meeting.title)
    return meeting


def cancel_meeting(actor: User | None, meeting: Meeting, reason: str) -> Meeting:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the meeting is cancelled."), "reason")
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        require_run(actor, meeting.community)
        _require_scheduled(meeting)
        if meeting.decisions.exists():
            raise Conflict(_("A meeting with decisions cannot be cancelled."), "state")
        now = clock.now()
        Topic.objects.filter(meeting=meeting, state=TopicState.SCHEDULED).update(
            state=TopicState.PROPOSED, meeting=None, updated_at=now
        )
        Invitee.objects.filter(meeting=meeting).update(sign_in_hash=None)
        meeting.state = MeetingState.CANCELLED
        meeting.minutes = reason[:MINUTES_MAX]
        meeting.updated_at = now
        meeting.save(update_fields=["state", "minutes", "updated_at"])
        audit.record(actor, "meetings.meeting.cancel", meeting, reason[:200])
    return meeting
