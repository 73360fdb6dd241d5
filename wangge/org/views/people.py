"""Who works in a unit, for those who manage its members (Capability.MANAGE_MEMBERS over it):
the accounts holding a role there with their roles, a form to grant a role to an account, a
button to revoke one, and a form to create an account with its first role there.

An account is within reach of an administrator when it holds an active role inside their
scope, or no active role anywhere (new accounts, people between jobs); any other account is,
for them, not there at all: it is never listed and naming it gets 404. Passwords are typed
twice when an account is created, checked by the site's password validators, and never shown
again. Every change goes through the org services, which audit it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.org.exceptions import InvalidUnit, NotAllowed, NotFound
from wangge.org.forms import AccountForm, GrantRoleForm
from wangge.org.models import Membership, OrgUnit
from wangge.org.permissions import get_account_for_user, scope_for
from wangge.org.queries import counts_below, people_of, scope_roots
from wangge.org.roles import Capability
from wangge.org.services import create_account, grant_role, revoke_role
from wangge.org.views.navigation import breadcrumbs, managed_unit, require_capability, unit_url


def people_url(code: str) -> str:
    return reverse("org:people", args=[code])


@login_required
@require_GET
def people_home(request: HttpRequest) -> HttpResponse:
    """The way in from the menu: the people page of the user's one subtree, or a list of them."""
    roots = scope_roots(require_capability(request, Capability.MANAGE_MEMBERS))
    if len(roots) == 1:
        return redirect(people_url(roots[0].code))
    return render(request, "org/people_roots.html", {"roots": roots})


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest, code: str) -> HttpResponse:
    unit = managed_unit(request, code, Capability.MANAGE_MEMBERS)
    grant = GrantRoleForm(unit=unit)
    account = AccountForm(unit=unit)
    if request.method == "GET":
        return _page(request, unit, grant, account)
    action = request.POST.get("action", "")
    try:
        if action == "grant":
            grant = GrantRoleForm(request.POST, unit=unit)
            if grant.is_valid():
                return _grant(request, unit, grant)
        elif action == "revoke":
            return _revoke(request, unit)
        elif action == "create_account":
            if not may_create_accounts(request):
                raise PermissionDenied
            account = AccountForm(request.POST, unit=unit)
            if account.is_valid() and _create_account(request, unit, account):
                return redirect(people_url(unit.code))
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from None
    return _page(request, unit, grant, account, failed=action, status=400)


def _grant(request: HttpRequest, unit: OrgUnit, form: GrantRoleForm) -> HttpResponse:
    username = form.cleaned_data["username"]
    try:
        person = get_account_for_user(request.user, username)
    except NotFound:
        form.add_error(
            "username", _("No account named %(name)s in your area.") % {"name": username}
        )
        return _page(request, unit, form, AccountForm(unit=unit), failed="grant", status=404)
    try:
        membership = grant_role(request.user, person, unit, form.cleaned_data["role"])
    except InvalidUnit as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, unit, form, AccountForm(unit=unit), failed="grant", status=400)
    messages.success(
        request,
        _("%(person)s is now %(role)s here.")
        % {"person": person.display_name, "role": membership.get_role_display()},
    )
    return redirect(people_url(unit.code))


def _revoke(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    membership_id = request.POST.get("membership", "")
    membership = (
        Membership.objects.select_related("user", "unit")
        .filter(pk=membership_id if membership_id.isdigit() else 0, unit=unit, is_active=True)
        .first()
    )
    if membership is None:
        raise Http404(membership_id)
    revoke_role(request.user, membership)
    messages.success(
        request,
        _("%(person)s no longer holds the role %(role)s here.")
        % {"person": membership.user.display_name, "role": membership.get_role_display()},
    )
    return redirect(people_url(unit.code))


def _create_account(request: HttpRequest, unit: OrgUnit, form: AccountForm) -> bool:
    """The account and its first role, both or neither."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            person = create_account(
                request.user,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password1"],
            )
            membership = grant_role(request.user, person, unit, data["role"])
    except InvalidUnit as refused:
        form.add_refusal(refused.field, refused.message)
        return False
    messages.success(
        request,
        _("The account %(name)s was created as %(role)s here; it can log in now.")
        % {"name": person.username, "role": membership.get_role_display()},
    )
    return True


def may_create_accounts(request: HttpRequest) -> bool:
    """Whether `create_account` will accept this user: it asks for the whole tree."""
    return scope_for(request.user, Capability.MANAGE_MEMBERS).everything


def _page(
    request: HttpRequest,
    unit: OrgUnit,
    grant: GrantRoleForm,
    account: AccountForm,
    *,
    failed: str = "",
    status: int = 200,
) -> HttpResponse:
    children = list(unit.children.defer("boundary", "properties").order_by("code"))
    counts = counts_below(children)
    context: dict[str, Any] = {
        "unit": unit,
        "breadcrumbs": breadcrumbs(request, unit),
        "current_url": unit_url(unit.code),
        "people": people_of(unit),
        "child_rows": [{"unit": child, **counts[child.pk]} for child in children],
        "grant": grant,
        "account": account if may_create_accounts(request) else None,
        "failed": failed,
    }
    return render(request, "org/people.html", context, status=status)
