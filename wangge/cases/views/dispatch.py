"""The dispatch console (调度台) of a dispatcher: new cases to accept, accepted cases to
dispatch (each with its category's suggested department, several at once), and the overdue and
supervised cases of their area. Every step goes through `perform`, case by case: one refusal
does not stop the others, and each is reported by its number."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from wangge.cases.deadlines import times_left
from wangge.cases.exceptions import CaseError
from wangge.cases.models import Category
from wangge.cases.permissions import get_case_for_user
from wangge.cases.queries import Tab, may_dispatch, my_queue, overdue_cases, queue_page_of
from wangge.cases.services import ActionInput, perform
from wangge.cases.workflow import CaseAction
from wangge.core import clock
from wangge.core.menus import case_notes
from wangge.org.queries import visible_units
from wangge.org.roles import UnitKind

LIST_SIZE = 20  # the rest of each list is one tap away (my work, the case list)
BULK_MAX = 100


def _require_dispatcher(request: HttpRequest) -> None:
    if not may_dispatch(request.user):
        raise PermissionDenied(_("The dispatch console is for dispatchers."))


@login_required
@require_GET
def dispatch_console(request: HttpRequest) -> HttpResponse:
    _require_dispatcher(request)
    now = clock.now()
    user = request.user

    def first(tab: Tab) -> list:
        return times_left(queue_page_of(my_queue(user, tab), None, LIST_SIZE).items, now)

    to_accept = first(Tab.TO_ACCEPT)
    notes = case_notes(request, [case for case, _left in to_accept])
    to_dispatch = first(Tab.TO_DISPATCH)
    suggestions = dict(
        Category.objects.filter(default_department__isnull=False).values_list(
            "pk", "default_department__name"
        )
    )
    departments = list(visible_units(user, kind=UnitKind.DEPARTMENT).values_list("code", "name"))
    return render(
        request,
        "cases/dispatch.html",
        {
            "to_accept": [(case, left, notes.get(case.pk, "")) for case, left in to_accept],
            "to_dispatch": [
                (case, left, suggestions.get(case.category_id, "")) for case, left in to_dispatch
            ],
            "departments": departments,
            "overdue": times_left(overdue_cases(user, now)[:LIST_SIZE], now),
            "supervised": first(Tab.SUPERVISED),
            "list_size": LIST_SIZE,
        },
    )


@dataclass(frozen=True)
class _Outcome:
    number: str
    problem: str = ""


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch the ticked cases, all to the department chosen, or each to its suggested one."""
    _require_dispatcher(request)
    numbers = request.POST.getlist("case")[:BULK_MAX]
    if not numbers:
        messages.error(request, _("Tick the cases to dispatch first."))
        return redirect("cases:dispatch")
    outcomes = [_dispatch_one(request, number) for number in numbers]
    done = [o.number for o in outcomes if not o.problem]
    if done:
        messages.success(
            request,
            ngettext("%(count)d case dispatched.", "%(count)d cases dispatched.", len(done))
            % {"count": len(done)},
        )
    for outcome in outcomes:
        if outcome.problem:
            messages.error(request, f"{outcome.number}: {outcome.problem}")
    return redirect("cases:dispatch")


def _dispatch_one(request: HttpRequest, number: str) -> _Outcome:
    """To the department chosen for all the ticked cases, or else to the case's suggested one
    (its category's default department)."""
    chosen = request.POST.get("department", "")
    version = request.POST.get(f"version-{number}", "")
    try:
        case = get_case_for_user(request.user, number)
        suggested = case.category.default_department
        department = chosen or (suggested.code if suggested is not None else "")
        if not department:
            return _Outcome(number, _("It has no suggested department: choose one."))
        expected = int(version) if version.isdigit() else None
        perform(
            request.user,
            case,
            CaseAction.DISPATCH,
            ActionInput(department=department),
            expected_version=expected,
        )
    except CaseError as refusal:
        return _Outcome(number, refusal.message)
    return _Outcome(number)
