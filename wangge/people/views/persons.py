"""A person's page: their facts with the ID and phone numbers masked, where they live and lived,
their ordinary tags, their care visits; and the forms of what the user may do there: reveal a
whole number with a reason, open the sensitive tags with a purpose, give a tag, record a care
visit, change the person's facts.

A revealed number or an opened sensitive tag is shown in the response to that POST only (never
in a URL, never stored in the page's cache: `no-store`); every reveal is logged by the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.cases.exceptions import CaseError
from wangge.cases.queries import active_categories
from wangge.core.masking import mask_id_number, mask_phone
from wangge.org.roles import Capability
from wangge.people import queries, services
from wangge.people.exceptions import AlreadyRegistered, Invalid, NotAllowed, NotFound
from wangge.people.forms import GiveTagForm, PersonForm, PurposeForm, RevealForm, VisitForm
from wangge.people.models import Person, PersonTag, Reveal
from wangge.people.permissions import may, visible_tags
from wangge.people.views.lookups import actor, person_or_404

REVEAL_PREFIX = "reveal"


def _reveal_forms(person: Person) -> dict[str, RevealForm]:
    forms = {}
    if person.document_number:
        forms[Reveal.Field.DOCUMENT_NUMBER] = RevealForm(
            prefix=f"{REVEAL_PREFIX}_doc", initial={"field": Reveal.Field.DOCUMENT_NUMBER}
        )
    if person.phone:
        forms[Reveal.Field.PHONE] = RevealForm(
            prefix=f"{REVEAL_PREFIX}_phone", initial={"field": Reveal.Field.PHONE}
        )
    return forms


def _categories() -> list[tuple[str, str]]:
    return [
        (category.code, f"{category.parent.name} · {category.name}")
        for category in active_categories()
        if category.parent is not None
    ]


def _edit_form(person: Person, data: Any = None) -> PersonForm:
    # The whole numbers are never put in the form: left empty, the stored ones stay.
    initial = services.stored_input(person)
    del initial["document_number"], initial["phone"]
    return PersonForm(data, prefix="person", initial=initial)


def _page(
    request: HttpRequest,
    person: Person,
    *,
    failed: str = "",
    form: Any = None,
    revealed: dict[str, str] | None = None,
    sensitive_tags: list[PersonTag] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = actor(request)
    may_keep = may(user, Capability.MANAGE_PEOPLE, person.grid)
    may_reveal = may(user, Capability.REVEAL_PERSONAL_DATA, person.grid)
    reveal_forms = _reveal_forms(person) if may_reveal else {}
    if failed == "reveal" and form is not None:
        reveal_forms[form.cleaned_data.get("field") or form.data.get(form.add_prefix("field"))] = (
            form
        )
    kinds = queries.tag_kinds_to_give(user) if may_keep else []

    def kept(name: str, fresh: Any) -> Any:
        return form if failed == name and form is not None else fresh

    context = {
        "person": person,
        "document": mask_id_number(person.document_number),
        "phone": mask_phone(person.phone),
        "revealed": revealed or {},
        "reveal_document": reveal_forms.get(Reveal.Field.DOCUMENT_NUMBER),
        "reveal_phone": reveal_forms.get(Reveal.Field.PHONE),
        "residences": list(queries.residences_of(person)),
        "tags": visible_tags(user, person),
        "visits": queries.visits_of(person),
        "may_keep": may_keep,
        "purpose": kept("sensitive", PurposeForm(prefix="sensitive"))
        if queries.may_see_sensitive_tags(user)
        else None,
        "sensitive_tags": sensitive_tags,
        "give_tag": kept("tag", GiveTagForm(prefix="tag", kinds=kinds)) if kinds else None,
        "visit": kept("visit", VisitForm(prefix="visit", categories=_categories()))
        if may_keep
        else None,
        "edit": kept("edit", _edit_form(person)) if may_keep else None,
        "failed": failed,
    }
    response = render(request, "people/person.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def person_page(request: HttpRequest, person_id: int) -> HttpResponse:
    return _page(request, person_or_404(request, person_id))


@login_required
@require_POST
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's page with one whole number shown: the one response that holds it."""
    person = person_or_404(request, person_id)
    field = request.POST.get("field", "")
    prefix = (
        f"{REVEAL_PREFIX}_doc"
        if field == Reveal.Field.DOCUMENT_NUMBER
        else f"{REVEAL_PREFIX}_phone"
    )
    form = RevealForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _page(request, person, failed="reveal", form=form, status=400)
    chosen = form.cleaned_data["field"]
    try:
        value = services.reveal(actor(request), person, chosen, form.cleaned_data["reason"])
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except NotFound as refused:
        form.add_error(None, refused.message)
        return _page(request, person, failed="reveal", form=form, status=404)
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, person, failed="reveal", form=form, status=400)
    return _page(request, person, revealed={chosen: value})


