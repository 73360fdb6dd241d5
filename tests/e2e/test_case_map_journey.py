"""A dispatcher reads the case map on a phone: the grids coloured by their open cases, then by
the overdue ones; taps grid A for its figures and its case, and follows the link to the grid's
case list. At a desk the same map opens on grid A with its panel beside the map.

UI text is Chinese here, so steps find elements by id, data attributes and URLs, never by words.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_B, RESIDENT, file_case
from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.core import clock
from wangge.core.clock import frozen_at

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def grid_path(page: Any, code: str) -> Any:
    return page.locator(f"#case-map path[data-code='{code}']")


def fill_of(page: Any, code: str) -> str:
    return grid_path(page, code).get_attribute("fill")


def test_dispatcher_reads_the_case_map_by_phone(live_server, cast, open_page, screenshot):
    base = live_server.url
    tree = cast.tree
    with frozen_at(clock.now() - timedelta(days=30)):
        late = file_case(RESIDENT, at=IN_GRID_A, description="石冲路 3 号井盖缺失，一个月没人管")
    file_case(RESIDENT, at=IN_GRID_B)
    dispatcher = give_password(cast.dispatcher)

    # Opens the case map from the main menu; the grids are drawn and coloured by open cases.
    page = open_page(PHONE)
    log_in(page, base, dispatcher.username)
    with page.expect_navigation():
        page.tap(f"nav.nav a[href='{reverse('cases:map')}']")
    page.wait_for_selector("#case-map[data-ready='true']")
    grid_path(page, tree.grid_a.code).wait_for()
    page.wait_for_selector("#case-map .case-cluster, #case-map .case-pin")
    blank = fill_of(page, tree.grid_c.code)  # no case
    assert fill_of(page, tree.grid_a.code) != blank
    assert fill_of(page, tree.grid_b.code) != blank
    assert page.locator("#case-map-legend").is_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "1-open-cases")

    # Colours the grids by overdue cases: grid B's only case is not overdue, grid A's is.
    page.locator(".colour-by input[value='overdue'] + span").tap()
    assert fill_of(page, tree.grid_b.code) == blank
    assert fill_of(page, tree.grid_a.code) != blank
    assert page.locator("[data-colour='overdue']").is_visible()
    screenshot(page, "2-overdue-cases")

    # Hides the case markers (at this zoom a tap anywhere on the small grid would land on its
    # marker) and taps grid A: its panel opens.
    page.locator("label.show-cases").tap()
    page.locator("#case-map .case-pin").first.wait_for(state="detached")
    grid_path(page, tree.grid_a.code).tap()
    panel = page.locator("#grid-panel")
    panel.wait_for(state="visible")
    assert panel.locator("[data-field='name']").inner_text() == tree.grid_a.name
    assert panel.locator("[data-field='open']").inner_text() == "1"
    assert panel.locator("[data-field='overdue']").inner_text() == "1"
    assert cast.grid_worker_a.full_name in panel.locator("[data-field='workers']").inner_text()
    case_link = panel.locator(f"a[href='{reverse('cases:detail', args=[late.number])}']")
    case_link.wait_for()
    assert late.title in case_link.inner_text()
    assert panel.locator(".light-red").count() == 1
    box = panel.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)  # a bottom sheet
    assert_no_horizontal_scroll(page)
    screenshot(page, "3-grid-a")

    # Follows the panel's link to the case list of grid A.
    with page.expect_navigation():
        panel.locator("[data-field='list']").tap()
    assert page.url == f"{base}{reverse('cases:list')}?unit={tree.grid_a.code}"
    assert page.locator(f"a[href='{reverse('cases:detail', args=[late.number])}']").count() == 1
    assert_no_horizontal_scroll(page)
    screenshot(page, "4-grid-a-cases")

    # At a desk, the map opens on grid A (?grid=) with its panel beside the map.
    desk = open_page(DESKTOP)
    log_in(desk, base, dispatcher.username, f"{reverse('cases:map')}?grid={tree.grid_a.code}")
    side = desk.locator("#grid-panel")
    side.wait_for(state="visible")
    side.locator(".grid-cases .case-link").first.wait_for()
    box = side.bounding_box()
    assert box["x"] > DESKTOP["width"] / 2 and box["width"] < DESKTOP["width"] / 3  # beside
    assert desk.locator("#case-map-legend").is_visible()
    screenshot(desk, "5-desk")
