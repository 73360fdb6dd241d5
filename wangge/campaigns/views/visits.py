"""The helpers' pages (phone): their own list, a target's visit form with the house's profile,
recording a visit, and a visit's photo.

The visit form works offline: its script sends it with fetch, asking for JSON; when the network
is down it keeps the visit in the browser (IndexedDB) and sends it when the network returns.
Each visit carries a client-made UUID, so a visit sent twice is stored once: the second sending
is answered with the stored visit (200). Without the script the form posts as any form does.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.campaigns import queries, services
from wangge.campaigns.doorplates import scanned_at
from wangge.campaigns.exceptions import CampaignError, NotAllowed, NotFound
from wangge.campaigns.forms import RESIDENT_DOCUMENT_TYPES, RESIDENT_RELATIONS
from wangge.campaigns.models import Campaign, QuestionKind, Target, Visit
from wangge.campaigns.permissions import may_visit
from wangge.campaigns.services.visits import DOOR_PROOF_MINUTES
from wangge.campaigns.views.lookups import actor, campaign_or_404, target_or_404
from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import Attachment
from wangge.cases.services import store_attachment
from wangge.claims.models import ResourceKind, Urgency
from wangge.core import clock

RESIDENT_FIELDS = (
    "resident_name",
    "resident_document_type",
    "resident_document_number",
    "resident_phone",
    "resident_relation",
    "resident_moved_in",
)


@login_required
@require_GET
def my_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The helper's own list of a campaign, by compound, building, floor and house number; the
    ones still to visit first unless `show=all`."""
    user = actor(request)
    campaign = campaign_or_404(request, campaign_id)
    show_all = request.GET.get("show") == "all"
    targets = queries.my_targets(user, campaign)
    rows = list(targets if show_all else targets.filter(is_done=False))
    groups: list[dict[str, Any]] = []
    for target in rows:
        heading = f"{target.compound_name} {target.building_name}".strip()
        if not groups or groups[-1]["heading"] != heading:
            groups.append({"heading": heading, "targets": []})
        groups[-1]["targets"].append(target)
    context = {
        "campaign": campaign,
        "groups": groups,
        "count": len(rows),
        "show_all": show_all,
    }
    response = render(request, "campaigns/mine.html", context)
    response["Cache-Control"] = "no-cache"
    return response


def _door_scan(request: HttpRequest, target: Target) -> datetime | None:
    return scanned_at(request.session, target.house)


