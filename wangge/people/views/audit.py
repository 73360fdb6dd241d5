"""The log of reveals (/people/audit/): who saw a whole number or opened sensitive tags, whose,
what, when and why, newest first, a page at a time, for those who read the audit
(Capability.READ_AUDIT) over the grids where it happened."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wangge.core.masking import mask_name
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people import queries
from wangge.people.forms import AuditFilterForm
from wangge.people.views.lookups import actor

PAGE_SIZE = 50


@login_required
@require_GET
def reveal_log(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if scope_for(user, Capability.READ_AUDIT).is_empty:
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    since = until = None
    status = 200
    if form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    else:
        status = 400
    page = Paginator(queries.reveals_between(user, since, until), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"reveal": reveal, "whose": mask_name(reveal.person.name)} for reveal in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "people/audit.html", context, status=status)
