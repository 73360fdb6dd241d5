"""The "report a case" page (/cases/new/): a grid worker on a phone files a case, or one they
resolved on the spot (自行处置), with a category, a few words, the place and photos.

The page is one form that works as a plain post (photos included, as files) and, with its
script, better: photos are made smaller in the browser and uploaded one by one through the API
as they are taken, so the form only carries their uids, and the form is sent by `fetch`, which
answers JSON here (`Accept: application/json`) so that a refusal or a lost connection leaves
everything on the screen. Either way an idempotency key generated once per form makes a
resubmitted form return the case the first post filed instead of filing a second one.

This view only adapts: `report_case` and `store_attachment` decide, and their refusals
(`CaseInvalid.field`) are shown by the field they name, with what was typed kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.cases.api import IDEMPOTENCY_KEY_MAX
from wangge.cases.exceptions import CaseError, CaseInvalid
from wangge.cases.models import Category
from wangge.cases.queries import active_categories
from wangge.cases.services import Intake, Report, report_case, store_attachment
from wangge.cases.services.intake import ADDRESS_MAX, DESCRIPTION_MAX, may_report
from wangge.cases.services.loop import NOTE_MAX
from wangge.core.models import User
from wangge.org.locate import Located, locate
from wangge.org.roles import UnitKind

# Photos are drawn again in the browser with their longer side at most this many pixels
# (a phone's 4000 px photo becomes a few hundred kB, which a weak network sends in seconds).
PHOTO_SIDE = 1600
_ATTRIBUTE_PREFIX = "attr-"
_PLACE_KINDS = (UnitKind.COMMUNITY, UnitKind.VILLAGE, UnitKind.TOWN, UnitKind.SUBDISTRICT)

# The page field where a refusal naming a service field is shown; others go above the form.
_PAGE_FIELDS = {
    "category": "category",
    "description": "description",
    "lon": "location",
    "lat": "location",
    "location": "location",
    "address": "address",
    "attachments": "photos",
    "photos": "photos",
    "note": "note",
    "reporter_name": "reporter_name",
    "reporter_phone": "reporter_phone",
}


@dataclass
class Typed:
    """What the person typed or chose, as posted (kept whole when the report is refused)."""

    category: str = ""
    description: str = ""
    lon: str = ""
    lat: str = ""
    address: str = ""
    resolve: bool = False
    note: str = ""
    # The resident who raised it with the grid worker, when there is one (for the call-back).
    reporter_name: str = ""
    reporter_phone: str = ""
    attachments: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)  # by input name
    idempotency_key: str = ""

    @classmethod
    def from_post(cls, request: HttpRequest) -> Typed:
        post = request.POST
        key = post.get("idempotency_key", "").strip()[:IDEMPOTENCY_KEY_MAX]
        return cls(
            category=post.get("category", "").strip(),
            description=post.get("description", ""),
            lon=post.get("lon", "").strip(),
            lat=post.get("lat", "").strip(),
            address=post.get("address", ""),
            resolve=post.get("resolve_on_the_spot") in ("on", "true", "1"),
            note=post.get("note", ""),
            reporter_name=post.get("reporter_name", ""),
            reporter_phone=post.get("reporter_phone", "").strip(),
            attachments=_uids(post.getlist("attachments")),
            attributes={
                name: post.getlist(name) if len(post.getlist(name)) > 1 else post.get(name, "")
                for name in post
                if name.startswith(_ATTRIBUTE_PREFIX)
            },
            idempotency_key=key or uuid.uuid4().hex,
        )

    def report(self, categories: dict[str, Category]) -> Report:
        return Report(
            category=self.category,
            description=self.description,
            lon=self.lon or None,
            lat=self.lat or None,
            address=self.address,
            note=self.note if self.resolve else "",
            reporter_name=self.reporter_name,
            reporter_phone=self.reporter_phone,
            attachments=list(self.attachments),
            attributes=self._attributes_of(categories.get(self.category)),
        )

    def _attributes_of(self, category: Category | None) -> dict[str, Any]:
        """The chosen category's attributes that were given (those of others are ignored)."""
        if category is None:
            return {}
        given: dict[str, Any] = {}
        for attribute in category.open311_attributes:
            value = self.attributes.get(attribute_input(category, attribute["code"]))
            if value not in (None, "", []):
                given[attribute["code"]] = value
        return given


def _uids(values: list[str]) -> list[str]:
    """The uploads cited by the form (a malformed reference is dropped: nothing can show it)."""
    uids = []
    for value in values:
        try:
            uids.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return uids


def attribute_input(category: Category, code: str) -> str:
    return f"{_ATTRIBUTE_PREFIX}{category.code}-{code}"


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not may_report(user):
        raise PermissionDenied
    categories = list(active_categories())
    if request.method == "GET":
        return _page(request, categories, Typed(idempotency_key=uuid.uuid4().hex), {})
    typed = Typed.from_post(request)
    errors: dict[str, str] = {}
    intake = _file(request, user, typed, categories, errors)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if intake is None:
        if wants_json:
            return JsonResponse({"errors": errors}, status=400)
        return _page(request, categories, typed, errors, status=400)
    number = intake.case.number
    if not intake.created:
        text = _("This report had already been filed as case %(number)s.")
        messages.info(request, text % {"number": number})
    elif typed.resolve:
        text = _("Case %(number)s was filed and closed as resolved on the spot.")
        messages.success(request, text % {"number": number})
    else:
        messages.success(request, _("Case %(number)s was filed.") % {"number": number})
    url = reverse("cases:detail", args=[number])
    if wants_json:
        return JsonResponse({"redirect": url, "number": number})
    return redirect(url)


