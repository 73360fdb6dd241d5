"""Pages for residents without an account, under /public/: report a case, look it up by its
number and phone, follow its public timeline and rate it. Phone first, Chinese by default.

Views only adapt: a report is filed by `report_case` as a `Resident`, a case is found by
`get_case_for_resident` (number + phone; an unknown number and a wrong phone are one answer),
a rating is `perform(resident, case, "rate")`. A refusal is shown by its field with HTTP 400
and nothing written.

Abuse guard, without a captcha (`wangge.core.ratelimit`): reports are counted per client
address per hour and per phone per day, lookups per address per hour (WANGGE_PUBLIC_*). Over a
limit the page answers 429 and keeps what was typed. A report's counts are taken inside the
transaction that files it, so a refused report does not use up the resident's limit.

Proof of lookup: a report or a successful lookup remembers in the (anonymous) session that this
browser may see the case — its number with the phone, encrypted (`core.crypto`), never in
clear. Every visit finds the case again through `get_case_for_resident`, so the case page and
the rating need no retyping; without the proof, a case page sends the visitor to the lookup form
(the same for a number that does not exist).

The public timeline shows a resident what happened to their request, not who did it nor what
staff wrote to each other:
- shown: steps that changed the case's state, the reporter's own steps, and the rating; hidden:
  comments, instructions, supervision, progress notes, requests for more time, grid changes;
- each as its action, its time and the state it left the case in — never a name, never files;
- a note only where it is the answer owed to the resident: the reason of a decline, the note of
  a close or of a resolution on the spot, and what the reporter wrote themselves.

Photos: residents upload as nobody (`store_attachment(None, ...)`), after the rate limits have
passed and in the report's transaction; the files of a refused report are deleted again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.cases.exceptions import (
    CaseInvalid,
    Conflict,
    InvalidTransition,
    MissingRequirement,
    NotAllowed,
    NotFound,
)
from wangge.cases.models import Attachment, Case, CaseEvent, Category, Rating
from wangge.cases.permissions import Resident, actions_for, get_case_for_resident, phone_index
from wangge.cases.public_places import place_of
from wangge.cases.queries import active_categories, timeline
from wangge.cases.services import (
    ActionInput,
    Intake,
    Report,
    perform,
    report_case,
    store_attachment,
)
from wangge.cases.services.intake import ADDRESS_MAX, DESCRIPTION_MAX
from wangge.cases.services.loop import NOTE_MAX
from wangge.cases.workflow import ActorKind, CaseAction, CaseState
from wangge.core import ratelimit
from wangge.core.crypto import DecryptionFailed, decrypt, encrypt
from wangge.core.masking import mask_phone, normalize_phone

MAX_PHOTOS = 3
NAME_MAX = 50
PHONE_MAX = 30  # what the field takes; the service wants 5 to 20 digits of it
NUMBER_MAX = 32
HOUR, DAY = 3600, 86400
# Session key: {case number: phone encrypted} of the cases this browser proved it may see.
_PROOF = "public_cases"
_PROOF_MAX = 20
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_REPORT_TEMPLATE = "cases/public/report.html"

# Where a refusal's field (the service's name) is shown on the report form.
_REPORT_FIELDS = {
    "category": "category",
    "description": "description",
    "title": "description",
    "address": "address",
    "location": "address",  # "give a position or an address": shown by the address
    "lon": "location",
    "lat": "location",
    "reporter_name": "name",
    "reporter_phone": "phone",
    "attachments": "photos",
    "photos": "photos",
}
# Steps whose note is shown on the public timeline (besides the reporter's own).
_PUBLIC_NOTES = frozenset({CaseAction.DECLINE, CaseAction.CLOSE, CaseAction.SELF_RESOLVE})


class _OverLimit(Exception):
    """A rate limit is used up; `seconds`: until its window ends."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _over_limit_response(
    request: HttpRequest, template: str, context: dict[str, Any], message: str, seconds: int
) -> HttpResponse:
    context["form_error"] = f"{message} {ratelimit.try_again_in(seconds)}"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


# --- Proof of lookup --------------------------------------------------------------------------


def _remember(request: HttpRequest, number: str, phone: str) -> None:
    """This browser may see case `number` from now on (the last `_PROOF_MAX` cases)."""
    proofs = {n: t for n, t in _proofs(request).items() if n != number}
    proofs[number] = encrypt(normalize_phone(phone))
    request.session[_PROOF] = dict(list(proofs.items())[-_PROOF_MAX:])


def _proofs(request: HttpRequest) -> dict[str, str]:
    proofs = request.session.get(_PROOF)
    return proofs if isinstance(proofs, dict) else {}