@login_required
@require_POST
def person_sensitive_tags(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_or_404(request, person_id)
    form = PurposeForm(request.POST, prefix="sensitive")
    if not form.is_valid():
        return _page(request, person, failed="sensitive", form=form, status=400)
    try:
        tags = services.open_sensitive_tags(actor(request), person, form.cleaned_data["purpose"])
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, person, failed="sensitive", form=form, status=400)
    return _page(request, person, sensitive_tags=tags)


@login_required
@require_POST
def person_give_tag(request: HttpRequest, person_id: int) -> HttpResponse:
    user = actor(request)
    person = person_or_404(request, person_id)
    if not may(user, Capability.MANAGE_PEOPLE, person.grid):
        raise PermissionDenied
    form = GiveTagForm(request.POST, prefix="tag", kinds=queries.tag_kinds_to_give(user))
    if not form.is_valid():
        return _page(request, person, failed="tag", form=form, status=400)
    data = form.cleaned_data
    try:
        tag = services.give_tag(user, person, data["kind"], since=data["since"], note=data["note"])
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, person, failed="tag", form=form, status=400)
    messages.success(request, _("Tag given: %(tag)s.") % {"tag": tag.kind.name})
    return redirect("people:person", person_id=person.pk)


@login_required
@require_POST
def person_visit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = actor(request)
    person = person_or_404(request, person_id)
    if not may(user, Capability.MANAGE_PEOPLE, person.grid):
        raise PermissionDenied
    form = VisitForm(request.POST, prefix="visit", categories=_categories())
    if not form.is_valid():
        return _page(request, person, failed="visit", form=form, status=400)
    data = form.cleaned_data
    try:
        visit = services.record_visit(
            user,
            person,
            outcome=data["outcome"],
            found=data["found"],
            follow_up_category=data["follow_up_category"],
        )
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, person, failed="visit", form=form, status=400)
    except CaseError as refused:  # the follow-up case was refused
        field = "follow_up_category" if getattr(refused, "field", "") == "category" else ""
        form.add_refusal(field, refused.message)
        return _page(request, person, failed="visit", form=form, status=400)
    if visit.follow_up is not None:
        messages.success(
            request,
            _("The visit is recorded, with case %(number)s to follow it up.")
            % {"number": visit.follow_up.number},
        )
    else:
        messages.success(request, _("The visit is recorded."))
    return redirect("people:person", person_id=person.pk)


@login_required
@require_POST
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = actor(request)
    person = person_or_404(request, person_id)
    if not may(user, Capability.MANAGE_PEOPLE, person.grid):
        raise PermissionDenied
    form = _edit_form(person, request.POST)
    if not form.is_valid():
        return _page(request, person, failed="edit", form=form, status=400)
    data = form.cleaned_data
    given = set(form.fields) - {"overseas"}
    number, phone = data["document_number"], data["phone"]
    if not number and data["document_type"] == person.document_type:
        given.discard("document_number")  # kept: the stored number is not in the form
    if not phone:
        given.discard("phone")
    try:
        services.update_person(
            user,
            person,
            services.PersonInput(
                name=data["name"],
                document_type=data["document_type"],
                document_number=number or person.document_number,
                phone=phone or person.phone,
                sex=data["sex"],
                birth_date=data["birth_date"],
                ethnicity=data["ethnicity"],
                registered_region=data["registered_region"],
                registered_address=data["registered_address"],
                overseas=data["overseas"],
                workplace=data["workplace"],
                note=data["note"],
                given=given,
            ),
        )
    except AlreadyRegistered as refused:
        form.add_error("document_number", refused.message)
        return _page(request, person, failed="edit", form=form, status=409)
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, person, failed="edit", form=form, status=400)
    messages.success(request, _("%(name)s's facts are saved.") % {"name": person.name})
    return redirect("people:person", person_id=person.pk)
