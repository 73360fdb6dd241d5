"""Journeys through the org pages in a real browser: a grid worker on a phone, an administrator
importing grids at a desk, a leader browsing the tree.

UI text is translated, so steps find elements by id, role attributes and data, and check names
and codes from the cast rather than English words.
"""

from __future__ import annotations

import json

import pytest

from conftest import LAT0, LON0, SIDE, square
from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.org.models import OrgUnit
from wangge.org.services import import_boundaries

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def feature_collection(*features: dict) -> bytes:
    return json.dumps(
        {"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False
    ).encode()


def grid_feature(code: str, name: str, parent_code: str, geometry: dict) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "parent_code": parent_code},
        "geometry": geometry,
    }


def test_grid_worker_logs_in_and_finds_their_grid_on_a_phone(
    live_server, cast, open_page, screenshot
):
    worker = give_password(cast.grid_worker_a)
    grid = cast.tree.grid_a
    page = open_page(
        PHONE,
        geolocation={"longitude": LON0 + SIDE / 2, "latitude": LAT0 + SIDE / 2},
        permissions=["geolocation"],
    )

    # Logs in on the phone and lands on the workbench.
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert_no_horizontal_scroll(page)
    screenshot(page, "1-login")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", "e2e-correct-horse-battery")
    with page.expect_navigation():
        page.tap("button[type=submit].primary")
    assert page.url == f"{live_server.url}/"
    assert_no_horizontal_scroll(page)
    screenshot(page, "2-workbench")

    # Opens the grid map from the main menu; their grid is drawn and fitted.
    with page.expect_navigation():
        page.tap("nav.nav a[href='/org/map/']")
    page.wait_for_selector("#grid-map[data-ready='true']")
    page.wait_for_selector("#grid-map path.leaflet-interactive")
    assert_no_horizontal_scroll(page)
    screenshot(page, "3-map")

    # Taps the grid in the middle of the map and reads its name in the bottom panel.
    page.locator("#grid-map").tap()
    panel = page.locator("#grid-panel")
    panel.wait_for(state="visible")
    assert panel.locator("[data-field='name']").inner_text() == grid.name
    assert panel.locator("[data-field='code']").inner_text() == grid.code
    assert cast.grid_worker_a.full_name in panel.locator("[data-field='workers']").inner_text()
    box = panel.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)  # a bottom sheet
    assert_no_horizontal_scroll(page)
    screenshot(page, "4-grid-tapped")

    # Closes the panel and asks "where am I?": the phone's position lies in the same grid.
    page.tap("#grid-panel [data-close]")
    panel.wait_for(state="hidden")
    page.tap("#locate-button")
    panel.wait_for(state="visible")
    page.wait_for_selector("#grid-panel [data-here]:not([hidden])")
    assert panel.locator("[data-field='name']").inner_text() == grid.name
    screenshot(page, "5-where-am-i")

    # Opens the grid's own page from the panel.
    with page.expect_navigation():
        panel.locator("[data-field='link']").tap()
    assert page.url == f"{live_server.url}/org/units/{grid.code}/"
    assert page.locator("h1").inner_text() == grid.name
    page.wait_for_selector("#unit-map path")
    assert_no_horizontal_scroll(page)
    screenshot(page, "6-grid-page")


