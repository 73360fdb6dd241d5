"""Member units (大党委成员单位): the list, a unit's page (its communities, contacts with phones
masked, resources and agreements), and the forms to register or change a unit, add a contact
and offer a resource. Staff keep the units of their communities; a unit's own contact may offer
its resources."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.claims import queries, services
from wangge.claims.exceptions import Invalid, NotAllowed
from wangge.claims.forms import ContactForm, MemberUnitForm, ResourceForm
from wangge.claims.models import MemberUnit
from wangge.claims.permissions import acts_for, get_member_unit_for_user
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
from wangge.core.models import User


@login_required
@require_GET
def member_unit_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    query = request.GET.get("q", "")[:50].replace("\x00", "").strip()
    context = {
        "member_units": queries.member_unit_list(request.user, query=query),
        "query": query,
        "may_keep": kept_communities(request).exists(),
    }
    return render(request, "claims/member_units.html", context)


@login_required
@require_GET
def member_unit_page(request: HttpRequest, member_unit_id: int) -> HttpResponse:
    unit = found(get_member_unit_for_user, request, member_unit_id)
    user = actor(request)
    contacts = [
        {"contact": contact, "phone": mask_phone(contact.phone)}
        for contact in unit.contacts.select_related("user").order_by("-is_active", "name")
    ]
    context = {
        "unit": unit,
        "communities": list(unit.communities.order_by("code")),
        "contacts": contacts,
        "resources": list(
            unit.resources.select_related("community").order_by("-is_active", "kind")
        ),
        "agreements": queries.agreement_list(user, member_unit=unit),
        "may_keep": services.may_keep_member_unit(user, unit),
        "is_own": acts_for(user, unit),
    }
    response = render(request, "claims/member_unit.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _unit_form(request: HttpRequest, unit: MemberUnit | None, data: Any = None) -> MemberUnitForm:
    initial: dict[str, Any] = {}
    if unit is not None:
        initial = {
            "name": unit.name,
            "kind": unit.kind,
            "credit_code": unit.credit_code,
            "address": unit.address,
            "note": unit.note,
            "is_active": unit.is_active,
            "communities": [c.pk for c in unit.communities.all()],
        }
    return MemberUnitForm(data, initial=initial, communities=kept_communities(request))


def _save_unit(request: HttpRequest, unit: MemberUnit | None) -> HttpResponse:
    require_keeper(request)
    if unit is not None and not services.may_keep_member_unit(actor(request), unit):
        raise PermissionDenied
    title = _("Edit %(name)s") % {"name": unit.name} if unit else _("Register a member unit")
    crumbs = [
        (reverse("claims:home"), _("Two-way claiming")),
        (reverse("claims:member_units"), _("Member units")),
    ]
    cancel = (
        reverse("claims:member_unit", args=[unit.pk]) if unit else reverse("claims:member_units")
    )
    form = _unit_form(request, unit, request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    try:
        saved = services.save_member_unit(
            actor(request),
            services.MemberUnitInput(
                name=data["name"],
                kind=data["kind"],
                communities=list(data["communities"]),
                credit_code=data["credit_code"],
                address=data["address"],
                note=data["note"],
                is_active=data["is_active"],
            ),
            unit,
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
    return redirect("claims:member_unit", member_unit_id=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_unit_create(request: HttpRequest) -> HttpResponse:
    return _save_unit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def member_unit_edit(request: HttpRequest, member_unit_id: int) -> HttpResponse:
    return _save_unit(request, found(get_member_unit_for_user, request, member_unit_id))


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, member_unit_id: int) -> HttpResponse:
    unit = found(get_member_unit_for_user, request, member_unit_id)
    if not services.may_keep_member_unit(actor(request), unit):
        raise PermissionDenied
    title = _("Add a contact of %(name)s") % {"name": unit.name}
    crumbs = [
        (reverse("claims:member_units"), _("Member units")),
        (reverse("claims:member_unit", args=[unit.pk]), unit.name),
    ]
    cancel = reverse("claims:member_unit", args=[unit.pk])
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    account = None
    if data["username"]:
        account = User.objects.filter(username=data["username"].strip(), is_active=True).first()
        if account is None:
            form.add_error("username", _("No active account has this name."))
            return form_page(
                request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400
            )
    try:
        services.save_contact(
            actor(request),
            unit,
            services.ContactInput(
                name=data["name"], role=data["role"], phone=data["phone"], user=account
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("The contact is saved."))
    return redirect("claims:member_unit", member_unit_id=unit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest, member_unit_id: int) -> HttpResponse:
    unit = found(get_member_unit_for_user, request, member_unit_id)
    user = actor(request)
    if acts_for(user, unit):
        communities = unit.communities.order_by("code")
    else:
        communities = kept_communities(request).filter(pk__in=unit.communities.values("pk"))
        if not communities.exists():
            raise PermissionDenied
    title = _("Offer a resource of %(name)s") % {"name": unit.name}
    crumbs = [
        (reverse("claims:member_units"), _("Member units")),
        (reverse("claims:member_unit", args=[unit.pk]), unit.name),
    ]
    cancel = reverse("claims:member_unit", args=[unit.pk])
    form = ResourceForm(request.POST if request.method == "POST" else None, communities=communities)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return form_page(
            request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=status
        )
    data = form.cleaned_data
    try:
        services.save_resource(
            user,
            unit,
            services.ResourceInput(
                kind=data["kind"],
                title=data["title"],
                community=data["community"],
                description=data["description"],
                quantity=data["quantity"],
                unit=data["unit"],
                place=data["place"],
                available_from=data["available_from"],
                available_until=data["available_until"],
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return form_page(request, title=title, form=form, crumbs=crumbs, cancel=cancel, status=400)
    messages.success(request, _("The resource is offered."))
    return redirect("claims:member_unit", member_unit_id=unit.pk)
