"""My work (我的待办): the cases waiting for the user, one tab per kind of step, the most urgent
first, each with its deadline light and the working hours left. The open tab and the counts
refresh every minute through htmx without reloading the page.

Other apps add their own waiting work below the cases (care visits due, canvass lists, …) as
panels, through their app config's `work_panels(request)` hook (see `wangge.core.menus`): cases
cannot import the apps built on it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wangge.cases.deadlines import times_left
from wangge.cases.exceptions import CaseInvalid
from wangge.cases.queries import Tab, my_queue_page, queue_counts
from wangge.core import clock
from wangge.core.menus import app_entries

PAGE_SIZE = 20
REFRESH_SECONDS = 60


def _context(request: HttpRequest, tab: str | None) -> dict[str, object]:
    cursor = request.GET.get("cursor") or None
    chosen, page = my_queue_page(request.user, tab, cursor, PAGE_SIZE)
    counts = queue_counts(request.user)
    return {
        "tab": chosen,
        "tabs": [{"tab": Tab(value), "count": count} for value, count in counts.items()],
        "rows": times_left(page.items, clock.now()),
        "next_cursor": page.next_cursor,
        "is_continued": cursor is not None,
        "refresh_seconds": REFRESH_SECONDS,
    }


@login_required
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    try:
        context = _context(request, request.GET.get("tab") or None)
    except CaseInvalid:
        context = _context(request, None)  # a stale or mistyped tab: show the first one
    context["panels"] = app_entries(request, "work_panels")
    return render(request, "cases/my_work.html", context)


@login_required
@require_GET
def my_work_tab(request: HttpRequest, tab: str) -> HttpResponse:
    """One tab's list and the counts, for htmx (the same markup the page embeds)."""
    try:
        context = _context(request, tab)
    except CaseInvalid as error:
        return HttpResponse(error.message, status=404)
    return render(request, "cases/partials/my_work_tab.html", context)
