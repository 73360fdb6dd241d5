"""A landlord reports tenant changes, without an account (出租屋业主负责制), at /people/landlord/.

The landlord types the house code printed on the notice the grid worker left (一户一码) and the
phone the registry holds for them (`services.landlord_house`); a wrong code and a wrong phone
are one answer. Tries are counted per client address per hour and per house code per day
(`wangge.core.ratelimit`); a code's count keeps only the failed tries, so that a landlord who
comes back every day is not locked out by their own visits, while guessing a phone for a code
stops after a few tries. Over a limit the page answers 429.

On success this browser's session remembers the house with the code and the phone, encrypted
(`core.crypto`), and every later request proves it again through `landlord_house`: a house that
is no longer let, or a landlord whose phone changed, ends the proof. The tenants are listed with
their names masked; the landlord reports a new tenant, or that one moved out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core import ratelimit
from wangge.core.crypto import DecryptionFailed, decrypt, encrypt
from wangge.core.masking import mask_name
from wangge.people import services
from wangge.people.exceptions import Invalid, NotFound
from wangge.people.forms import LandlordMoveOutForm, LandlordProofForm, LandlordTenantForm
from wangge.people.models import House

HOUR, DAY = 3600, 86400
_PROOF = "landlord_house"
_START = "people/landlord/start.html"
_HOUSE = "people/landlord/house.html"


class _OverLimit(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _tries_per_code() -> int:
    return settings.PUBLIC_LANDLORD_TRIES_PER_CODE_PER_DAY


# --- the proof in the session -----------------------------------------------------------------


def _remember(request: HttpRequest, house: House, code: str, phone: str) -> None:
    request.session.cycle_key()
    request.session[_PROOF] = {"house": house.pk, "proof": encrypt(f"{code}\n{phone}")}


def _proven_house(request: HttpRequest) -> House | None:
    proof = request.session.get(_PROOF)
    if not isinstance(proof, dict) or not isinstance(proof.get("proof"), str):
        return None
    try:
        code, phone = decrypt(proof["proof"]).split("\n", 1)
        house = services.landlord_house(code, phone)
    except (DecryptionFailed, ValueError, NotFound):
        request.session.pop(_PROOF, None)
        return None
    return house if house.pk == proof.get("house") else None


# --- the code and the phone -------------------------------------------------------------------


def _check(request: HttpRequest, code: str, phone: str) -> House:
    """The house, counting the try against the limits; NotFound or _OverLimit."""
    ip_key = ratelimit.hashed_key("people-landlord-ip", ratelimit.client_ip(request))
    ip_limit = settings.PUBLIC_LOOKUPS_PER_IP_PER_HOUR
    if not ratelimit.hit(ip_key, limit=ip_limit, window_seconds=HOUR):
        raise _OverLimit(ratelimit.retry_after(HOUR))
    code_key = ratelimit.hashed_key("people-landlord-code", code)
    refused: NotFound | None = None
    with transaction.atomic():
        if not ratelimit.hit(code_key, limit=_tries_per_code(), window_seconds=DAY):
            raise _OverLimit(ratelimit.retry_after(DAY))
        try:
            house = services.landlord_house(code, phone)
        except NotFound as error:
            refused = error  # raised once the count is committed
        else:
            transaction.set_rollback(True)  # a success is not a failed try of the code
    if refused is not None:
        raise refused
    return house


@never_cache
@require_http_methods(["GET", "POST"])
def landlord_start(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        if _proven_house(request) is not None:
            return redirect("people:landlord_house")
        return render(request, _START, {"form": LandlordProofForm()})
    form = LandlordProofForm(request.POST)
    if not form.is_valid():
        return render(request, _START, {"form": form}, status=400)
    code = form.cleaned_data["code"].strip()
    phone = form.cleaned_data["phone"]
    try:
        house = _check(request, code, phone)
    except _OverLimit as over:
        form.add_error(None, f"{_('Too many tries.')} {ratelimit.try_again_in(over.seconds)}")
        response = render(request, _START, {"form": form}, status=429)
        response["Retry-After"] = str(over.seconds)
        return response
    except NotFound:
        form.add_error(None, _("No rented house matches this code and phone. Check both."))
        return render(request, _START, {"form": form}, status=404)
    _remember(request, house, code, phone)
    return redirect("people:landlord_house")


@never_cache
@require_POST
def landlord_leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(_PROOF, None)
    return redirect("people:landlord")


# --- the house: tenants, moving in and out ----------------------------------------------------


def _page(
    request: HttpRequest,
    house: House,
    *,
    tenant_form: LandlordTenantForm | None = None,
    move_out: LandlordMoveOutForm | None = None,
    failed_residence: int | None = None,
    status: int = 200,
) -> HttpResponse:
    tenants = [
        {
            "residence": residence,
            "name": mask_name(residence.person.name),
            "form": (
                move_out
                if move_out is not None and failed_residence == residence.pk
                else LandlordMoveOutForm(prefix=f"out{residence.pk}")
            ),
        }
        for residence in services.tenants_of(house)
    ]
    context: dict[str, Any] = {
        "house": house,
        "tenants": tenants,
        "tenant_form": tenant_form or LandlordTenantForm(prefix="tenant"),
        "failed_residence": failed_residence,
    }
    return render(request, _HOUSE, context, status=status)


@never_cache
@require_GET
def landlord_house(request: HttpRequest) -> HttpResponse:
    house = _proven_house(request)
    if house is None:
        return redirect("people:landlord")
    return _page(request, house)


@never_cache
@require_POST
def landlord_move_in(request: HttpRequest) -> HttpResponse:
    house = _proven_house(request)
    if house is None:
        return redirect("people:landlord")
    form = LandlordTenantForm(request.POST, prefix="tenant")
    if not form.is_valid():
        return _page(request, house, tenant_form=form, status=400)
    data = form.cleaned_data
    try:
        residence = services.landlord_reports_move_in(
            house,
            services.PersonInput(
                name=data["name"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                phone=data["phone"],
            ),
            data["moved_in"],
        )
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, house, tenant_form=form, status=400)
    messages.success(
        request,
        _("%(name)s is reported as moved in.") % {"name": mask_name(residence.person.name)},
    )
    return redirect("people:landlord_house")


@never_cache
@require_POST
def landlord_move_out(request: HttpRequest, residence_id: int) -> HttpResponse:
    house = _proven_house(request)
    if house is None:
        return redirect("people:landlord")
    residence = next((r for r in services.tenants_of(house) if r.pk == residence_id), None)
    if residence is None:
        raise Http404(residence_id)
    form = LandlordMoveOutForm(request.POST, prefix=f"out{residence_id}")
    if not form.is_valid():
        return _page(request, house, move_out=form, failed_residence=residence_id, status=400)
    try:
        services.landlord_reports_move_out(house, residence_id, form.cleaned_data["moved_out"])
    except NotFound:
        raise Http404(residence_id) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, house, move_out=form, failed_residence=residence_id, status=400)
    messages.success(
        request,
        _("%(name)s is reported as moved out.") % {"name": mask_name(residence.person.name)},
    )
    return redirect("people:landlord_house")
