"""The registry's way in (/people/): the user's grids with their counts, and the search for a
person; and the list of care visits due.

The search is POSTed, not sent in the query string: an ID or phone number typed there must not
land in the address bar, the browser's history or the server's access log.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core import clock
from wangge.core.masking import mask_id_number, mask_phone
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people import queries, services
from wangge.people.forms import SearchForm
from wangge.people.permissions import may_view_people
from wangge.people.views.lookups import actor

VISITS_AHEAD_DAYS = 7


@login_required
@require_http_methods(["GET", "POST"])
def registry_home(request: HttpRequest) -> HttpResponse:
    if not may_view_people(request.user):
        raise PermissionDenied
    today = clock.today()
    form = SearchForm(request.POST if request.method == "POST" else None)
    results = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            results = [
                {
                    "person": person,
                    "document": mask_id_number(person.document_number),
                    "phone": mask_phone(person.phone),
                }
                for person in queries.search_persons(request.user, form.cleaned_data["q"])
            ]
        else:
            status = 400
    summaries = queries.grid_summaries(actor(request), today=today)
    context = {
        "form": form,
        "results": results,
        "summaries": summaries,
        "may_keep": not scope_for(request.user, Capability.MANAGE_PEOPLE).is_empty,
        "may_audit": not scope_for(request.user, Capability.READ_AUDIT).is_empty,
        "may_manage_tags": services.may_manage_tag_kinds(request.user),
        "limit": queries.SEARCH_LIMIT,
    }
    response = render(request, "people/home.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def visits_due_page(request: HttpRequest) -> HttpResponse:
    """The care visits due in the user's grids now or within a week, the most overdue first."""
    if scope_for(request.user, Capability.MANAGE_PEOPLE).is_empty:
        raise PermissionDenied
    today = clock.today()
    due = services.visits_due(actor(request), today=today, within_days=VISITS_AHEAD_DAYS)
    grids = OrgUnit.objects.in_bulk({item.person.grid_id for item in due})
    rows = [
        {
            "item": item,
            "grid": grids.get(item.person.grid_id),
            "overdue_days": item.overdue_days(today),
            "is_overdue": item.due < today,
        }
        for item in due
    ]
    return render(
        request,
        "people/visits_due.html",
        {"rows": rows, "today": today, "ahead": VISITS_AHEAD_DAYS},
    )