def _file(
    request: HttpRequest,
    user: User,
    typed: Typed,
    categories: list[Category],
    errors: dict[str, str],
) -> Intake | None:
    """Keep the photos sent as files (the form without its script), then file the report.
    None, with `errors` by page field, when anything was refused."""
    for upload in request.FILES.getlist("photos"):
        try:
            attachment = store_attachment(
                user, upload, name=upload.name or "", photo_only=True, field="photos"
            )
        except CaseInvalid as refused:
            errors["photos"] = refused.message
            return None
        # Kept even if the report is refused below: the form shows it and sends it again.
        typed.attachments.append(str(attachment.uid))
    by_code = {category.code: category for category in categories}
    try:
        return report_case(
            user,
            typed.report(by_code),
            resolve_on_the_spot=typed.resolve,
            idempotency=(str(user.pk), typed.idempotency_key),
        )
    except CaseInvalid as refused:
        errors[_page_field(refused.field, typed, by_code)] = refused.message
    except CaseError as refused:
        errors["form"] = refused.message
    return None


def _page_field(service_field: str, typed: Typed, categories: dict[str, Category]) -> str:
    if service_field.startswith("attribute[") and typed.category in categories:
        code = service_field[len("attribute[") : -1]
        return attribute_input(categories[typed.category], code)
    if service_field == "category" and typed.resolve and typed.category in categories:
        # A known category refused for resolving on the spot: the fix is at the toggle.
        return "resolve"
    return _PAGE_FIELDS.get(service_field, "form")


# --- the page ---------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    categories: list[Category],
    typed: Typed,
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    context = {
        "typed": typed,
        "errors": errors,
        "category_groups": _groups(categories, typed, errors),
        "chosen": next((c for c in categories if c.code == typed.category), None),
        "located": _located(typed),
        "limits": {"description": DESCRIPTION_MAX, "address": ADDRESS_MAX, "note": NOTE_MAX},
        "photos": [
            {"uid": uid, "url": reverse("api:attachment_file", args=[uid])}
            for uid in typed.attachments
        ],
        "report_config": {
            "locateUrl": reverse("api:locate_point"),
            "gridsUrl": reverse("api:grid_map"),
            "uploadUrl": reverse("api:attachment_upload"),
            "fileUrl": reverse("api:attachment_file", args=[uuid.UUID(int=0)]).replace(
                str(uuid.UUID(int=0)), "__uid__"
            ),
            "photoSide": PHOTO_SIDE,
            # A draft survives a reload in this tab only (sessionStorage), and per account.
            "draftKey": f"wangge:report-draft:{request.user.pk}",
            "restoreDraft": request.method == "GET",
        },
    }
    return render(request, "cases/report.html", context, status=status)


def _groups(
    categories: list[Category], typed: Typed, errors: dict[str, str]
) -> list[dict[str, Any]]:
    """Classes with their subcategories, each with the inputs of its attributes."""
    groups: list[dict[str, Any]] = []
    by_class: dict[int, dict[str, Any]] = {}
    for category in categories:
        if category.parent_id is None:
            by_class[category.pk] = {"category": category, "items": []}
            groups.append(by_class[category.pk])
            continue
        group = by_class.get(category.parent_id)
        if group is not None:
            group["items"].append(
                {"category": category, "attributes": _attribute_inputs(category, typed, errors)}
            )
    return [group for group in groups if group["items"]]


def _attribute_inputs(
    category: Category, typed: Typed, errors: dict[str, str]
) -> list[dict[str, Any]]:
    inputs = []
    ordered = sorted(category.open311_attributes, key=lambda a: a.get("order", 0))
    for attribute in ordered:
        if not attribute.get("variable", True):
            continue
        name = attribute_input(category, attribute["code"])
        value = typed.attributes.get(name, "") if typed.category == category.code else ""
        inputs.append(
            {
                "name": name,
                "label": attribute.get("description") or attribute["code"],
                "datatype": attribute.get("datatype", "string"),
                "required": bool(attribute.get("required")),
                "values": [
                    (str(v["key"]), v.get("name", v["key"])) for v in attribute.get("values", [])
                ],
                "value": value,
                "chosen": value if isinstance(value, list) else [value],
                "error": errors.get(name, ""),
            }
        )
    return inputs


def _located(typed: Typed) -> dict[str, str] | None:
    """The grid of the typed point, as the page shows it ({} when the point lies in none);
    None when no usable point was typed."""
    try:
        lon, lat = float(typed.lon), float(typed.lat)
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    located = locate(lon, lat)
    return _place(located) if located is not None else {}


def _place(located: Located) -> dict[str, str]:
    """The grid's name and, nearest first, its community and town (as the script shows them)."""
    areas = [a["name"] for a in reversed(located.ancestors) if a["kind"] in _PLACE_KINDS]
    return {"code": located.code, "name": located.name, "areas": " · ".join(areas)}
