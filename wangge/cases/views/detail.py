"""A case's page: its facts, map, photos and timeline, and a form for each step the user may
take now (asked of the transition table through `actions_for`, as the API does). A step posts
to its own URL; a refusal comes back on the same page, next to the field, with what was typed
and uploaded kept."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.cases.deadlines import time_left
from wangge.cases.exceptions import (
    CaseInvalid,
    Conflict,
    InvalidTransition,
    MissingRequirement,
    NotAllowed,
    NotFound,
)
from wangge.cases.forms import ActionForm
from wangge.cases.models import Case
from wangge.cases.permissions import actions_for, get_case_for_user
from wangge.cases.queries import active_categories, timeline
from wangge.cases.services import perform, store_attachment
from wangge.cases.workflow import CaseAction, Transition
from wangge.core import clock
from wangge.core.calendar import WorkingCalendar
from wangge.core.masking import mask_name, mask_phone
from wangge.core.menus import app_entries
from wangge.org.queries import visible_units
from wangge.org.roles import UnitKind


def _case_or_404(request: HttpRequest, number: str) -> Case:
    try:
        return get_case_for_user(request.user, number)
    except NotFound:
        raise Http404(number) from None


def _choices(request: HttpRequest, steps: list[Transition]) -> dict[str, Any]:
    """The units and categories the forms offer, read only when a form needs them."""
    needed = {name for step in steps for name in step.requires.fields}
    actions = {step.action for step in steps}
    choices: dict[str, Any] = {}
    if needed & {"department"} or actions & {CaseAction.DISPATCH, CaseAction.REASSIGN}:
        choices["departments"] = _names(request, UnitKind.DEPARTMENT)
    if "grid" in needed:
        choices["grids"] = _names(request, UnitKind.GRID)
    if CaseAction.ACCEPT in actions or "category" in needed:
        choices["categories"] = [
            (category.code, f"{category.parent.name} · {category.name}")
            for category in active_categories()
            if category.parent is not None
        ]
    return choices


def _names(request: HttpRequest, kind: str) -> list[tuple[str, str]]:
    """(code, name) of the units of one kind the user may see (not their outlines, which are
    large)."""
    return list(visible_units(request.user, kind=kind).values_list("code", "name"))


def _page(
    request: HttpRequest,
    case: Case,
    *,
    failed: ActionForm | None = None,
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    steps = actions_for(request.user, case)
    choices = _choices(request, steps)
    forms = [
        failed
        if failed is not None and failed.step.action == step.action
        else ActionForm(step, case, **choices)
        for step in steps
    ]
    events = timeline(case)
    now = clock.now()
    photos = [
        attachment
        for event in events
        for attachment in event.attachments.all()
        if attachment.is_image
    ]
    context = {
        "case": case,
        "left": time_left(case.due_at, case.warn_at, now, WorkingCalendar()),
        "reporter": {
            "name": mask_name(case.reporter_name),
            "phone": mask_phone(case.reporter_phone),
        },
        "events": events,
        "photos": photos,
        "forms": forms,
        "failed_action": failed.step.action.value if failed is not None else "",
        "problem": problem,
        "point": (
            {"lon": case.lon, "lat": case.lat, "grid": case.area.boundary}
            if case.lon is not None
            else None
        ),
        "assignments": list(case.assignments.select_related("unit").order_by("id")),
        # What apps built on the cases show here (routing's suggested category).
        "panels": app_entries(
            request, "case_panels", case=case, actions={step.action for step in steps}
        ),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, _case_or_404(request, number))


@login_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    case = _case_or_404(request, number)
    step = next((s for s in actions_for(request.user, case) if s.action.value == action), None)
    if step is None:
        if action not in CaseAction.values:
            raise Http404(action)
        # The case moved on, or the step was never the user's: say so on the current page.
        return _page(
            request,
            case,
            status=409,
            problem=_("This step is not open to you on this case now. Here is how it stands."),
        )
    form = ActionForm(step, case, request.POST, request.FILES, **_choices(request, [step]))
    if not form.is_valid():
        return _page(request, case, failed=form, status=400)
    try:
        uploaded = [
            str(store_attachment(request.user, upload, name=upload.name).uid)
            for upload in form.cleaned_data.get("attachments") or ()
        ]
    except CaseInvalid as refusal:
        form.add_error("attachments" if "attachments" in form.fields else None, refusal.message)
        return _page(request, case, failed=form, status=400)
    # Whatever happens next, the files are kept for the next attempt.
    form.data = form.data.copy()
    form.data[form.add_prefix("kept_uploads")] = ",".join(
        [*filter(None, (form.cleaned_data.get("kept_uploads") or "").split(",")), *uploaded]
    )
    try:
        perform(
            request.user,
            case,
            step.action,
            form.action_input(uploaded),
            expected_version=form.cleaned_data["version"],
        )
    except (CaseInvalid, MissingRequirement) as refusal:
        field = refusal.field if refusal.field in form.fields else None
        form.add_error(field, refusal.message)
        return _page(request, case, failed=form, status=400)
    except Conflict as refusal:
        return _page(request, _case_or_404(request, number), status=409, problem=refusal.message)
    except (NotAllowed, InvalidTransition) as refusal:
        raise PermissionDenied(refusal.message) from None
    messages.success(request, _("%(step)s: done.") % {"step": step.label})
    return redirect("cases:detail", number=case.number)
