"""Endpoints of meetings (mounted under /api/v1/ by wangge.api): topics, meetings with their
sign-in, decisions and tasks, votes with their links, ballots and results, and the steps of
四议两公开.

Thin adapters: lists are scoped through `permissions` and paginated by id (newest first,
`next_cursor`); one record goes through `get_*_for_user` (outside the caller's reach is a 404,
as an unknown one is); every write through `services`, whose refusals are mapped once by
`answer_refusals`: 404, 403, 409 for a state that forbids it, 422 naming the field.

The two ballot operations (`/meetings/ballots/{ballot_token}`) are for a system or a kiosk of
the community acting for a voter who hands over their one-time link (代投): like every operation
they need an account (an API key), and the vote must be one the caller may see. Voters
themselves use the voting page, which needs no account."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from wangge.core import clock
from wangge.core.api_refusals import answer_refusals
from wangge.core.api_schemas import Detail, FieldErrors, RecordId
from wangge.core.models import User
from wangge.meetings import queries, services
from wangge.meetings.api_schemas import (
    BallotIn,
    BallotOut,
    CasesIn,
    CompleteIn,
    DecisionIn,
    LinkOut,
    ListQuery,
    MeetingDetail,
    MeetingIn,
    MeetingPage,
    MinutesIn,
    ProcedureIn,
    ProcedureOut,
    ProcedurePage,
    ReasonIn,
    SignInIn,
    StepIn,
    TaskListQuery,
    TaskOut,
    TaskPage,
    TopicIn,
    TopicListQuery,
    TopicOut,
    TopicPage,
    VoteIn,
    VoteOut,
    VotePage,
    VoterLinkOut,
    meeting_out,
    procedure_out,
    task_out,
    topic_out,
    vote_out,
)
from wangge.meetings.exceptions import Conflict, Invalid, MeetingsError, NotAllowed, NotFound
from wangge.meetings.models import Decision, Meeting, Task, Topic
from wangge.meetings.permissions import (
    get_community_for_user,
    get_meeting_for_user,
    get_procedure_for_user,
    get_task_for_user,
    get_topic_for_user,
    get_vote_for_user,
    visible_meetings,
    visible_procedures,
    visible_topics,
    visible_votes,
)
from wangge.meetings.services.uploads import own_uploads
from wangge.meetings.tokens import looks_like_token
from wangge.org.roles import Capability
from wangge.people.models import Compound

router = Router(tags=["meetings"])
# Where a service names a field by its page's name and the API's body calls it otherwise.
_BODY_FIELDS = {"compound": "compound_id", "meeting": "meeting_id", "decision": "decision_id"}

_READ: dict[int, Any] = {404: Detail, 422: FieldErrors}
_WRITE: dict[int, Any] = {403: Detail, 404: Detail, 409: Detail, 422: FieldErrors}


router.add_decorator(
    answer_refusals(MeetingsError, {NotFound: 404, NotAllowed: 403, Conflict: 409}, _BODY_FIELDS)
)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise HttpError(401, _("Log in to do this."))
    return user


def _page(items: QuerySet, filters: ListQuery) -> tuple[list, int | None]:
    if filters.community:
        items = items.filter(community_id=filters.community)
    if filters.cursor:
        items = items.filter(pk__lt=filters.cursor)
    rows = list(items.order_by("-pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return rows, rows[-1].pk if more and rows else None


# --- topics ---------------------------------------------------------------------------------


@router.get(
    "/meetings/topics", response={200: TopicPage, 422: FieldErrors}, url_name="meetings_topic_list"
)
def list_topics(request: HttpRequest, filters: Query[TopicListQuery]) -> dict[str, Any]:
    topics = visible_topics(request.user).select_related("case")
    if filters.state:
        topics = topics.filter(state=filters.state)
    rows, cursor = _page(topics, filters)
    return {"items": [topic_out(t) for t in rows], "next_cursor": cursor}


@router.post(
    "/meetings/communities/{community_id}/topics",
    response={201: TopicOut, **_WRITE},
    url_name="meetings_topic_create",
)
def create_topic(
    request: HttpRequest, community_id: Path[RecordId], payload: TopicIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    community = get_community_for_user(user, community_id, Capability.RUN_MEETINGS)
    topic = services.propose_topic(
        user,
        community,
        services.TopicInput(
            title=payload.title,
            description=payload.description,
            source=payload.source,
            proposer_name=payload.proposer_name,
            proposer_phone=payload.proposer_phone,
        ),
    )
    return Status(201, topic_out(topic))


@router.get(
    "/meetings/topics/{topic_id}",
    response={200: TopicOut, **_READ},
    url_name="meetings_topic_detail",
)
def get_topic(request: HttpRequest, topic_id: Path[RecordId]) -> dict[str, Any]:
    return topic_out(get_topic_for_user(request.user, topic_id))


@router.post(
    "/meetings/topics/{topic_id}/reject",
    response={200: TopicOut, **_WRITE},
    url_name="meetings_topic_reject",
)
def reject_topic(
    request: HttpRequest, topic_id: Path[RecordId], payload: ReasonIn
) -> dict[str, Any]:
    user = _user(request)
    return topic_out(
        services.reject_topic(user, get_topic_for_user(user, topic_id), payload.reason)
    )


@router.post(
    "/meetings/communities/{community_id}/topics-from-cases",
    response={201: list[TopicOut], **_WRITE},
    summary="A topic for each stuck case of the community you may see",
    url_name="meetings_topics_from_cases",
)
def topics_from_cases(
    request: HttpRequest, community_id: Path[RecordId], payload: CasesIn
) -> Status[list]:
    user = _user(request)
    community = get_community_for_user(user, community_id, Capability.RUN_MEETINGS)
    topics = services.topics_from_cases(
        user, community, payload.case_numbers, open_days=payload.open_days
    )
    return Status(201, [topic_out(t) for t in topics])


# --- meetings -------------------------------------------------------------------------------


@router.get(
    "/meetings/meetings",
    response={200: MeetingPage, 422: FieldErrors},
    url_name="meetings_meeting_list",
)
def list_meetings(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    rows, cursor = _page(visible_meetings(request.user), filters)
    return {"items": [meeting_out(m) for m in rows], "next_cursor": cursor}


def _meeting_detail(meeting: Meeting) -> dict[str, Any]:
    now = clock.now()
    decisions = meeting.decisions.prefetch_related("tasks__owner", "tasks__decision").order_by("pk")
    return {
        **meeting_out(meeting),
        "minutes": meeting.minutes,
        "topics": [topic_out(t) for t in meeting.topics.select_related("case").order_by("pk")],
        "invitees": [
            {
                "id": i.pk,
                "kind": i.kind,
                "name": i.name,
                "organisation": i.organisation,
                "signed_in_at": i.signed_in_at,
            }
            for i in meeting.invitees.order_by("pk")
        ],
        "decisions": [
            {
                "id": d.pk,
                "topic": d.topic_id,
                "text": d.text,
                "tasks": [task_out(t, services.task_light(t, now)) for t in d.tasks.all()],
            }
            for d in decisions
        ],
        "tasks_to_report": [
            task_out(t, services.task_light(t, now)) for t in queries.tasks_to_report(meeting)
        ],
    }


def _invitee(meeting: Meeting, invitee_id: int | None) -> Any:
    if invitee_id is None:
        raise Invalid(_("Choose an invitee."), "invitee")
    invitee = meeting.invitees.filter(pk=invitee_id).first()
    if invitee is None:
        raise NotFound()
    return invitee


def _invitees(given: list) -> list[services.InviteeInput]:
    names = [i.username for i in given if i.username]
    users = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    invitees = []
    for item in given:
        user = users.get(item.username) if item.username else None
        if item.kind == "account" and user is None:
            raise Invalid(_("No such account: %(name)s") % {"name": item.username}, "invitees")
        invitees.append(
            services.InviteeInput(
                item.kind, name=item.name, user=user, organisation=item.organisation
            )
        )
    return invitees


@router.post(
    "/meetings/communities/{community_id}/meetings",
    response={201: MeetingDetail, **_WRITE},
    url_name="meetings_meeting_create",
)
def create_meeting(
    request: HttpRequest, community_id: Path[RecordId], payload: MeetingIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    community = get_community_for_user(user, community_id, Capability.RUN_MEETINGS)
    topics = list(Topic.objects.filter(pk__in=payload.topics, community=community))
    if len(topics) != len(set(payload.topics)):
        raise Invalid(_("Only proposed topics can be put on an agenda."), "topics")
    meeting = services.schedule_meeting(
        user,
        community,
        services.MeetingInput(
            kind=payload.kind or "",
            title=payload.title,
            scheduled_at=payload.scheduled_at,
            place=payload.place,
            topics=topics,
            invitees=_invitees(payload.invitees),
        ),
    )
    return Status(201, _meeting_detail(meeting))


@router.get(
    "/meetings/meetings/{meeting_id}",
    response={200: MeetingDetail, **_READ},
    url_name="meetings_meeting_detail",
)
def get_meeting(request: HttpRequest, meeting_id: Path[RecordId]) -> dict[str, Any]:
    return _meeting_detail(get_meeting_for_user(request.user, meeting_id))


@router.post(
    "/meetings/meetings/{meeting_id}/sign-in",
    response={200: MeetingDetail, **_WRITE},
    url_name="meetings_sign_in",
)
def sign_in(request: HttpRequest, meeting_id: Path[RecordId], payload: SignInIn) -> dict[str, Any]:
    user = _user(request)
    meeting = get_meeting_for_user(user, meeting_id)
    invitee = _invitee(meeting, payload.invitee)
    services.sign_in(user, invitee, present=payload.present)
    return _meeting_detail(meeting)


@router.post(
    "/meetings/meetings/{meeting_id}/sign-in-link",
    response={200: LinkOut, **_WRITE},
    summary="A new one-time sign-in link for an invitee (shown once)",
    url_name="meetings_sign_in_link",
)
def sign_in_link(
    request: HttpRequest, meeting_id: Path[RecordId], payload: SignInIn
) -> dict[str, Any]:
    user = _user(request)
    meeting = get_meeting_for_user(user, meeting_id)
    invitee = _invitee(meeting, payload.invitee)
    token = services.issue_sign_in_link(user, invitee)
    return {"url": request.build_absolute_uri(reverse("public_meetings:sign_in", args=[token]))}


@router.post(
    "/meetings/meetings/{meeting_id}/minutes",
    response={200: MeetingDetail, **_WRITE},
    url_name="meetings_minutes",
)
def minutes(request: HttpRequest, meeting_id: Path[RecordId], payload: MinutesIn) -> dict[str, Any]:
    user = _user(request)
    meeting = services.record_minutes(user, get_meeting_for_user(user, meeting_id), payload.minutes)
    return _meeting_detail(meeting)


@router.post(
    "/meetings/meetings/{meeting_id}/decisions",
    response={201: MeetingDetail, **_WRITE},
    url_name="meetings_decide",
)
def decide(
    request: HttpRequest, meeting_id: Path[RecordId], payload: DecisionIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    meeting = get_meeting_for_user(user, meeting_id)
    topic = None
    if payload.topic is not None:
        topic = meeting.topics.filter(pk=payload.topic).first()
        if topic is None:
            raise Invalid(_("Choose a topic on this meeting's agenda not yet settled."), "topic")
    owners = {
        u.username: u
        for u in User.objects.filter(username__in=[t.owner for t in payload.tasks], is_active=True)
    }
    tasks = []
    for given in payload.tasks:
        if given.owner not in owners:
            raise Invalid(_("No such account: %(name)s") % {"name": given.owner}, "tasks")
        tasks.append(
            services.TaskInput(title=given.title, owner=owners[given.owner], due_on=given.due_on)
        )
    services.decide_topic(user, meeting, payload.text, topic=topic, tasks=tasks)
    return Status(201, _meeting_detail(meeting))


@router.post(
    "/meetings/meetings/{meeting_id}/hold",
    response={200: MeetingDetail, **_WRITE},
    url_name="meetings_hold",
)
def hold(request: HttpRequest, meeting_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    meeting = services.hold_meeting(user, get_meeting_for_user(user, meeting_id))
    return _meeting_detail(meeting)


# --- tasks ----------------------------------------------------------------------------------


@router.get(
    "/meetings/tasks", response={200: TaskPage, 422: FieldErrors}, url_name="meetings_task_list"
)
def list_tasks(request: HttpRequest, filters: Query[TaskListQuery]) -> dict[str, Any]:
    user = _user(request)
    tasks = (
        queries.open_tasks_of(user)
        if filters.mine
        else queries.task_list(user, overdue_only=filters.overdue)
    )
    rows, cursor = _page(tasks.select_related("owner", "decision"), filters)
    now = clock.now()
    return {
        "items": [task_out(t, services.task_light(t, now)) for t in rows],
        "next_cursor": cursor,
    }


@router.get(
    "/meetings/tasks/{task_id}", response={200: TaskOut, **_READ}, url_name="meetings_task_detail"
)
def get_task(request: HttpRequest, task_id: Path[RecordId]) -> dict[str, Any]:
    task = get_task_for_user(request.user, task_id)
    return task_out(task, services.task_light(task))


@router.post(
    "/meetings/tasks/{task_id}/complete",
    response={200: TaskOut, **_WRITE},
    url_name="meetings_task_complete",
)
def complete(request: HttpRequest, task_id: Path[RecordId], payload: CompleteIn) -> dict[str, Any]:
    user = _user(request)
    task = get_task_for_user(user, task_id)
    evidence = own_uploads(user, payload.evidence, "evidence")
    task = services.complete_task(user, task, payload.note, evidence)
    task = Task.objects.select_related("owner", "decision").get(pk=task.pk)
    return task_out(task, services.task_light(task))


# --- votes ----------------------------------------------------------------------------------


@router.get(
    "/meetings/votes", response={200: VotePage, 422: FieldErrors}, url_name="meetings_vote_list"
)
def list_votes(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    rows, cursor = _page(visible_votes(request.user), filters)
    return {"items": [vote_out(v) for v in rows], "next_cursor": cursor}


@router.post(
    "/meetings/communities/{community_id}/votes",
    response={201: VoteOut, **_WRITE},
    url_name="meetings_vote_create",
)
def create_vote(
    request: HttpRequest, community_id: Path[RecordId], payload: VoteIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    community = get_community_for_user(user, community_id, Capability.RUN_MEETINGS)
    compound = meeting = decision = None
    if payload.compound_id is not None:
        compound = Compound.objects.select_related("grid").filter(pk=payload.compound_id).first()
        if compound is None:
            raise Invalid(_("Choose a compound of this community."), "compound_id")
    if payload.meeting_id is not None:
        meeting = Meeting.objects.filter(pk=payload.meeting_id, community=community).first()
        if meeting is None:
            raise Invalid(_("Choose a meeting of this community."), "meeting_id")
    if payload.decision_id is not None:
        decision = Decision.objects.filter(pk=payload.decision_id, community=community).first()
        if decision is None:
            raise Invalid(_("The decision belongs to another community."), "decision_id")
    vote = services.create_vote(
        user,
        community,
        services.VoteInput(
            question=payload.question,
            electorate=payload.electorate or "",
            closes_at=payload.closes_at,
            options=list(payload.options),
            is_secret=payload.is_secret,
            quorum=payload.quorum,
            majority=payload.majority,
            majority_base=payload.majority_base,
            is_changeable=payload.is_changeable,
            compound=compound,
            meeting=meeting,
            names=list(payload.names),
            decision=decision,
        ),
    )
    return Status(201, vote_out(vote))


@router.get(
    "/meetings/votes/{vote_id}", response={200: VoteOut, **_READ}, url_name="meetings_vote_detail"
)
def get_vote(request: HttpRequest, vote_id: Path[RecordId]) -> dict[str, Any]:
    return vote_out(get_vote_for_user(request.user, vote_id))


@router.post(
    "/meetings/votes/{vote_id}/links",
    response={200: list[VoterLinkOut], **_WRITE},
    summary="One-time voting links for the voters who have none yet (shown once)",
    url_name="meetings_vote_links",
)
def vote_links(request: HttpRequest, vote_id: Path[RecordId]) -> list[dict[str, str]]:
    user = _user(request)
    issued = services.issue_links(user, get_vote_for_user(user, vote_id))
    return [
        {
            "voter": voter.name,
            "url": request.build_absolute_uri(reverse("public_meetings:ballot", args=[token])),
        }
        for voter, token in issued
    ]


@router.post(
    "/meetings/votes/{vote_id}/close",
    response={200: VoteOut, **_WRITE},
    url_name="meetings_vote_close",
)
def close_vote(request: HttpRequest, vote_id: Path[RecordId]) -> dict[str, Any]:
    user = _user(request)
    return vote_out(services.close_vote(user, get_vote_for_user(user, vote_id)))


def _ballot(request: HttpRequest, ballot_token: str) -> tuple[Any, Any]:
    voter = services.voter_by_token(ballot_token) if looks_like_token(ballot_token) else None
    if voter is None or not visible_votes(request.user).filter(pk=voter.vote_id).exists():
        raise NotFound()
    return voter, voter.vote


def _ballot_out(voter: Any, vote: Any, token: str) -> dict[str, Any]:
    vote.refresh_from_db()
    return {
        "question": vote.question,
        "options": vote.options,
        "is_open": vote.state == "open" and clock.now() < vote.closes_at,
        "is_changeable": vote.is_changeable,
        "closes_at": vote.closes_at,
        "my_choice": services.my_choice(voter, token),
        "result": vote.result,
    }


@router.get(
    "/meetings/ballots/{ballot_token}",
    response={200: BallotOut, **_READ},
    summary="The question of a one-time voting link, your choice, and the result once closed",
    url_name="meetings_ballot",
)
def get_ballot(request: HttpRequest, ballot_token: Path[str]) -> dict[str, Any]:
    voter, vote = _ballot(request, ballot_token)
    return _ballot_out(voter, vote, ballot_token)


@router.post(
    "/meetings/ballots/{ballot_token}",
    response={200: BallotOut, **_WRITE},
    summary="Cast (or change, where allowed) the ballot of a one-time voting link",
    url_name="meetings_cast_ballot",
)
def cast_ballot(request: HttpRequest, ballot_token: Path[str], payload: BallotIn) -> dict[str, Any]:
    voter, vote = _ballot(request, ballot_token)
    services.cast_ballot(ballot_token, payload.choice)  # type: ignore[arg-type]
    return _ballot_out(voter, vote, ballot_token)


# --- procedures -----------------------------------------------------------------------------


def _procedure(procedure: Any) -> dict[str, Any]:
    return procedure_out(procedure, services.next_step(procedure))


@router.get(
    "/meetings/procedures",
    response={200: ProcedurePage, 422: FieldErrors},
    url_name="meetings_procedure_list",
)
def list_procedures(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    procedures = visible_procedures(request.user).prefetch_related("steps__documents__attachment")
    rows, cursor = _page(procedures, filters)
    return {"items": [_procedure(p) for p in rows], "next_cursor": cursor}


@router.post(
    "/meetings/communities/{community_id}/procedures",
    response={201: ProcedureOut, **_WRITE},
    url_name="meetings_procedure_create",
)
def create_procedure(
    request: HttpRequest, community_id: Path[RecordId], payload: ProcedureIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    community = get_community_for_user(user, community_id, Capability.RUN_MEETINGS)
    procedure = services.start_procedure(user, community, payload.title, payload.description)
    return Status(201, _procedure(procedure))


@router.get(
    "/meetings/procedures/{procedure_id}",
    response={200: ProcedureOut, **_READ},
    url_name="meetings_procedure_detail",
)
def get_procedure(request: HttpRequest, procedure_id: Path[RecordId]) -> dict[str, Any]:
    return _procedure(get_procedure_for_user(request.user, procedure_id))


@router.post(
    "/meetings/procedures/{procedure_id}/steps",
    response={201: ProcedureOut, **_WRITE},
    summary="Record the next step of 四议两公开 (in order; quorum rules enforced)",
    url_name="meetings_procedure_step",
)
def record_step(
    request: HttpRequest, procedure_id: Path[RecordId], payload: StepIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    procedure = get_procedure_for_user(user, procedure_id)
    documents = own_uploads(user, payload.documents, "documents")
    services.record_step(
        user,
        procedure,
        services.StepInput(
            step=payload.step or "",
            held_on=payload.held_on,
            expected=payload.expected,
            present=payload.present,
            in_favour=payload.in_favour,
            notes=payload.notes,
            documents=documents,
        ),
    )
    return Status(201, _procedure(procedure))