def _proven_case(request: HttpRequest, number: str) -> tuple[Case, str] | None:
    """The case and its reporter's phone if this browser proved it may see it, else None."""
    token = _proofs(request).get(number)
    if not isinstance(token, str):
        return None
    try:
        phone = decrypt(token)
        return get_case_for_resident(number, phone), phone
    except (DecryptionFailed, NotFound):
        return None


def _to_lookup(number: str) -> HttpResponse:
    url = reverse("public:lookup")
    return redirect(f"{url}?{urlencode({'number': number[:NUMBER_MAX]})}")


# --- Home -------------------------------------------------------------------------------------


@never_cache
@require_GET
def public_home(request: HttpRequest) -> HttpResponse:
    """Two big buttons, and the cases this browser has looked up already."""
    numbers = list(reversed(_proofs(request)))
    return render(request, "cases/public/home.html", {"remembered": numbers})


# --- Report -----------------------------------------------------------------------------------


@dataclass
class _ReportForm:
    """What the resident typed, kept to show the form again; `errors` by form field."""

    values: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post: QueryDict) -> _ReportForm:
        names = (
            "category",
            "description",
            "address",
            "lon",
            "lat",
            "name",
            "phone",
            "token",
            "place",
        )
        values = {name: post.get(name, "") for name in names}
        category = values["category"].strip()
        prefix = f"attr-{category}-"
        attributes: dict[str, Any] = {}
        for key in post:
            if not key.startswith(prefix) or not category:
                continue
            items = [item for item in post.getlist(key) if item.strip()]
            if len(items) > 1:
                attributes[key.removeprefix(prefix)] = items
            elif items:
                attributes[key.removeprefix(prefix)] = items[0]
        return cls(values=values, attributes=attributes)

    @classmethod
    def at_place(cls, token: str) -> _ReportForm:
        """An empty form, or one with a vouched-for place's address (public_places)."""
        place = place_of(token)
        if place is None:
            return cls()
        return cls(values={"address": place.address, "place": token})

    def report(self, photo_uids: list[str]) -> Report:
        values = self.values
        place = place_of(values.get("place", ""))
        return Report(
            category=values["category"],
            description=values["description"],
            address=values["address"],
            place_grid=place.grid if place else "",
            lon=values["lon"].strip() or None,
            lat=values["lat"].strip() or None,
            reporter_name=values["name"],
            reporter_phone=values["phone"],
            attributes=self.attributes,
            attachments=photo_uids,
        )

    def refuse(self, refused: CaseInvalid) -> None:
        if refused.field.startswith("attribute["):
            code = refused.field.removeprefix("attribute[").removesuffix("]")
            name = f"attr-{self.values.get('category', '').strip()}-{code}"
        else:
            name = _REPORT_FIELDS.get(refused.field, "")
        self.errors[name or "form"] = refused.message


def _category_groups() -> list[dict[str, Any]]:
    """The categories a resident may choose, grouped under their class (tree order)."""
    groups: dict[int, dict[str, Any]] = {}
    for category in active_categories():
        if category.parent_id is None:
            groups[category.pk] = {"name": category.name, "options": []}
            continue
        group = groups.setdefault(category.parent_id, {"name": category.parent.name, "options": []})
        group["options"].append(category)
    return [group for group in groups.values() if group["options"]]


def _attribute_fieldsets(groups: list[dict[str, Any]], form: _ReportForm) -> list[dict[str, Any]]:
    """For each category that asks for more (its Open311 attributes), the fields to show when
    it is chosen; the script shows only the chosen category's."""
    chosen = form.values.get("category", "").strip()
    fieldsets = []
    for group in groups:
        category: Category
        for category in group["options"]:
            attributes = [a for a in category.open311_attributes if a.get("variable", True)]
            if not attributes:
                continue
            fields = []
            for attribute in sorted(attributes, key=lambda a: a.get("order", 0)):
                code = str(attribute["code"])
                given = form.attributes.get(code, "") if category.code == chosen else ""
                fields.append(
                    {
                        "name": f"attr-{category.code}-{code}",
                        "label": attribute.get("description") or code,
                        "datatype": attribute.get("datatype", "string"),
                        "required": bool(attribute.get("required")),
                        "choices": [
                            (str(v["key"]), v.get("name") or str(v["key"]))
                            for v in attribute.get("values", [])
                        ],
                        "value": given,
                        "error": form.errors.get(f"attr-{category.code}-{code}", ""),
                        "values": given if isinstance(given, list) else [given],
                    }
                )
            fieldsets.append(
                {"category": category, "fields": fields, "is_chosen": category.code == chosen}
            )
    return fieldsets


