"""A house's page: its facts and rental facts (landlord, rooms, crowded or not), who lives there
now (numbers masked), its change ledger, and, for those who keep the registry there, a form to
move someone in (a person on record, found by their document, or a new person registered on the
spot), a move-out form per resident and a form for the house's use and rental facts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.masking import mask_id_number, mask_phone
from wangge.org.roles import Capability
from wangge.people import queries, services
from wangge.people.exceptions import AlreadyRegistered, Invalid, NotAllowed
from wangge.people.forms import HouseFactsForm, MoveInForm, MoveOutForm
from wangge.people.models import DocumentType, House, HouseUse, Person, Residence
from wangge.people.permissions import may
from wangge.people.views.lookups import actor, house_or_404, residence_or_404


def _move_out_form(residence: Residence, data: Any = None) -> MoveOutForm:
    return MoveOutForm(data, prefix=f"out{residence.pk}")


def _facts_form(house: House, data: Any = None) -> HouseFactsForm:
    initial = {
        "use": house.use,
        "floor": house.floor,
        "rooms": house.rooms,
        "area_m2": house.area_m2,
    }
    return HouseFactsForm(data, prefix="facts", initial=initial)


def _page(
    request: HttpRequest,
    house: House,
    *,
    move_in: MoveInForm | None = None,
    move_out: MoveOutForm | None = None,
    failed_residence: int | None = None,
    facts: HouseFactsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = actor(request)
    house = House.objects.select_related(
        "grid", "building", "building__compound", "owner", "landlord"
    ).get(pk=house.pk)
    may_keep = may(user, Capability.MANAGE_PEOPLE, house.grid)
    residents = [
        {
            "residence": residence,
            "document": mask_id_number(residence.person.document_number),
            "phone": mask_phone(residence.person.phone),
            "form": (
                move_out
                if move_out is not None and failed_residence == residence.pk
                else _move_out_form(residence)
            )
            if may_keep
            else None,
        }
        for residence in services.current_residents(house)
    ]
    context = {
        "house": house,
        "residents": residents,
        "lines": services.ledger(queries.house_residences(house)),
        "is_crowded": services.is_crowded(house),
        "is_rented": house.use == HouseUse.RENTED,
        "may_keep": may_keep,
        "move_in": (move_in or MoveInForm(prefix="in")) if may_keep else None,
        "facts": (facts or _facts_form(house)) if may_keep else None,
        "failed_residence": failed_residence,
    }
    response = render(request, "people/house.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def house_page(request: HttpRequest, house_id: int) -> HttpResponse:
    return _page(request, house_or_404(request, house_id))


def _require_keeper(request: HttpRequest, house: House) -> None:
    if not may(actor(request), Capability.MANAGE_PEOPLE, house.grid):
        raise PermissionDenied


@login_required
@require_POST
def house_move_in(request: HttpRequest, house_id: int) -> HttpResponse:
    user = actor(request)
    house = house_or_404(request, house_id)
    _require_keeper(request, house)
    form = MoveInForm(request.POST, prefix="in")
    if not form.is_valid():
        return _page(request, house, move_in=form, status=400)
    data = form.cleaned_data
    person = queries.person_by_document(user, data["document_type"], data["document_number"])
    if person is None and not data["name"].strip():
        form.add_error(
            "name", _("No one with this document is on record here: give a name to register them.")
        )
        return _page(request, house, move_in=form, status=400)
    try:
        with transaction.atomic():  # a refused move-in leaves no new person behind
            if person is None:
                person = _register(user, house, data)
            services.move_in(
                user,
                person,
                house,
                relation=data["relation"],
                moved_in=data["moved_in"],
                source="web",
            )
    except AlreadyRegistered as refused:
        # On record in a grid the user cannot see: the document's existence is told, not whose.
        form.add_error("document_number", refused.message)
        return _page(request, house, move_in=form, status=409)
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, house, move_in=form, status=400)
    messages.success(request, _("%(name)s has moved in.") % {"name": person.name})
    return redirect("people:house", house_id=house.pk)


def _register(user: Any, house: House, data: dict[str, Any]) -> Person:
    person, _created = services.register_person(
        user,
        house.grid,
        services.PersonInput(
            name=data["name"],
            document_type=data["document_type"] or DocumentType.ID_CARD,
            document_number=data["document_number"],
            phone=data["phone"],
        ),
    )
    return person


@login_required
@require_POST
def residence_move_out(request: HttpRequest, residence_id: int) -> HttpResponse:
    residence = residence_or_404(request, residence_id)
    house = residence.house
    _require_keeper(request, house)
    form = _move_out_form(residence, request.POST)
    if not form.is_valid():
        return _page(request, house, move_out=form, failed_residence=residence.pk, status=400)
    try:
        services.move_out(
            actor(request),
            residence,
            moved_out=form.cleaned_data["moved_out"],
            reason=form.cleaned_data["reason"],
        )
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, house, move_out=form, failed_residence=residence.pk, status=400)
    messages.success(request, _("%(name)s has moved out.") % {"name": residence.person.name})
    return redirect("people:house", house_id=house.pk)


@login_required
@require_POST
def house_facts(request: HttpRequest, house_id: int) -> HttpResponse:
    user = actor(request)
    house = house_or_404(request, house_id)
    _require_keeper(request, house)
    form = _facts_form(house, request.POST)
    if not form.is_valid():
        return _page(request, house, facts=form, status=400)
    data = form.cleaned_data
    landlord = house.landlord
    if data["landlord_document"]:
        landlord = queries.person_by_document(user, DocumentType.ID_CARD, data["landlord_document"])
        if landlord is None:
            form.add_error(
                "landlord_document",
                _("No one with this ID number is on record in your grids: register them first."),
            )
            return _page(request, house, facts=form, status=400)
    try:
        services.save_house(
            user,
            house.building,
            services.HouseInput(
                number=house.number,
                address=house.address,
                floor=data["floor"],
                area_m2=data["area_m2"],
                use=data["use"],
                rooms=data["rooms"],
                owner=house.owner,
                landlord=landlord,
            ),
        )
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, house, facts=form, status=400)
    messages.success(request, _("The house's facts are saved."))
    return redirect("people:house", house_id=house.pk)