def test_administrator_imports_grids_and_sees_feature_errors(
    live_server, cast, open_page, screenshot
):
    admin = give_password(cast.administrator)
    community = cast.tree.community.code
    page = open_page(DESKTOP)
    log_in(page, live_server.url, admin.username)

    screenshot(page, "1-workbench")
    with page.expect_navigation():
        page.click(".cards a[href='/org/grids/import/']")
    assert page.locator("nav.nav a[href='/org/grids/import/'][aria-current='page']").count() == 1
    screenshot(page, "2-import-page")

    # A file with two bad features: nothing is written, both are named next to the field.
    before = OrgUnit.objects.count()
    bad = feature_collection(
        grid_feature("440703006107003", "石冲社区第三网格", community, square(LON0, LAT0 - SIDE)),
        grid_feature("440703006107004", "", community, square(LON0 + SIDE, LAT0 - SIDE)),
        grid_feature("440703006107005", "重叠网格", community, square(LON0, LAT0)),
    )
    page.set_input_files(
        "#id_file", {"name": "bad.geojson", "mimeType": "application/geo+json", "buffer": bad}
    )
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    errors = page.locator(".errors-list li")
    assert errors.count() >= 2
    texts = errors.all_inner_texts()
    assert any("2" in text and "440703006107004" in text for text in texts)
    assert any("3" in text and "440703006107005" in text for text in texts)
    assert page.locator("#id_file[aria-invalid='true']").count() == 1
    assert OrgUnit.objects.count() == before
    screenshot(page, "3-feature-errors")

    # The corrected file: one grid created, one renamed, one left as it was.
    good = feature_collection(
        grid_feature("440703006107003", "石冲社区第三网格", community, square(LON0, LAT0 - SIDE)),
        grid_feature(cast.tree.grid_b.code, "第二网格（新）", community, square(LON0 + SIDE, LAT0)),
        grid_feature(cast.tree.grid_a.code, cast.tree.grid_a.name, community, square(LON0, LAT0)),
    )
    page.set_input_files(
        "#id_file", {"name": "good.geojson", "mimeType": "application/geo+json", "buffer": good}
    )
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert page.locator("[data-count='created']").inner_text() == "1"
    assert page.locator("[data-count='updated']").inner_text() == "1"
    assert page.locator("[data-count='unchanged']").inner_text() == "1"
    assert page.locator(".errors-list").count() == 0
    assert OrgUnit.objects.filter(code="440703006107003").exists()
    screenshot(page, "4-counts")

    # The map opens on the new grid, its panel beside the map.
    with page.expect_navigation():
        page.click(".import-result a[href^='/org/map/']")
    page.wait_for_selector("#grid-map[data-ready='true']")
    assert page.locator("#grid-map path.leaflet-interactive").count() == 4
    panel = page.locator("#grid-panel")
    panel.wait_for(state="visible")
    assert panel.locator("[data-field='name']").inner_text() == "石冲社区第三网格"
    box = panel.bounding_box()
    assert box["x"] > DESKTOP["width"] / 2  # a side panel, not a bottom sheet
    screenshot(page, "5-map")


def test_leader_browses_the_org_tree(live_server, cast, open_page, screenshot):
    leader = give_password(cast.leader)
    tree = cast.tree
    # The community is a square twice as tall as its two grids, which leave its top half bare.
    outline = square(LON0, LAT0, side=SIDE * 2)
    boundary = {"type": "Feature", "properties": {"code": tree.community.code}, "geometry": outline}
    import_boundaries(None, {"type": "FeatureCollection", "features": [boundary]})
    page = open_page(DESKTOP)
    log_in(page, live_server.url, leader.username)

    with page.expect_navigation():
        page.click("nav.nav a[href='/org/']")
    assert page.locator("h1").inner_text() == tree.district.name
    assert page.locator("nav.nav a[href='/org/'][aria-current='page']").count() == 1
    screenshot(page, "1-district")

    for unit in (tree.town, tree.community):
        with page.expect_navigation():
            page.click(f".unit-rows a[href='/org/units/{unit.code}/']")
        assert page.locator("h1").inner_text() == unit.name
    page.wait_for_selector("#unit-map path")
    assert page.locator(".unit-rows tbody tr").count() == 2
    screenshot(page, "2-community")

    with page.expect_navigation():
        page.click(f".unit-rows a[href='/org/units/{tree.grid_a.code}/']")
    assert page.locator("h1").inner_text() == tree.grid_a.name
    assert cast.grid_worker_a.full_name in page.locator(".people").inner_text()
    crumbs = page.locator("nav.breadcrumbs a")
    assert crumbs.all_inner_texts() == [tree.district.name, tree.town.name, tree.community.name]
    screenshot(page, "3-grid")

    with page.expect_navigation():
        crumbs.nth(2).click()
    with page.expect_navigation():
        page.click(f"a[href='/org/units/{tree.community.code}/gaps/']")
    page.wait_for_selector("#gaps-map path")
    assert page.locator("h1").inner_text().find(tree.community.name) >= 0
    screenshot(page, "4-gaps")


def test_administrator_reads_every_org_page_on_a_phone(live_server, cast, open_page, screenshot):
    admin = give_password(cast.administrator)
    tree = cast.tree
    page = open_page(PHONE)
    log_in(page, live_server.url, admin.username)
    pages = {
        "1-district": f"/org/units/{tree.district.code}/",
        "2-community": f"/org/units/{tree.community.code}/",
        "3-gaps": f"/org/units/{tree.town.code}/gaps/",
        "4-import": "/org/grids/import/",
    }
    for step, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        if page.locator("#unit-map").count():
            page.wait_for_selector("#unit-map path")
        assert_no_horizontal_scroll(page)
        screenshot(page, step)

    # A refused file: the long error lines wrap instead of widening the page.
    bad = feature_collection(
        grid_feature("440703006107099", "", tree.community.code, square(LON0, LAT0)),
    )
    page.set_input_files(
        "#id_file", {"name": "bad.geojson", "mimeType": "application/geo+json", "buffer": bad}
    )
    with page.expect_navigation():
        page.tap("form button[type=submit].primary")
    assert page.locator(".errors-list li").count() == 2
    assert_no_horizontal_scroll(page)
    screenshot(page, "5-import-errors")
