"""The pages that run the most script, under the Content-Security-Policy the site sends: the case
map (Leaflet, marker clusters, htmx panel), the dashboard (ECharts, with a tooltip shown), the
report page (Leaflet), the case list's htmx search, the API docs (Swagger UI), the registry
grid's htmx filter, the house notice with its print button, the residents' pages and Django's
admin. Chromium reports every blocked script, style, image or eval on the console; the journey
fails on any, and on any JavaScript error.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.cases.loop_helpers import drive_to
from tests.e2e.browser import DESKTOP, PASSWORD, PHONE, give_password, log_in
from tests.people.helpers import house_in
from wangge.cases.workflow import CaseState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSP = "Content Security Policy"


def watched(page: Any, violations: list[str]) -> Any:
    """The page, with its CSP refusals and JavaScript errors added to `violations`."""
    page.on(
        "console",
        lambda message: CSP in message.text and violations.append(f"{page.url}: {message.text}"),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    return page


def visit(page: Any, url: str, ready: str = "") -> None:
    response = page.goto(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    assert response.headers.get("content-security-policy"), f"{url}: no policy"
    if ready:
        page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")


def test_script_heavy_pages_run_under_the_content_security_policy(live_server, cast, open_page):
    base = live_server.url
    tree = cast.tree
    handling = drive_to(cast, CaseState.HANDLING)
    drive_to(cast, CaseState.CLOSED)
    drive_to(cast, CaseState.REPORTED)
    house = house_in(tree.grid_a, "302", use="rented", rooms=2)
    violations: list[str] = []

    # A dispatcher: the case map with its clusters and a grid's panel, the case list's search.
    dispatcher = watched(open_page(DESKTOP), violations)
    log_in(dispatcher, base, give_password(cast.dispatcher).username)
    map_of_grid_a = f"{base}{reverse('cases:map')}?grid={tree.grid_a.code}"
    visit(dispatcher, map_of_grid_a, "#case-map .case-cluster, #case-map .case-pin")
    dispatcher.locator("#grid-panel .grid-cases .case-link").first.wait_for()
    visit(dispatcher, f"{base}{reverse('cases:list')}")
    dispatcher.fill("#id_text", "路灯")
    dispatcher.locator("#id_text").dispatch_event("change")
    dispatcher.wait_for_load_state("networkidle")
    visit(dispatcher, f"{base}{reverse('cases:detail', args=[handling.number])}")
    visit(dispatcher, f"{base}{reverse('cases:my_work')}")
    visit(dispatcher, f"{base}/api/v1/docs", ".swagger-ui .info")  # served from here, no CDN
    dispatcher.locator(".swagger-ui .opblock-summary").first.click()

    # A leader: the dashboard's charts, and a chart's tooltip (HTML that ECharts writes).
    leader = watched(open_page(DESKTOP), violations)
    log_in(leader, base, give_password(cast.leader).username)
    visit(leader, f"{base}{reverse('analytics:dashboard')}", "#chart-daily svg")
    leader.locator("#chart-daily").hover()
    leader.locator("#chart-categories").hover()
    leader.wait_for_timeout(300)

    # A grid worker on a phone: the report page's map, the registry grid's filter, the notice.
    worker = watched(open_page(PHONE), violations)
    log_in(worker, base, give_password(cast.grid_worker_a).username)
    visit(worker, f"{base}{reverse('cases:report')}", "#report-map.leaflet-container")
    visit(worker, f"{base}{reverse('people:grid', args=[tree.grid_a.code])}")
    worker.locator(".filters select").first.select_option(index=1)
    worker.wait_for_load_state("networkidle")
    visit(worker, f"{base}{reverse('people:house_notice', args=[house.pk])}")
    worker.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    worker.locator("#print-notice").tap()
    assert worker.evaluate("() => window.printed") == 1

    # A resident without an account, and a landlord.
    resident = watched(open_page(PHONE), violations)
    for name in ("public:home", "public:report", "public:lookup", "people:landlord"):
        visit(resident, f"{base}{reverse(name)}")

    # Django's admin, as a superuser: the index, a list and a change form.
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    admin = watched(open_page(DESKTOP), violations)
    log_in(admin, base, root.username, "/django-admin/")
    visit(admin, f"{base}/django-admin/")
    visit(admin, f"{base}/django-admin/core/user/")
    visit(admin, f"{base}/django-admin/core/user/{root.pk}/change/")

    assert not violations, "\n".join(violations)