def _report_context(form: _ReportForm) -> dict[str, Any]:
    if not _TOKEN.match(form.values.get("token", "")):
        form.values["token"] = uuid.uuid4().hex
    groups = _category_groups()
    return {
        "values": form.values,
        "errors": form.errors,
        "form_error": form.errors.get("form", ""),
        "groups": groups,
        "attribute_fieldsets": _attribute_fieldsets(groups, form),
        "max_photos": MAX_PHOTOS,
        "limits": {
            "description": DESCRIPTION_MAX,
            "address": ADDRESS_MAX,
            "name": NAME_MAX,
            "phone": PHONE_MAX,
        },
    }


def _report_page(request: HttpRequest, form: _ReportForm, status: int = 200) -> HttpResponse:
    return render(request, _REPORT_TEMPLATE, _report_context(form), status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def public_report(request: HttpRequest) -> HttpResponse:
    """The report form; on success, the case number to keep with the phone."""
    if request.method != "POST":
        return _report_page(request, _ReportForm.at_place(request.GET.get("place", "")))
    form = _ReportForm.from_post(request.POST)
    photos = request.FILES.getlist("photos")
    if len(photos) > MAX_PHOTOS:
        form.errors["photos"] = _("Add at most %(count)s photos.") % {"count": MAX_PHOTOS}
        return _report_page(request, form, status=400)
    try:
        intake = _file_report(request, form, photos)
    except _OverLimit as over:
        message = _("Too many reports have come from this connection or this phone number.")
        return _over_limit_response(
            request, _REPORT_TEMPLATE, _report_context(form), message, over.seconds
        )
    except CaseInvalid as refused:
        form.refuse(refused)
        return _report_page(request, form, status=400)
    except NotAllowed as refused:
        form.errors["form"] = refused.message
        return _report_page(request, form, status=400)
    case = intake.case
    _remember(request, case.number, form.values["phone"])
    return render(
        request,
        "cases/public/reported.html",
        {"case": case, "phone": mask_phone(form.values["phone"])},
    )


def _file_report(request: HttpRequest, form: _ReportForm, photos: list[UploadedFile]) -> Intake:
    """Count the report against the limits, keep its photos and file it, in one transaction:
    a refusal undoes the counts and the rows, and the photos' files are deleted. A repeated
    submission (a second tap on "send", a reload) gets the case the first one filed, and
    leaves nothing of its own: no count, no photo."""
    phone = normalize_phone(form.values["phone"])
    ip_key = ratelimit.hashed_key("public-report-ip", ratelimit.client_ip(request))
    token = form.values["token"] if _TOKEN.match(form.values["token"]) else ""
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            limit = settings.PUBLIC_REPORTS_PER_IP_PER_HOUR
            if not ratelimit.hit(ip_key, limit=limit, window_seconds=HOUR):
                raise _OverLimit(ratelimit.retry_after(HOUR))
            if phone:
                phone_key = ratelimit.hashed_key("public-report-phone", phone)
                limit = settings.PUBLIC_REPORTS_PER_PHONE_PER_DAY
                if not ratelimit.hit(phone_key, limit=limit, window_seconds=DAY):
                    raise _OverLimit(ratelimit.retry_after(DAY))
            for photo in photos:
                stored.append(
                    store_attachment(
                        None, photo, name=photo.name or "", photo_only=True, field="photos"
                    )
                )
            resident = Resident(phone=form.values["phone"], name=form.values["name"])
            idempotency = (f"public:{phone_index(phone)}", token) if phone and token else None
            report = form.report([str(attachment.uid) for attachment in stored])
            intake = report_case(resident, report, idempotency=idempotency)
            if not intake.created:
                transaction.set_rollback(True)
                _delete_files(stored)
            return intake
    except BaseException:
        _delete_files(stored)
        raise


def _delete_files(attachments: list[Attachment]) -> None:
    """The stored files of uploads whose rows were rolled back."""
    for attachment in attachments:
        attachment.file.delete(save=False)


# --- Lookup -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def public_lookup(request: HttpRequest) -> HttpResponse:
    """Number + phone; on a match this browser remembers the case and goes to its page."""
    template = "cases/public/lookup.html"
    if request.method != "POST":
        number = request.GET.get("number", "")[:NUMBER_MAX].replace("\x00", "")
        return render(request, template, {"values": {"number": number, "phone": ""}})
    values = {"number": request.POST.get("number", ""), "phone": request.POST.get("phone", "")}
    context: dict[str, Any] = {"values": values, "errors": {}}
    number = "".join(values["number"].split()).replace("-", "")
    if not number:
        context["errors"]["number"] = _("Enter the case number.")
    if not normalize_phone(values["phone"]):
        context["errors"]["phone"] = _("Enter the phone number you reported with.")
    if context["errors"]:
        return render(request, template, context, status=400)
    key = ratelimit.hashed_key("public-lookup-ip", ratelimit.client_ip(request))
    if not ratelimit.hit(key, limit=settings.PUBLIC_LOOKUPS_PER_IP_PER_HOUR, window_seconds=HOUR):
        message = _("Too many lookups have come from this connection.")
        return _over_limit_response(
            request, template, context, message, ratelimit.retry_after(HOUR)
        )
    try:
        case = get_case_for_resident(number[:NUMBER_MAX], values["phone"])
    except NotFound:
        context["form_error"] = _(
            "No case matches this number and phone. Check both and try again."
        )
        return render(request, template, context, status=404)
    _remember(request, case.number, values["phone"])
    return redirect("public:case", number=case.number)


# --- The case ---------------------------------------------------------------------------------


def public_timeline(events: list[CaseEvent]) -> list[dict[str, Any]]:
    """What a resident sees of a case's log (the rule is in the module docstring)."""
    entries = []
    for event in events:
        try:
            action = CaseAction(event.action)
            state = CaseState(event.to_state)
        except ValueError:
            continue
        own = event.actor_kind == ActorKind.REPORTER
        if event.from_state == event.to_state and not own and action != CaseAction.RATE:
            continue
        rating = event.data.get("rating", "") if action == CaseAction.RATE else ""
        entries.append(
            {
                "label": action.label,
                "at": event.created_at,
                "state": state.value,
                "state_label": state.label,
                "note": event.note if own or action in _PUBLIC_NOTES else "",
                "rating": Rating(rating).label if rating in Rating.values else "",
            }
        )
    return entries


def _case_page(
    request: HttpRequest,
    case: Case,
    phone: str,
    *,
    rate_values: dict[str, str] | None = None,
    rate_errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    resident = Resident(phone=phone)
    can_rate = any(t.action == CaseAction.RATE for t in actions_for(resident, case))
    errors = dict(rate_errors or {})
    refusal = ""
    if errors and not can_rate:  # no form to show them by: one message above
        refusal = " ".join(errors.values())
        errors = {}
    context = {
        "case": case,
        "state_label": CaseState(case.state).label,
        "phone": mask_phone(phone),
        "entries": public_timeline(timeline(case)),
        "can_rate": can_rate,
        "ratings": Rating.choices,
        "rate_values": rate_values or {"rating": "", "comment": ""},
        "rate_errors": errors,
        "rate_refusal": refusal,
        "comment_max": NOTE_MAX,
        "is_merged": case.state == CaseState.MERGED,
        "is_open": case.state not in (CaseState.CLOSED, CaseState.DECLINED, CaseState.MERGED),
    }
    return render(request, "cases/public/case.html", context, status=status)


@never_cache
@require_GET
def public_case(request: HttpRequest, number: str) -> HttpResponse:
    """State, category, time reported, the public timeline, and the rating when it is open."""
    proven = _proven_case(request, number)
    if proven is None:
        return _to_lookup(number)
    case, phone = proven
    return _case_page(request, case, phone)


@never_cache
@require_POST
def public_rate(request: HttpRequest, number: str) -> HttpResponse:
    """Rate a closed case once: satisfied, basically satisfied or dissatisfied, and a comment."""
    proven = _proven_case(request, number)
    if proven is None:
        return _to_lookup(number)
    case, phone = proven
    values = {"rating": request.POST.get("rating", ""), "comment": request.POST.get("comment", "")}
    given = ActionInput(rating=values["rating"], rating_comment=values["comment"])
    try:
        perform(Resident(phone=phone), case, CaseAction.RATE, given)
    except MissingRequirement:
        errors = {"rating": _("Choose how satisfied you are.")}
        return _case_page(request, case, phone, rate_values=values, rate_errors=errors, status=400)
    except CaseInvalid as refused:
        name = "comment" if refused.field == "rating_comment" else "rating"
        errors = {name: refused.message}
        return _case_page(request, case, phone, rate_values=values, rate_errors=errors, status=400)
    except (InvalidTransition, NotAllowed):
        errors = {"rating": _("This case cannot be rated now: a case is rated once, when closed.")}
        return _case_page(request, case, phone, rate_values=values, rate_errors=errors, status=400)
    except Conflict as refused:
        errors = {"rating": refused.message}
        return _case_page(request, case, phone, rate_values=values, rate_errors=errors, status=409)
    messages.success(request, _("Thank you for your rating."))
    if case.state != CaseState.CLOSED:  # a dissatisfied rating reopened it
        messages.info(request, _("Your case will be handled again."))
    return redirect("public:case", number=case.number)
