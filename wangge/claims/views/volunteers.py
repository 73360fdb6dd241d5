"""Volunteers (双报到) for community staff: registrations to confirm, a volunteer's page with
their personal link and hours, hours to confirm, small wishes (微心愿) and posts (岗位)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.claims import queries, services
from wangge.claims.exceptions import ClaimsError, Invalid, NotAllowed
from wangge.claims.forms import FulfilWishForm, HoursForm, PostForm, WishForm
from wangge.claims.models import Post, Volunteer, VolunteerState, WishState
from wangge.claims.permissions import (
    get_hours_for_user,
    get_volunteer_for_user,
    get_wish_for_user,
    may_manage,
)
from wangge.claims.views.lookups import (
    actor,
    form_page,
    found,
    kept_communities,
    refused,
    require_keeper,
    require_viewer,
)
from wangge.core.masking import mask_phone


@login_required
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    volunteers = queries.volunteer_list(request.user)
    context = {
        "volunteers": [{"volunteer": v, "phone": mask_phone(v.phone)} for v in volunteers],
        "pending_hours": queries.pending_hours(request.user),
        "may_keep": kept_communities(request).exists(),
    }
    return render(request, "claims/volunteers.html", context)


def _volunteer_page(
    request: HttpRequest,
    volunteer: Volunteer,
    hours_form: HoursForm | None = None,
    status: int = 200,
) -> HttpResponse:
    keeps = may_manage(request.user, volunteer.community)
    posts = Post.objects.filter(community=volunteer.community, is_open=True)
    link = ""
    if keeps and volunteer.state == VolunteerState.CONFIRMED:
        key = services.volunteer_key(volunteer)
        link = request.build_absolute_uri(reverse("public_claims:me", args=[key]))
    context = {
        "volunteer": volunteer,
        "phone": mask_phone(volunteer.phone),
        "hours": list(volunteer.hours.select_related("post").order_by("-served_on", "-pk")[:100]),
        "wishes": list(volunteer.wishes.order_by("-claimed_at")[:50]),
        "signups": list(volunteer.signups.select_related("post").order_by("-created_at")[:50]),
        "link": link,
        "may_keep": keeps,
        "hours_form": hours_form
        or (
            HoursForm(prefix="hours", posts=posts)
            if keeps and volunteer.state == VolunteerState.CONFIRMED
            else None
        ),
    }
    response = render(request, "claims/volunteer.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def volunteer_page(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _volunteer_page(request, found(get_volunteer_for_user, request, volunteer_id))


def _keeping(request: HttpRequest, volunteer_id: int) -> Volunteer:
    volunteer = found(get_volunteer_for_user, request, volunteer_id)
    if not may_manage(request.user, volunteer.community):
        raise PermissionDenied
    return volunteer


@login_required
@require_POST
def volunteer_decide(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    volunteer = _keeping(request, volunteer_id)
    decision = request.POST.get("decision", "")
    try:
        if decision == "confirm":
            services.confirm_volunteer(actor(request), volunteer)
            messages.success(request, _("%(name)s is confirmed.") % {"name": volunteer.name})
        elif decision == "decline":
            services.decline_volunteer(actor(request), volunteer)
            messages.success(request, _("The registration is declined."))
        elif decision == "reissue":
            services.reissue_link(actor(request), volunteer)
            messages.success(
                request, _("A new personal link is made; the old one no longer works.")
            )
        else:
            messages.error(request, _("Choose what to do."))
    except ClaimsError as error:
        messages.error(request, error.message)
    return redirect("claims:volunteer", volunteer_id=volunteer.pk)


@login_required
@require_POST
def volunteer_hours(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    volunteer = _keeping(request, volunteer_id)
    posts = Post.objects.filter(community=volunteer.community, is_open=True)
    form = HoursForm(request.POST, prefix="hours", posts=posts)
    if not form.is_valid():
        return _volunteer_page(request, volunteer, form, 400)
    data = form.cleaned_data
    try:
        services.record_hours(
            actor(request), volunteer, data["served_on"], data["hours"], data["what"], data["post"]
        )
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _volunteer_page(request, volunteer, form, 400)
    messages.success(request, _("The hours are recorded."))
    return redirect("claims:volunteer", volunteer_id=volunteer.pk)


@login_required
@require_POST
def hours_decide(request: HttpRequest, hours_id: int) -> HttpResponse:
    row = found(get_hours_for_user, request, hours_id)
    if not may_manage(request.user, row.community):
        raise PermissionDenied
    try:
        services.confirm_hours(
            actor(request), row, confirmed=request.POST.get("decision") != "reject"
        )
        messages.success(request, _("The hours are decided."))
    except ClaimsError as error:
        messages.error(request, error.message)
    return redirect("claims:volunteers")


@login_required
@require_GET
def wish_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    kept = set(kept_communities(request).values_list("pk", flat=True))
    context = {
        "wishes": queries.wish_list(request.user),
        "may_keep": bool(kept),
        "kept": kept,
    }
    return render(request, "claims/wishes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def wish_fulfil(request: HttpRequest, wish_id: int) -> HttpResponse:
    """Staff of the wish's community record a claimed wish fulfilled for the volunteer who
    claimed it (a volunteer without a phone at hand), with a photo or document as evidence;
    the audit entry names the volunteer and that staff did it for them."""
    wish = found(get_wish_for_user, request, wish_id)
    if not may_manage(request.user, wish.community):
        raise PermissionDenied
    title = _("Record the wish fulfilled")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:wishes"), _("Small wishes")),
    ]
    intro = _("%(wish)s, claimed by %(volunteer)s: record what was done, with a photo.") % {
        "wish": wish.title,
        "volunteer": wish.volunteer.name if wish.volunteer else "—",
    }

    def page(form: FulfilWishForm | None, status: int) -> HttpResponse:
        return form_page(
            request,
            title=title,
            form=form,
            crumbs=crumbs,
            cancel=reverse("claims:wishes"),
            submit=_("Record fulfilled"),
            status=status,
            multipart=True,
            intro=intro,
        )

    if request.method != "POST" and wish.state != WishState.CLAIMED:
        intro = _("Only a claimed wish can be fulfilled.")
        return page(None, 200)
    if request.method != "POST":
        return page(FulfilWishForm(), 200)
    form = FulfilWishForm(request.POST, request.FILES)
    if not form.is_valid():
        return page(form, 400)
    upload: UploadedFile = form.cleaned_data["evidence"]
    stored = []
    try:
        with transaction.atomic():
            stored.append(services.store_evidence(actor(request), upload, upload.name or ""))
            services.fulfil_wish(
                None, wish, form.cleaned_data["outcome"], stored[0], actor=actor(request)
            )
    except ClaimsError as error:
        for attachment in stored:
            attachment.file.delete(save=False)
        if isinstance(error, NotAllowed):
            raise refused(error) from None
        form.add_refusal(error.field, error.message)
        return page(form, 409 if error.field == "wish" else 400)
    messages.success(request, _("The wish is recorded fulfilled."))
    return redirect("claims:wishes")


@login_required
@require_http_methods(["GET", "POST"])
def wish_create(request: HttpRequest) -> HttpResponse:
    communities = require_keeper(request)
    title = _("Raise a small wish")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:wishes"), _("Small wishes")),
    ]
    cancel = reverse("claims:wishes")
    form = WishForm(request.POST if request.method == "POST" else None, communities=communities)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    try:
        services.raise_wish(
            actor(request),
            data["community"],
            services.WishInput(
                title=data["title"],
                description=data["description"],
                wisher_name=data["wisher_name"],
                wisher_phone=data["wisher_phone"],
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("The wish is raised."))
    return redirect("claims:wishes")


@login_required
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    context = {
        "posts": queries.post_list(request.user),
        "may_keep": kept_communities(request).exists(),
    }
    return render(request, "claims/posts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    communities = require_keeper(request)
    title = _("Open a volunteer post")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:posts"), _("Volunteer posts")),
    ]
    cancel = reverse("claims:posts")
    form = PostForm(request.POST if request.method == "POST" else None, communities=communities)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    try:
        services.save_post(
            actor(request),
            data["community"],
            services.PostInput(
                title=data["title"],
                places=data["places"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("The post is open."))
    return redirect("claims:posts")