def _target_page(
    request: HttpRequest,
    target: Target,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    need_errors: dict[str, str] | None = None,
    need_values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = actor(request)
    campaign = target.campaign
    scan = _door_scan(request, target)
    at_door = scan is not None and (clock.now() - scan).total_seconds() <= DOOR_PROOF_MINUTES * 60
    values = values or {}
    questions = []
    for question in campaign.questions.order_by("order", "pk"):
        name = f"answer_{question.pk}"
        given = values.get(name)
        questions.append(
            {
                "question": question,
                "name": name,
                "value": given if isinstance(given, str) else "",
                "values": given if isinstance(given, list) else [],
                "error": (errors or {}).get(name, ""),
            }
        )
    context = {
        "campaign": campaign,
        "target": target,
        "may_visit": may_visit(user, target),
        "profile": queries.house_profile(user, target),
        "visits": list(queries.target_visits(target)[:20]),
        "questions": questions,
        "outcomes": list(queries.active_outcomes()),
        "errors": errors or {},
        "values": values,
        "client_uuid": values.get("client_uuid") or str(uuid.uuid4()),
        "at_door": at_door,
        "document_types": RESIDENT_DOCUMENT_TYPES,
        "relations": RESIDENT_RELATIONS,
        "back_url": _back_url(user, campaign),
        "photo_kind": QuestionKind.PHOTO,
        "needs": list(queries.target_needs(target)[:50]),
        "need_errors": need_errors or {},
        "need_values": need_values or {},
        "need_kinds": ResourceKind.choices,
        "urgencies": Urgency.choices,
    }
    response = render(request, "campaigns/target.html", context, status=status)
    response["Cache-Control"] = "no-cache"
    return response


render_target_page = _target_page


def _back_url(user: Any, campaign: Campaign) -> str:
    if queries.my_targets(user, campaign).exists():
        return reverse("campaigns:mine", args=[campaign.pk])
    return reverse("campaigns:campaign", args=[campaign.pk])


@login_required
@require_GET
def target_page(request: HttpRequest, target_id: int) -> HttpResponse:
    return _target_page(request, target_or_404(request, target_id))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def _resident(post: Any) -> services.NewResident | None:
    name = post.get("resident_name", "").strip()
    if not name:
        return None
    moved_in = None
    if post.get("resident_moved_in"):
        try:
            moved_in = datetime.strptime(post["resident_moved_in"], "%Y-%m-%d").date()
        except ValueError:
            moved_in = None
    return services.NewResident(
        name=name,
        document_type=post.get("resident_document_type", "") or "id_card",
        document_number=post.get("resident_document_number", ""),
        phone=post.get("resident_phone", ""),
        relation=post.get("resident_relation", "") or "tenant",
        moved_in=moved_in,
    )


def _refusal(field: str) -> str:
    return field if field else "form"


@login_required
@require_POST
def visit_record(request: HttpRequest, target_id: int) -> HttpResponse:
    user = actor(request)
    target = target_or_404(request, target_id)
    post = request.POST
    values: dict[str, Any] = {key: post.get(key, "") for key in post if not key.endswith("[]")}
    answers: dict[str, Any] = {}
    questions = list(target.campaign.questions.order_by("order", "pk"))
    for question in questions:
        name = f"answer_{question.pk}"
        if question.kind == QuestionKind.MULTIPLE:
            answers[str(question.pk)] = post.getlist(name)
            values[name] = post.getlist(name)
        elif question.kind != QuestionKind.PHOTO:
            answers[str(question.pk)] = post.get(name, "")
    stored: list[Attachment] = []
    errors: dict[str, str] = {}
    visit: Visit | None = None
    created = False
    try:
        with transaction.atomic():
            for question in questions:
                if question.kind != QuestionKind.PHOTO:
                    continue
                upload = request.FILES.get(f"answer_{question.pk}")
                if upload is not None:
                    photo = store_attachment(
                        user,
                        upload,
                        name=upload.name or "",
                        photo_only=True,
                        field=f"answer_{question.pk}",
                    )
                    stored.append(photo)
                    answers[str(question.pk)] = str(photo.uid)
            visit, created = services.record_visit(
                user,
                target,
                services.VisitInput(
                    client_uuid=post.get("client_uuid", ""),
                    outcome=post.get("outcome", ""),
                    answers=answers,
                    note=post.get("note", ""),
                    visited_at=_parse_time(post.get("visited_at", "")),
                    door_scanned_at=_door_scan(request, target),
                    new_resident=_resident(post),
                ),
            )
            if not created:  # sent before: keep nothing of this sending
                transaction.set_rollback(True)
                _delete_files(stored)
    except NotFound:
        _delete_files(stored)
        raise Http404(target_id) from None
    except NotAllowed as refused:
        _delete_files(stored)
        errors["form"] = refused.message
        return _refused(request, target, errors, values, 403)
    except CampaignError as refused:
        _delete_files(stored)
        errors[_refusal(refused.field)] = refused.message
        return _refused(request, target, errors, values, 400)
    except CaseInvalid as refused:
        _delete_files(stored)
        errors[_refusal(refused.field)] = refused.message
        return _refused(request, target, errors, values, 400)
    assert visit is not None
    back = _back_url(user, target.campaign)
    if _wants_json(request):
        return JsonResponse(
            {"visit_id": visit.pk, "created": created, "redirect": back},
            status=201 if created else 200,
        )
    if created:
        messages.success(
            request,
            _("The visit to %(target)s is recorded: %(outcome)s.")
            % {"target": target.label, "outcome": visit.outcome.name},
        )
    else:
        messages.info(request, _("This visit was already recorded."))
    return redirect(back)


def _refused(
    request: HttpRequest,
    target: Target,
    errors: dict[str, str],
    values: dict[str, Any],
    status: int,
) -> HttpResponse:
    if _wants_json(request):
        message = next(iter(errors.values()), "")
        return JsonResponse({"errors": errors, "detail": message}, status=status)
    return _target_page(request, target, errors=errors, values=values, status=status)


def _delete_files(attachments: list[Attachment]) -> None:
    for attachment in attachments:
        attachment.file.delete(save=False)


@login_required
@require_GET
def visit_photo(request: HttpRequest, visit_id: int, photo_uid: uuid.UUID) -> HttpResponse:
    """A photo answered in a visit, to those who may see the visit's target."""
    visit = Visit.objects.filter(pk=visit_id).only("target_id", "answers").first()
    if visit is None or str(photo_uid) not in [str(v) for v in visit.answers.values()]:
        raise Http404(visit_id)
    target_or_404(request, visit.target_id)
    photo = Attachment.objects.filter(uid=photo_uid, is_image=True).first()
    if photo is None:
        raise Http404(visit_id)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
