"""Staff pages of votes (desktop): the list, opening a vote (who may vote, the rules), a vote's
page (how many links issued and ballots cast — never who cast which in a secret ballot — the
result once closed), issuing the one-time links (shown once, to print) and closing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.meetings import services
from wangge.meetings.exceptions import MeetingsError, NotAllowed
from wangge.meetings.forms import VoteForm
from wangge.meetings.models import Decision, MeetingState, VoteState
from wangge.meetings.permissions import (
    communities_for,
    get_vote_for_user,
    may_run,
    may_run_any,
    may_view_any,
    visible_meetings,
    visible_votes,
)
from wangge.meetings.views.lookups import actor, or_404
from wangge.org.roles import Capability
from wangge.people.models import Compound

PAGE = 100


def result_rows(vote) -> list[dict[str, object]]:
    """Each option with its count and share of the votes cast (closed votes only)."""
    if not vote.result:
        return []
    counts = vote.result["counts"]
    cast = vote.result["cast"] or 1
    return [
        {
            "option": option,
            "count": count,
            "percent": round(100 * count / cast),
            "bar": round(10 * count / cast) * 10,  # a CSS class: no inline style under the CSP
        }
        for option, count in zip(vote.options, counts, strict=False)
    ]


@login_required
@require_GET
def vote_list(request: HttpRequest) -> HttpResponse:
    if not may_view_any(request.user):
        raise PermissionDenied
    votes = list(visible_votes(request.user).select_related("community")[:PAGE])
    return render(
        request, "meetings/votes.html", {"votes": votes, "may_run": may_run_any(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def vote_create(request: HttpRequest) -> HttpResponse:
    communities = communities_for(request.user, Capability.RUN_MEETINGS).order_by("code")
    if not communities.exists():
        raise PermissionDenied
    compounds = (
        Compound.objects.filter(grid__parent__in=communities)
        .select_related("grid")
        .order_by("name")
    )
    meetings = (
        visible_meetings(request.user)
        .filter(community__in=communities)
        .exclude(state=MeetingState.CANCELLED)
        .select_related("community")
    )
    decisions = Decision.objects.filter(community__in=communities).select_related("meeting")
    data = request.POST if request.method == "POST" else None
    initial: dict[str, object] = {}
    wanted = request.GET.get("decision_id", "")
    chosen = (
        decisions.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 19 else None
    )
    if chosen is not None:
        initial = {"decision": chosen.pk, "community": chosen.community_id}
    form = VoteForm(
        data,
        initial=initial,
        communities=communities,
        compounds=compounds,
        meetings=meetings,
        decisions=decisions.order_by("-pk")[:50] if data is None else decisions,
    )
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            vote = services.create_vote(
                actor(request),
                cleaned["community"],
                services.VoteInput(
                    question=cleaned["question"],
                    electorate=cleaned["electorate"],
                    closes_at=cleaned["closes_at"],
                    options=cleaned["options"].splitlines(),
                    is_secret=cleaned["is_secret"],
                    quorum=cleaned["quorum"],
                    majority=cleaned["majority"],
                    majority_base=cleaned["majority_base"],
                    is_changeable=cleaned["is_changeable"],
                    compound=cleaned["compound"],
                    meeting=cleaned["meeting"],
                    names=cleaned["names"].splitlines(),
                    decision=cleaned["decision"],
                ),
            )
        except NotAllowed:
            raise PermissionDenied from None
        except MeetingsError as refused:
            form.add_refusal(refused.field, refused.message)
        else:
            messages.success(request, _("The vote is open. Issue the voting links next."))
            return redirect("meetings:vote", vote_id=vote.pk)
    status = 400 if data is not None else 200
    return render(
        request, "meetings/form.html", {"form": form, "title": _("Open a vote")}, status=status
    )


def _vote_page(
    request: HttpRequest, vote, links=None, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "meetings/vote.html",
        {
            "vote": vote,
            "voters": vote.voters.count(),
            "issued": vote.voters.filter(token_hash__isnull=False).count(),
            "ballots": vote.ballots.count(),
            "rows": result_rows(vote),
            "runs": may_run(request.user, vote.community) and vote.state == VoteState.OPEN,
            "links": links,
            "error": error,
            "public_url": reverse("public_meetings:vote_result", args=[vote.pk]),
        },
        status=status,
    )


@login_required
@require_GET
def vote_page(request: HttpRequest, vote_id: int) -> HttpResponse:
    return _vote_page(request, or_404(get_vote_for_user, request, vote_id))


@login_required
@require_POST
def vote_links(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = or_404(get_vote_for_user, request, vote_id)
    try:
        issued = services.issue_links(actor(request), vote)
    except NotAllowed:
        raise PermissionDenied from None
    except MeetingsError as refused:
        return _vote_page(request, vote, error=refused.message, status=409)
    links = [
        {
            "name": voter.name,
            "url": request.build_absolute_uri(reverse("public_meetings:ballot", args=[token])),
        }
        for voter, token in issued
    ]
    response = _vote_page(request, vote, links=links)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def vote_close(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = or_404(get_vote_for_user, request, vote_id)
    try:
        services.close_vote(actor(request), vote)
    except NotAllowed:
        raise PermissionDenied from None
    except MeetingsError as refused:
        return _vote_page(request, vote, error=refused.message, status=409)
    messages.success(request, _("The vote is closed and its result published."))
    return redirect("meetings:vote", vote_id=vote.pk)
