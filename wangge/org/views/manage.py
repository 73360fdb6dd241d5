"""Managing the tree, for those who may change a unit (Capability.MANAGE_ORG over it): add a
unit below it (a department under a district or town, a community under a town, a grid under a
community), rename it, move it under another parent, take it out of use or back.

Views only adapt: the unit is found through `get_unit_for_user` (outside the user's scope it
does not exist: 404; seen but not managed: 403), every change goes through the org services,
and their refusals (`InvalidUnit.field`) come back by the field they name, with status 400 and
nothing written. Units are never deleted, only made inactive.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.org.exceptions import InvalidUnit, NotAllowed, NotFound
from wangge.org.forms import UnitCreateForm, UnitMoveForm, UnitRenameForm, child_kinds
from wangge.org.models import OrgUnit
from wangge.org.permissions import get_unit_for_user, scope_for
from wangge.org.roles import PARENT_KINDS, Capability
from wangge.org.services import create_unit, move_unit, rename_unit, set_unit_active
from wangge.org.views.navigation import breadcrumbs, managed_unit, unit_url


@login_required
@require_http_methods(["GET", "POST"])
def unit_new(request: HttpRequest, code: str) -> HttpResponse:
    """Add a unit below this one."""
    parent = managed_unit(request, code, Capability.MANAGE_ORG)
    if not child_kinds(parent):
        raise Http404(code)  # nothing may stand under a grid or a department
    if request.method == "GET":
        form = UnitCreateForm(parent=parent)
        return _new_page(request, parent, form)
    form = UnitCreateForm(request.POST, parent=parent)
    if not form.is_valid():
        return _new_page(request, parent, form, status=400)
    data = form.cleaned_data
    try:
        created = create_unit(
            request.user,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=parent,
            grid_kind=form.chosen_grid_kind() if "grid_kind" in form.fields else None,
        )
    except InvalidUnit as refused:
        form.add_refusal(refused.field, refused.message)
        return _new_page(request, parent, form, status=400)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from None
    messages.success(
        request,
        _("%(name)s was added below %(parent)s.") % {"name": created.name, "parent": parent.name},
    )
    return redirect("org:unit", code=created.code)


def _new_page(
    request: HttpRequest, parent: OrgUnit, form: UnitCreateForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "org/unit_new.html",
        {
            "unit": parent,
            "breadcrumbs": breadcrumbs(request, parent),
            "current_url": unit_url(parent.code),
            "form": form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Rename, move, deactivate or activate this unit: one form each, told apart by `action`."""
    unit = managed_unit(request, code, Capability.MANAGE_ORG)
    candidates = _parent_candidates(request, unit)
    rename = UnitRenameForm(initial={"name": unit.name}, prefix="rename")
    move = UnitMoveForm(candidates=candidates, prefix="move")
    if request.method == "GET":
        return _edit_page(request, unit, rename, move, candidates)
    action = request.POST.get("action", "")
    try:
        if action == "rename":
            rename = UnitRenameForm(request.POST, prefix="rename")
            if rename.is_valid():
                rename_unit(request.user, unit, name=rename.cleaned_data["name"])
                messages.success(request, _("The unit was renamed."))
                return redirect("org:unit", code=unit.code)
        elif action == "move":
            move = UnitMoveForm(request.POST, candidates=candidates, prefix="move")
            if move.is_valid():
                moved = _move(request, unit, move)
                if moved:
                    messages.success(
                        request,
                        _("%(name)s now stands under %(parent)s.")
                        % {"name": unit.name, "parent": moved.parent.name},
                    )
                    return redirect("org:unit", code=unit.code)
        elif action in ("activate", "deactivate"):
            set_unit_active(request.user, unit, is_active=action == "activate")
            messages.success(
                request,
                _("The unit is active again.")
                if action == "activate"
                else _("The unit is no longer active."),
            )
            return redirect("org:unit", code=unit.code)
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    except InvalidUnit as refused:
        (rename if action == "rename" else move).add_refusal(refused.field, refused.message)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from None
    return _edit_page(request, unit, rename, move, candidates, status=400)


def _move(request: HttpRequest, unit: OrgUnit, form: UnitMoveForm) -> OrgUnit | None:
    """Move under the unit the form names; a code outside the user's scope is no unit at all."""
    code = form.cleaned_data["parent"]
    try:
        parent = get_unit_for_user(request.user, code, Capability.MANAGE_ORG)
    except NotFound:
        form.add_error("parent", _("No unit with the code %(code)s in your area.") % {"code": code})
        return None
    return move_unit(request.user, unit, parent=parent)


def _parent_candidates(request: HttpRequest, unit: OrgUnit) -> list[tuple[str, str]]:
    """(code, label) of the active units in the user's scope this one may stand under."""
    kinds = PARENT_KINDS[unit.kind]
    if not kinds:
        return []
    units = (
        scope_for(request.user, Capability.MANAGE_ORG)
        .filter(OrgUnit.objects.filter(kind__in=kinds, is_active=True))
        .exclude(path__descendant_of=unit.path)
        .exclude(pk=unit.parent_id)
        .order_by("path")
    )
    return [(code, f"{name} · {code}") for code, name in units.values_list("code", "name")]


def _edit_page(
    request: HttpRequest,
    unit: OrgUnit,
    rename: UnitRenameForm,
    move: UnitMoveForm,
    candidates: list[tuple[str, str]],
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "unit": unit,
        "breadcrumbs": breadcrumbs(request, unit),
        "current_url": unit_url(unit.code),
        "rename": rename,
        "move": move,
        "may_move": bool(candidates) or move.is_bound,
    }
    return render(request, "org/unit_edit.html", context, status=status)
