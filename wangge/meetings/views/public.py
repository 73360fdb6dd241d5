"""Pages for residents without an account (phone first), under /public/meetings/:

- propose a topic for their community (name and phone required; the phone is encrypted and
  shown to staff masked). Counted per client address per hour and per phone per day, with the
  public report's limits (WANGGE_PUBLIC_REPORTS_*), inside the transaction that files it, so a
  refused proposal does not use up a limit;
- vote with a one-time link (`ballot/<ballot_token>/`): the question and options, the voter's
  own choice (found by their token only), a change while allowed, and the result once closed;
- sign in at a meeting with a one-time link (`sign-in/<sign_in_token>/`);
- the published result of a closed vote, and the disclosures of 四议两公开 with the photos of
  the notice board.

Links that match nothing are counted per address per hour (WANGGE_PUBLIC_LOOKUPS_PER_IP_PER_HOUR)
and answered 404 like any unknown page. No page here shows a voter's or a proposer's name."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core import ratelimit
from wangge.core.masking import normalize_phone
from wangge.meetings import queries, services
from wangge.meetings.exceptions import Conflict, MeetingsError
from wangge.meetings.forms import BallotForm, PublicTopicForm
from wangge.meetings.models import DISCLOSURE_STEPS, Procedure, StepDocument, Vote, VoteState
from wangge.meetings.tokens import looks_like_token
from wangge.meetings.views.lookups import serve_attachment
from wangge.meetings.views.votes import result_rows
from wangge.org.models import OrgUnit
from wangge.org.roles import AREA_KINDS

HOUR, DAY = 3600, 86400


class _OverLimit(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _communities():
    return OrgUnit.objects.filter(kind__in=AREA_KINDS, is_active=True).order_by("code")


def _unknown_link(request: HttpRequest) -> HttpResponse:
    key = ratelimit.hashed_key("public-meetings-link-ip", ratelimit.client_ip(request))
    if not ratelimit.hit(key, limit=settings.PUBLIC_LOOKUPS_PER_IP_PER_HOUR, window_seconds=HOUR):
        response = render(
            request,
            "meetings/public/message.html",
            {"message": ratelimit.try_again_in(ratelimit.retry_after(HOUR))},
            status=429,
        )
        response["Retry-After"] = str(ratelimit.retry_after(HOUR))
        return response
    raise Http404("link")


@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = PublicTopicForm(data, communities=_communities())
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            cleaned = form.cleaned_data
            ip_key = ratelimit.hashed_key("public-topic-ip", ratelimit.client_ip(request))
            phone = normalize_phone(cleaned["proposer_phone"])
            try:
                with transaction.atomic():
                    if not ratelimit.hit(
                        ip_key, limit=settings.PUBLIC_REPORTS_PER_IP_PER_HOUR, window_seconds=HOUR
                    ):
                        raise _OverLimit(ratelimit.retry_after(HOUR))
                    if phone:
                        phone_key = ratelimit.hashed_key("public-topic-phone", phone)
                        limit = settings.PUBLIC_REPORTS_PER_PHONE_PER_DAY
                        if not ratelimit.hit(phone_key, limit=limit, window_seconds=DAY):
                            raise _OverLimit(ratelimit.retry_after(DAY))
                    services.propose_topic_publicly(
                        cleaned["community"],
                        services.TopicInput(
                            title=cleaned["title"],
                            description=cleaned["description"],
                            proposer_name=cleaned["proposer_name"],
                            proposer_phone=cleaned["proposer_phone"],
                        ),
                    )
            except _OverLimit as over:
                message = _("Too many proposals have come from this connection or this phone.")
                form.add_error(None, f"{message} {ratelimit.try_again_in(over.seconds)}")
                response = render(
                    request, "meetings/public/propose.html", {"form": form}, status=429
                )
                response["Retry-After"] = str(over.seconds)
                return response
            except MeetingsError as refused:
                form.add_refusal(refused.field, refused.message)
            else:
                return redirect("public_meetings:proposed")
    return render(request, "meetings/public/propose.html", {"form": form}, status=status)


@require_GET
def proposed(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/public/message.html",
        {
            "title": _("Thank you"),
            "message": _(
                "Your topic is with the community. Staff will call you back and tell you when "
                "it is discussed."
            ),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, ballot_token: str) -> HttpResponse:
    if not looks_like_token(ballot_token):
        return _unknown_link(request)
    voter = services.voter_by_token(ballot_token)
    if voter is None:
        return _unknown_link(request)
    vote = voter.vote
    choice = services.my_choice(voter, ballot_token)
    form = BallotForm(
        request.POST if request.method == "POST" else None,
        options=vote.options,
        initial={"choice": choice},
    )
    status = 200
    error = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.cast_ballot(ballot_token, form.cleaned_data["choice"])
            except Conflict as refused:
                error, status = refused.message, 409
            except MeetingsError as refused:
                form.add_error("choice", refused.message)
            else:
                return redirect(f"{request.path}?done=1")
    vote.refresh_from_db()
    is_open = vote.state == VoteState.OPEN
    response = render(
        request,
        "meetings/public/ballot.html",
        {
            "vote": vote,
            "form": form,
            "choice": vote.options[choice] if choice is not None else None,
            "may_vote": is_open and (choice is None or vote.is_changeable),
            "is_open": is_open,
            "done": request.GET.get("done") == "1" and choice is not None,
            "error": error,
            "rows": result_rows(vote),
        },
        status=status,
    )
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, sign_in_token: str) -> HttpResponse:
    if not looks_like_token(sign_in_token):
        return _unknown_link(request)
    invitee = services.invitee_by_sign_in_token(sign_in_token)
    if invitee is None:
        return _unknown_link(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            invitee = services.sign_in_with_link(sign_in_token)
        except MeetingsError as refused:
            error, status = refused.message, 409
        else:
            return render(
                request,
                "meetings/public/message.html",
                {
                    "title": _("You are signed in"),
                    "message": _("Welcome to %(title)s.") % {"title": invitee.meeting.title},
                },
            )
    response = render(
        request,
        "meetings/public/sign_in.html",
        {"invitee": invitee, "meeting": invitee.meeting, "error": error},
        status=status,
    )
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def vote_result(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = Vote.objects.select_related("community").filter(pk=vote_id).first()
    if vote is None:
        raise Http404(vote_id)
    return render(request, "meetings/public/result.html", {"vote": vote, "rows": result_rows(vote)})


@require_GET
def disclosures(request: HttpRequest) -> HttpResponse:
    procedures = list(queries.disclosed_procedures()[:100])
    return render(request, "meetings/public/disclosures.html", {"procedures": procedures})


def _disclosed(procedure_id: int) -> Procedure:
    procedure = queries.disclosed_procedures().filter(pk=procedure_id).first()
    if procedure is None:
        raise Http404(procedure_id)
    return procedure


@require_GET
def disclosure(request: HttpRequest, procedure_id: int) -> HttpResponse:
    procedure = _disclosed(procedure_id)
    steps = list(
        procedure.steps.filter(step__in=DISCLOSURE_STEPS)
        .prefetch_related("documents__attachment")
        .order_by("pk")
    )
    return render(
        request, "meetings/public/disclosure.html", {"procedure": procedure, "steps": steps}
    )


@require_GET
def disclosure_photo(request: HttpRequest, procedure_id: int, document_id: int) -> HttpResponse:
    procedure = _disclosed(procedure_id)
    document = (
        StepDocument.objects.filter(
            pk=document_id,
            step__procedure=procedure,
            step__step__in=DISCLOSURE_STEPS,
            attachment__is_image=True,
        )
        .select_related("attachment")
        .first()
    )
    if document is None:
        raise Http404(document_id)
    return serve_attachment(document.attachment)
