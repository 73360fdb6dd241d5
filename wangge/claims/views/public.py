"""Pages for people without an account, under /public/claims/. Phone first, Chinese by default.

- A community's page: its completed agreements (what was done, by which member unit, when — no
  person's name, phone or the notes written under it), and the ways to take part.
- Residents raise a need or a small wish, and residents and party members register as
  volunteers (双报到). Abuse guard without a captcha (`wangge.core.ratelimit`, as the public case
  report): counted per client address per hour and per phone per day (the limits of the public
  report, WANGGE_PUBLIC_REPORTS_*), inside the transaction that writes, so a refused form does
  not use up a limit. Over a limit the page answers 429 and keeps what was typed.
- A volunteer's own page, reached through their personal signed link (they have no account):
  open wishes to claim, their wishes to fulfil with a photo, posts to take, their hours and a
  form to record more (counted once staff confirm them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.claims import queries, services
from wangge.claims.exceptions import ClaimsError, NotFound
from wangge.claims.forms import (
    FulfilWishForm,
    HoursForm,
    PublicNeedForm,
    PublicWishForm,
    VolunteerForm,
)
from wangge.claims.models import (
    HoursState,
    Post,
    Volunteer,
    VolunteerState,
    Wish,
    WishState,
)
from wangge.core import ratelimit
from wangge.core.masking import mask_name, normalize_phone
from wangge.org.models import OrgUnit
from wangge.org.roles import AREA_KINDS

HOUR, DAY = 3600, 86400


class _OverLimit(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _community(community_code: str) -> OrgUnit:
    code = str(community_code)[:32].replace("\x00", "")
    community = OrgUnit.objects.filter(code=code, kind__in=AREA_KINDS, is_active=True).first()
    if community is None:
        raise Http404(code)
    return community


def _count(request: HttpRequest, name: str, phone: str) -> None:
    """Count one submission of form `name` from this address and phone; _OverLimit past it."""
    ip_key = ratelimit.hashed_key(f"claims-{name}-ip", ratelimit.client_ip(request))
    if not ratelimit.hit(
        ip_key, limit=settings.PUBLIC_REPORTS_PER_IP_PER_HOUR, window_seconds=HOUR
    ):
        raise _OverLimit(ratelimit.retry_after(HOUR))
    digits = normalize_phone(phone)
    if digits:
        phone_key = ratelimit.hashed_key(f"claims-{name}-phone", digits)
        limit = settings.PUBLIC_REPORTS_PER_PHONE_PER_DAY
        if not ratelimit.hit(phone_key, limit=limit, window_seconds=DAY):
            raise _OverLimit(ratelimit.retry_after(DAY))


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "claims/public/index.html", {"communities": list(queries.public_communities())}
    )


@require_GET
def community_page(request: HttpRequest, community_code: str) -> HttpResponse:
    community = _community(community_code)
    context = {
        "community": community,
        "agreements": queries.public_completed_agreements(community),
    }
    return render(request, "claims/public/community.html", context)


def _public_form(
    request: HttpRequest,
    community_code: str,
    *,
    name: str,
    form_class: type,
    title: str,
    intro: str,
    phone_field: str,
    submit: Callable[[OrgUnit, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    community = _community(community_code)
    template = "claims/public/form.html"
    form = form_class(request.POST if request.method == "POST" else None)
    context = {"community": community, "form": form, "title": title, "intro": intro}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        with transaction.atomic():
            _count(request, name, form.cleaned_data.get(phone_field, ""))
            submit(community, form.cleaned_data)
    except _OverLimit as over:
        context["form_error"] = " ".join(
            [
                _("Too many forms have come from this connection or this phone number."),
                ratelimit.try_again_in(over.seconds),
            ]
        )
        response = render(request, template, context, status=429)
        response["Retry-After"] = str(over.seconds)
        return response
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return render(request, template, context, status=400)
    return render(
        request,
        "claims/public/done.html",
        {"community": community, "title": title, "message": done},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def raise_need(request: HttpRequest, community_code: str) -> HttpResponse:
    def submit(community: OrgUnit, data: dict[str, Any]) -> Any:
        return services.raise_need_as_resident(
            community,
            services.NeedInput(
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                place=data["place"],
                wanted_by=data["wanted_by"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            ),
        )

    return _public_form(
        request,
        community_code,
        name="need",
        form_class=PublicNeedForm,
        title=_("Raise a need"),
        intro=_(
            "Tell the community what you need; its member units may take it on. "
            "Staff will call you back on the phone you give, which is never shown."
        ),
        phone_field="contact_phone",
        submit=submit,
        done=_("Your need is received. The community will call you back."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def raise_wish(request: HttpRequest, community_code: str) -> HttpResponse:
    def submit(community: OrgUnit, data: dict[str, Any]) -> Any:
        return services.raise_wish_as_resident(
            community,
            services.WishInput(
                title=data["title"],
                description=data["description"],
                wisher_name=data["name"],
                wisher_phone=data["phone"],
            ),
        )

    return _public_form(
        request,
        community_code,
        name="wish",
        form_class=PublicWishForm,
        title=_("Make a small wish"),
        intro=_("A small, concrete wish a volunteer of the community can fulfil."),
        phone_field="phone",
        submit=submit,
        done=_("Your wish is received. A volunteer will contact you."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def register_volunteer(request: HttpRequest, community_code: str) -> HttpResponse:
    def submit(community: OrgUnit, data: dict[str, Any]) -> Any:
        return services.register_volunteer(
            community,
            services.VolunteerInput(
                name=data["name"],
                phone=data["phone"],
                is_party_member=data["is_party_member"],
                skills=data["skills"],
            ),
        )

    return _public_form(
        request,
        community_code,
        name="volunteer",
        form_class=VolunteerForm,
        title=_("Register as a volunteer"),
        intro=_(
            "Residents and working party members report to their community (双报到) and serve "
            "as volunteers. Once the community confirms you, it sends you your personal link."
        ),
        phone_field="phone",
        submit=submit,
        done=_(
            "Your registration is received. Once the community confirms it, you will get your "
            "personal link."
        ),
    )


# --- the volunteer's own page -----------------------------------------------------------------


def _volunteer(volunteer_key: str) -> Volunteer:
    try:
        return services.volunteer_from_key(volunteer_key)
    except NotFound:
        raise Http404("volunteer") from None


def _me_page(
    request: HttpRequest,
    volunteer: Volunteer,
    volunteer_key: str,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    community = volunteer.community
    confirmed = volunteer.state == VolunteerState.CONFIRMED
    mine = list(volunteer.wishes.order_by("state", "-claimed_at")[:50])
    taken = set(volunteer.signups.values_list("post_id", flat=True))
    posts = list(
        Post.objects.filter(community=community, is_open=True).order_by("-created_at")[:50]
    )
    from django.db.models import Count

    counts = dict(
        Post.objects.filter(pk__in=[p.pk for p in posts])
        .annotate(taken=Count("signups"))
        .values_list("pk", "taken")
    )
    hours = list(volunteer.hours.select_related("post").order_by("-served_on", "-pk")[:50])
    context = {
        "volunteer": volunteer,
        "key": volunteer_key,
        "confirmed": confirmed,
        "open_wishes": [
            {"wish": wish, "wisher": mask_name(wish.wisher_name)}
            for wish in Wish.objects.filter(community=community, state=WishState.OPEN).order_by(
                "-created_at"
            )[:50]
        ]
        if confirmed
        else [],
        "my_wishes": mine,
        "posts": [
            {"post": post, "taken": counts.get(post.pk, 0), "is_mine": post.pk in taken}
            for post in posts
        ]
        if confirmed
        else [],
        "hours": hours,
        "confirmed_hours": sum(
            (h.hours for h in hours if h.state == HoursState.CONFIRMED), start=0
        ),
        "hours_form": forms.get("hours_form")
        or HoursForm(prefix="hours", posts=Post.objects.filter(community=community, pk__in=taken)),
        "fulfil_forms": forms.get("fulfil_forms")
        or {
            wish.pk: FulfilWishForm(prefix=f"wish{wish.pk}")
            for wish in mine
            if wish.state == WishState.CLAIMED
        },
    }
    context["my_wishes_with_forms"] = [
        {"wish": wish, "form": context["fulfil_forms"].get(wish.pk)} for wish in mine
    ]
    response = render(request, "claims/public/me.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def me(request: HttpRequest, volunteer_key: str) -> HttpResponse:
    return _me_page(request, _volunteer(volunteer_key), volunteer_key)


def _back(volunteer_key: str) -> HttpResponse:
    return redirect(reverse("public_claims:me", args=[volunteer_key]))


@require_POST
def me_claim_wish(request: HttpRequest, volunteer_key: str, wish_id: int) -> HttpResponse:
    volunteer = _volunteer(volunteer_key)
    wish = Wish.objects.filter(pk=wish_id, community=volunteer.community).first()
    if wish is None:
        raise Http404(str(wish_id))
    try:
        services.claim_wish(volunteer, wish)
        messages.success(request, _("You took on this wish."))
    except ClaimsError as error:
        messages.error(request, error.message)
    return _back(volunteer_key)


@require_POST
def me_fulfil_wish(request: HttpRequest, volunteer_key: str, wish_id: int) -> HttpResponse:
    volunteer = _volunteer(volunteer_key)
    wish = Wish.objects.filter(pk=wish_id, volunteer=volunteer).first()
    if wish is None:
        raise Http404(str(wish_id))
    form = FulfilWishForm(request.POST, request.FILES, prefix=f"wish{wish.pk}")
    if not form.is_valid():
        return _me_page(request, volunteer, volunteer_key, 400, fulfil_forms={wish.pk: form})
    upload: UploadedFile = form.cleaned_data["evidence"]
    stored = []
    try:
        with transaction.atomic():
            stored.append(services.store_evidence(None, upload, upload.name or ""))
            services.fulfil_wish(volunteer, wish, form.cleaned_data["outcome"], stored[0])
    except ClaimsError as error:
        for attachment in stored:
            attachment.file.delete(save=False)
        form.add_refusal(error.field, error.message)
        return _me_page(request, volunteer, volunteer_key, 400, fulfil_forms={wish.pk: form})
    messages.success(request, _("Thank you: the wish is fulfilled."))
    return _back(volunteer_key)


@require_POST
def me_sign_up(request: HttpRequest, volunteer_key: str, post_id: int) -> HttpResponse:
    volunteer = _volunteer(volunteer_key)
    post = Post.objects.filter(pk=post_id, community=volunteer.community).first()
    if post is None:
        raise Http404(str(post_id))
    try:
        services.sign_up_for_post(volunteer, post)
        messages.success(request, _("You took a place in this post."))
    except ClaimsError as error:
        messages.error(request, error.message)
    return _back(volunteer_key)


@require_POST
def me_hours(request: HttpRequest, volunteer_key: str) -> HttpResponse:
    volunteer = _volunteer(volunteer_key)
    taken = volunteer.signups.values("post_id")
    form = HoursForm(request.POST, prefix="hours", posts=Post.objects.filter(pk__in=taken))
    if not form.is_valid():
        return _me_page(request, volunteer, volunteer_key, 400, hours_form=form)
    data = form.cleaned_data
    try:
        services.record_own_hours(
            volunteer, data["served_on"], data["hours"], data["what"], data["post"]
        )
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _me_page(request, volunteer, volunteer_key, 400, hours_form=form)
    messages.success(
        request, _("Your hours are recorded; they count once the community confirms them.")
    )
    return _back(volunteer_key)
