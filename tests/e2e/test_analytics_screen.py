"""A leader puts the big screen on a 1920×1080 TV: the headline figures, today's counts, the
trend chart and the grid map coloured by a figure are drawn, and the data refreshes by itself
(the interval shortened here through ?refresh=) — a case reported meanwhile shows up without a
reload; a failed fetch keeps the data and shows the offline mark. On a phone the map of figures
draws the grids, tells a tapped grid's figure and switches to the heat map of cases.

UI text is Chinese here, so steps find elements by id, data attributes and URLs, never by words.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_B, RESIDENT, drive_to, file_case
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.cases.workflow import CaseState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TV = {"width": 1920, "height": 1080}


def count_of(page: Any, key: str) -> str:
    return page.locator(f".kpi[data-count='{key}'] [data-field='count']").inner_text()


def test_leader_watches_the_big_screen_refresh_itself(live_server, cast, open_page, screenshot):
    base = live_server.url
    drive_to(cast, CaseState.CLOSED, reporter=RESIDENT)
    file_case(RESIDENT, at=IN_GRID_B)
    leader = give_password(cast.leader)
    page = open_page(TV)
    log_in(page, base, leader.username, quote(f"{reverse('analytics:screen')}?refresh=2&rotate=3"))
    page.wait_for_selector("#screen[data-refreshes]")
    page.wait_for_selector("#screen-map[data-ready='true'] path[data-code]")
    page.wait_for_selector("#screen-trend-chart svg")
    assert count_of(page, "reported_today") == "2"
    assert page.locator(".kpi[data-key='resolution_rate'] [data-field='shown']").inner_text() != "—"
    assert page.locator("#screen-ranking tr").count() == 2
    assert page.locator(".topbar").is_hidden()  # no viewer's name on the wall
    # Everything fits the TV without scrolling.
    heights = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
    assert heights[0] <= heights[1]
    assert_no_horizontal_scroll(page)
    screenshot(page, "1-tv")

    # The map turns to the next headline figure by itself.
    first = page.locator("#screen-map").get_attribute("data-figure")
    page.wait_for_function(
        f"() => document.getElementById('screen-map').dataset.figure !== '{first}'"
    )

    # A case reported now appears at the next refresh, without a reload.
    refreshes = int(page.locator("#screen").get_attribute("data-refreshes"))
    file_case(RESIDENT, at=IN_GRID_A, description="石冲路井盖松动")
    page.wait_for_function(
        "() => document.querySelector(\".kpi[data-count='reported_today'] [data-field='count']\")"
        ".textContent === '3'"
    )
    assert int(page.locator("#screen").get_attribute("data-refreshes")) > refreshes
    assert page.locator("#screen-offline").is_hidden()

    # The network drops: the numbers stay and the offline mark shows; it clears on return.
    page.route("**/api/v1/analytics/**", lambda route: route.abort())
    page.wait_for_selector("#screen-offline", state="visible")
    assert count_of(page, "reported_today") == "3"
    screenshot(page, "2-offline")
    page.unroute("**/api/v1/analytics/**")
    page.wait_for_selector("#screen-offline", state="hidden")

    # The full-screen button is there (the Fullscreen API needs a person's gesture to act).
    assert page.locator("#screen-fullscreen").is_visible()

    # On a desktop it fits too; on a phone it stacks without sideways scrolling.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_timeout(300)
    heights = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
    assert heights[0] <= heights[1]
    screenshot(page, "3-desktop")
    phone = open_page(PHONE)
    log_in(phone, base, leader.username, reverse("analytics:screen"))
    phone.wait_for_selector("#screen-map[data-ready='true'] path[data-code]")
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "4-phone")


def test_leader_reads_the_map_of_figures_by_phone(live_server, cast, open_page, screenshot):
    base = live_server.url
    tree = cast.tree
    drive_to(cast, CaseState.CLOSED, reporter=RESIDENT)
    file_case(RESIDENT, at=IN_GRID_A)
    file_case(RESIDENT, at=IN_GRID_B)
    leader = give_password(cast.leader)
    page = open_page(PHONE)
    log_in(page, base, leader.username, quote(f"{reverse('analytics:map')}?figure=reported"))
    grid_a = page.locator(f"#figure-map path[data-code='{tree.grid_a.code}']")
    page.wait_for_selector("#figure-map[data-ready='true']")
    grid_a.wait_for()
    assert grid_a.get_attribute("data-value") == "2"
    assert page.locator("#figure-map-legend").is_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "1-reported")

    # Another figure, without a reload: its definition replaces the first.
    definition = page.locator("#figure-definition").inner_text()
    page.select_option("#id_figure", "resolution_rate")
    page.wait_for_selector("#figure-map[data-figure='resolution_rate'][data-ready='true']")
    assert page.locator("#figure-definition").inner_text() != definition
    assert "figure=resolution_rate" in page.url
    assert grid_a.get_attribute("data-value") == "1"
    assert (
        page.locator(f"#figure-map path[data-code='{tree.grid_b.code}']").get_attribute(
            "data-value"
        )
        == "null"
    )

    # Taps grid A: its value, numerator and denominator, and a link to its cases.
    grid_a.tap()
    detail = page.locator("#map-detail")
    detail.wait_for(state="visible")
    assert detail.locator("[data-field='name']").inner_text() == tree.grid_a.name
    assert detail.locator("[data-field='numerator']").inner_text() == "1"
    assert detail.locator("[data-field='denominator']").inner_text() == "1"
    link = detail.locator("[data-field='cases']").get_attribute("href")
    assert link == f"{reverse('cases:list')}?unit={tree.grid_a.code}"
    assert_no_horizontal_scroll(page)
    screenshot(page, "2-grid-a")

    # The heat map of the cases.
    page.locator("#map-mode input[value='heat'] + span").tap()
    page.wait_for_selector("#figure-map[data-mode='heat'][data-ready='true']")
    assert page.locator("#figure-map").get_attribute("data-heat-total") == "3"
    page.wait_for_selector("#figure-map canvas.leaflet-heatmap-layer, #figure-map path")
    assert_no_horizontal_scroll(page)
    screenshot(page, "3-heat")
