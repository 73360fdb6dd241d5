"""Staff pages of topics, meetings and tasks (desktop): the overview with the quarter flag,
topics (proposed by staff, or taken from stuck cases), a meeting's page (agenda, invitees and
sign-in, tasks of earlier decisions to report on, minutes, decisions with their tasks, held or
cancelled), and tasks (done with a note and evidence)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.cases.exceptions import CaseInvalid
from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.core.masking import mask_phone
from wangge.core.models import User
from wangge.meetings import queries, services
from wangge.meetings.exceptions import MeetingsError, NotAllowed
from wangge.meetings.forms import (
    TASK_ROWS,
    AgendaForm,
    CompleteTaskForm,
    DecisionForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    ReasonForm,
    TopicForm,
)
from wangge.meetings.models import InviteeKind, MeetingState, TaskEvidence, TaskState, TopicState
from wangge.meetings.permissions import (
    communities_for,
    get_community_for_user,
    get_meeting_for_user,
    get_task_for_user,
    get_topic_for_user,
    may_run,
    may_run_any,
    may_view_any,
    visible_meetings,
    visible_topics,
)
from wangge.meetings.views.lookups import actor, or_404, serve_attachment
from wangge.org.roles import Capability

PAGE = 100


def _require_view(request: HttpRequest) -> None:
    if not may_view_any(request.user):
        raise PermissionDenied


def _running(request: HttpRequest) -> Any:
    return communities_for(request.user, Capability.RUN_MEETINGS).order_by("code")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    rows = queries.joint_meeting_overview(request.user)
    upcoming = list(
        visible_meetings(request.user)
        .filter(state=MeetingState.SCHEDULED)
        .select_related("community")
        .order_by("scheduled_at")[:10]
    )
    return render(
        request,
        "meetings/home.html",
        {
            "rows": rows,
            "flagged": sum(1 for row in rows if row.is_flagged),
            "upcoming": upcoming,
            "may_run": may_run_any(request.user),
        },
    )


# --- topics ----------------------------------------------------------------------------------


@login_required
@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    state = request.GET.get("state", TopicState.PROPOSED)
    if state not in TopicState.values:
        state = TopicState.PROPOSED
    topics = list(
        visible_topics(request.user)
        .filter(state=state)
        .select_related("community", "case", "meeting")[:PAGE]
    )
    return render(
        request,
        "meetings/topics.html",
        {
            "topics": [(topic, mask_phone(topic.proposer_phone)) for topic in topics],
            "state": state,
            "states": TopicState.choices,
            "communities": list(_running(request)),
            "may_run": may_run_any(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest) -> HttpResponse:
    communities = _running(request)
    if not communities.exists():
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = TopicForm(data, communities=communities)
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            topic = services.propose_topic(
                actor(request),
                cleaned["community"],
                services.TopicInput(
                    title=cleaned["title"],
                    description=cleaned["description"],
                    source=cleaned["source"],
                    proposer_name=cleaned["proposer_name"],
                    proposer_phone=cleaned["proposer_phone"],
                ),
            )
        except NotAllowed:
            raise PermissionDenied from None
        except MeetingsError as refused:
            form.add_refusal(refused.field, refused.message)
        else:
            messages.success(request, _("The topic is proposed."))
            return redirect("meetings:topic", topic_id=topic.pk)
    status = 400 if data is not None else 200
    return render(
        request, "meetings/form.html", {"form": form, "title": _("Propose a topic")}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def topics_from_cases(request: HttpRequest, community_id: int) -> HttpResponse:
    try:
        community = get_community_for_user(request.user, community_id, Capability.RUN_MEETINGS)
    except MeetingsError:
        raise Http404(community_id) from None
    user = actor(request)
    if request.method == "POST":
        numbers = request.POST.getlist("case")[:200]
        created = services.topics_from_cases(user, community, numbers)
        messages.success(
            request, _("%(count)d topic(s) added from cases.") % {"count": len(created)}
        )
        return redirect("meetings:topics")
    cases = list(services.stuck_cases(user, community)[:200])
    return render(
        request,
        "meetings/stuck_cases.html",
        {"community": community, "cases": cases, "now": clock.now()},
    )


@login_required
@require_GET
def topic_page(request: HttpRequest, topic_id: int) -> HttpResponse:
    _require_view(request)
    topic = or_404(get_topic_for_user, request, topic_id)
    return render(
        request,
        "meetings/topic.html",
        {
            "topic": topic,
            "phone": mask_phone(topic.proposer_phone),
            "may_run": may_run(request.user, topic.community),
            "reject_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def topic_reject(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = or_404(get_topic_for_user, request, topic_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.reject_topic(actor(request), topic, form.cleaned_data["reason"])
        except NotAllowed:
            raise PermissionDenied from None
        except MeetingsError as refused:
            form.add_refusal(refused.field, refused.message)
        else:
            messages.success(request, _("The topic is rejected."))
            return redirect("meetings:topic", topic_id=topic.pk)
    context = {
        "topic": topic,
        "phone": mask_phone(topic.proposer_phone),
        "may_run": True,
        "reject_form": form,
    }
    return render(request, "meetings/topic.html", context, status=400)


# --- meetings --------------------------------------------------------------------------------


def _invitees(form: Any) -> list[services.InviteeInput] | None:
    """The invitees typed in the three boxes, or None after putting an error on the form."""
    cleaned = form.cleaned_data
    invitees: list[services.InviteeInput] = []
    names = [line.strip() for line in cleaned.get("accounts", "").splitlines() if line.strip()]
    users = {u.username: u for u in User.objects.filter(username__in=names[:500], is_active=True)}
    unknown = [name for name in names if name not in users]
    if unknown:
        form.add_error("accounts", _("No such account: %(name)s") % {"name": unknown[0]})
        return None
    invitees += [services.InviteeInput(InviteeKind.ACCOUNT, user=users[name]) for name in names]
    for line in cleaned.get("member_units", "").splitlines():
        if not line.strip():
            continue
        name, _sep, unit = line.replace("，", ",").partition(",")
        invitees.append(
            services.InviteeInput(
                InviteeKind.MEMBER_UNIT, name=name.strip(), organisation=unit.strip()
            )
        )
    for line in cleaned.get("residents", "").splitlines():
        if line.strip():
            invitees.append(services.InviteeInput(InviteeKind.RESIDENT, name=line.strip()))
    return invitees


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    meetings = list(visible_meetings(request.user).select_related("community")[:PAGE])
    return render(
        request,
        "meetings/meetings.html",
        {"meetings": meetings, "may_run": may_run_any(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    communities = _running(request)
    if not communities.exists():
        raise PermissionDenied
    topics = queries.topics_in(communities, TopicState.PROPOSED)
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, communities=communities, topics=topics)
    if data is not None and form.is_valid():
        invitees = _invitees(form)
        if invitees is not None:
            cleaned = form.cleaned_data
            try:
                meeting = services.schedule_meeting(
                    actor(request),
                    cleaned["community"],
                    services.MeetingInput(
                        kind=cleaned["kind"],
                        title=cleaned["title"],
                        scheduled_at=cleaned["scheduled_at"],
                        place=cleaned["place"],
                        topics=list(cleaned["topics"]),
                        invitees=invitees,
                    ),
                )
            except NotAllowed:
                raise PermissionDenied from None
            except MeetingsError as refused:
                form.add_refusal(refused.field, refused.message)
            else:
                messages.success(request, _("The meeting is scheduled."))
                return redirect("meetings:meeting", meeting_id=meeting.pk)
    status = 400 if data is not None else 200
    return render(
        request,
        "meetings/form.html",
        {"form": form, "title": _("Schedule a meeting")},
        status=status,
    )


def _meeting_page(
    request: HttpRequest, meeting: Any, status: int = 200, **forms: Any
) -> HttpResponse:
    runs = may_run(request.user, meeting.community) and meeting.state == MeetingState.SCHEDULED
    agenda = list(meeting.topics.select_related("case").order_by("pk"))
    open_agenda = meeting.topics.filter(state=TopicState.SCHEDULED)
    now = clock.now()
    decisions = list(
        meeting.decisions.select_related("topic").prefetch_related("tasks__owner").order_by("pk")
    )
    report = [(task, services.task_light(task, now)) for task in queries.tasks_to_report(meeting)]
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "invitees": list(meeting.invitees.select_related("user").order_by("pk")),
        "decisions": [
            (decision, [(task, services.task_light(task, now)) for task in decision.tasks.all()])
            for decision in decisions
        ],
        "report": report,
        "runs": runs,
        "may_minute": may_run(request.user, meeting.community)
        and meeting.state != MeetingState.CANCELLED,
        "minutes_form": forms.get("minutes_form")
        or MinutesForm(initial={"minutes": meeting.minutes}),
        "decision_form": forms.get("decision_form") or DecisionForm(topics=open_agenda),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "agenda_form": forms.get("agenda_form")
        or AgendaForm(topics=queries.proposed_topics(meeting.community)),
        "cancel_form": forms.get("cancel_form") or ReasonForm(),
        "task_rows": range(1, TASK_ROWS + 1),
        "issued_link": forms.get("issued_link"),
        "error": forms.get("error"),
    }
    return render(request, "meetings/meeting.html", context, status=status)


@login_required
@require_GET
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_view(request)
    return _meeting_page(request, or_404(get_meeting_for_user, request, meeting_id))


def _refused(
    request: HttpRequest, meeting: Any, refused: MeetingsError, **forms: Any
) -> HttpResponse:
    if isinstance(refused, NotAllowed):
        raise PermissionDenied
    status = 409 if refused.field == "state" else 400
    return _meeting_page(request, meeting, status=status, error=refused.message, **forms)


@login_required
@require_POST
def meeting_action(request: HttpRequest, meeting_id: int, step: str) -> HttpResponse:
    """One form of the meeting page: minutes, invite, agenda, decide, hold, cancel."""
    meeting = or_404(get_meeting_for_user, request, meeting_id)
    user = actor(request)
    form: Any = None
    name = f"{step}_form"
    try:
        if step == "minutes":
            form = MinutesForm(request.POST)
            if form.is_valid():
                services.record_minutes(user, meeting, form.cleaned_data["minutes"])
                messages.success(request, _("The minutes are saved."))
                return redirect("meetings:meeting", meeting_id=meeting.pk)
        elif step == "invite":
            form = InviteForm(request.POST)
            if form.is_valid():
                invitees = _invitees(form)
                if invitees is not None:
                    services.invite(user, meeting, invitees)
                    messages.success(request, _("The invitees are added."))
                    return redirect("meetings:meeting", meeting_id=meeting.pk)
        elif step == "agenda":
            form = AgendaForm(request.POST, topics=queries.proposed_topics(meeting.community))
            if form.is_valid():
                services.add_topics(user, meeting, list(form.cleaned_data["topics"]))
                messages.success(request, _("The agenda is updated."))
                return redirect("meetings:meeting", meeting_id=meeting.pk)
        elif step == "decision":
            form = DecisionForm(
                request.POST, topics=meeting.topics.filter(state=TopicState.SCHEDULED)
            )
            if form.is_valid():
                tasks = _tasks(form)
                if tasks is not None:
                    services.decide_topic(
                        user,
                        meeting,
                        form.cleaned_data["text"],
                        topic=form.cleaned_data["topic"],
                        tasks=tasks,
                    )
                    messages.success(request, _("The decision is recorded."))
                    return redirect("meetings:meeting", meeting_id=meeting.pk)
        elif step == "hold":
            services.hold_meeting(user, meeting)
            messages.success(request, _("The meeting is recorded as held."))
            return redirect("meetings:meeting", meeting_id=meeting.pk)
        elif step == "cancel":
            form = ReasonForm(request.POST)
            if form.is_valid():
                services.cancel_meeting(user, meeting, form.cleaned_data["reason"])
                messages.success(request, _("The meeting is cancelled."))
                return redirect("meetings:meeting", meeting_id=meeting.pk)
        else:
            raise Http404(step)
    except MeetingsError as refused:
        if form is not None and not isinstance(refused, NotAllowed) and refused.field != "state":
            form.add_refusal(refused.field, refused.message)
            return _meeting_page(request, meeting, status=400, **{name: form})
        return _refused(request, meeting, refused, **({name: form} if form is not None else {}))
    return _meeting_page(request, meeting, status=400, **{name: form})


def _tasks(form: Any) -> list[services.TaskInput] | None:
    cleaned = form.cleaned_data
    rows = []
    for row in range(1, TASK_ROWS + 1):
        title = cleaned.get(f"task_{row}_title", "").strip()
        owner_name = cleaned.get(f"task_{row}_owner", "").strip()
        due_on = cleaned.get(f"task_{row}_due_on")
        if not (title or owner_name or due_on):
            continue
        owner = User.objects.filter(username=owner_name, is_active=True).first()
        if not title:
            form.add_error(f"task_{row}_title", _("Name the task."))
        if owner is None:
            form.add_error(
                f"task_{row}_owner", _("No such account: %(name)s") % {"name": owner_name or "-"}
            )
        if due_on is None:
            form.add_error(f"task_{row}_due_on", _("Enter a deadline."))
        if title and owner is not None and due_on is not None:
            rows.append(services.TaskInput(title=title, owner=owner, due_on=due_on))
    return None if form.errors else rows


@login_required
@require_POST
def invitee_sign_in(request: HttpRequest, meeting_id: int, invitee_id: int) -> HttpResponse:
    meeting = or_404(get_meeting_for_user, request, meeting_id)
    invitee = meeting.invitees.filter(pk=invitee_id).first()
    if invitee is None:
        raise Http404(invitee_id)
    try:
        if request.POST.get("link"):
            token = services.issue_sign_in_link(actor(request), invitee)
            url = request.build_absolute_uri(reverse("public_meetings:sign_in", args=[token]))
            return _meeting_page(request, meeting, issued_link={"name": invitee.name, "url": url})
        services.sign_in(actor(request), invitee, present=request.POST.get("present") != "0")
    except MeetingsError as refused:
        return _refused(request, meeting, refused)
    return redirect("meetings:meeting", meeting_id=meeting.pk)


# --- tasks -----------------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    overdue = request.GET.get("overdue") == "1"
    if mine:
        tasks = queries.open_tasks_of(actor(request)).select_related("owner")
    else:
        _require_view(request)
        tasks = queries.task_list(
            request.user, state=TaskState.OPEN if overdue else "", overdue_only=overdue
        )
    now = clock.now()
    rows = [(task, services.task_light(task, now)) for task in tasks[:PAGE]]
    return render(request, "meetings/tasks.html", {"rows": rows, "mine": mine, "overdue": overdue})


def _task_page(
    request: HttpRequest, task: Any, form: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "meetings/task.html",
        {
            "task": task,
            "light": services.task_light(task),
            "evidence": list(task.evidence.select_related("attachment")),
            "form": form or CompleteTaskForm(),
            "may_complete": task.state == TaskState.OPEN
            and services.may_complete(actor(request), task),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    task = or_404(get_task_for_user, request, task_id)
    if request.method == "GET":
        return _task_page(request, task)
    form = CompleteTaskForm(request.POST, request.FILES)
    if not form.is_valid():
        return _task_page(request, task, form, 400)
    user = actor(request)
    try:
        evidence = []
        upload = form.cleaned_data.get("evidence")
        if upload:
            evidence.append(
                store_attachment(user, upload, name=upload.name or "", field="evidence")
            )
        services.complete_task(user, task, form.cleaned_data["note"], evidence)
    except CaseInvalid as refused:
        form.add_refusal("evidence", refused.message)
        return _task_page(request, task, form, 400)
    except NotAllowed:
        raise PermissionDenied from None
    except MeetingsError as refused:
        form.add_refusal(refused.field, refused.message)
        return _task_page(request, task, form, 409 if refused.field == "state" else 400)
    messages.success(request, _("The task is done."))
    return redirect("meetings:task", task_id=task.pk)


@login_required
@require_GET
def task_evidence(request: HttpRequest, task_id: int, evidence_id: int) -> HttpResponse:
    task = or_404(get_task_for_user, request, task_id)
    evidence = (
        TaskEvidence.objects.filter(task=task, pk=evidence_id).select_related("attachment").first()
    )
    if evidence is None:
        raise Http404(evidence_id)
    return serve_attachment(evidence.attachment)
