"""A grid worker reports a case on a phone, one-handed, in a real browser: finds the category by
searching, pins the place on the map and sees its grid at once, takes a photo (made smaller in
the browser before it is sent), is told by the field what is missing without losing anything,
and lands on the new case.

UI text is translated (Chinese here), so steps find elements by id and data attributes, and
check names and codes from the cast and the category list rather than words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from conftest import SIDE
from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY, IN_GRID_A
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.cases.models import Attachment, Case, Category

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_fits_the_phone(page: Any) -> None:
    """No sideways scroll, and no layout wider than the phone: a phone browser would widen its
    layout viewport to such content, which the shared check alone does not notice."""
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def camera_photo(tmp_path: Path, size: tuple[int, int] = (3000, 2250)) -> Path:
    """A photo as large as a phone camera's (the server alone would keep it at 2560 px)."""
    path = tmp_path / "IMG_20261124_093000.jpg"
    image = Image.new("RGB", size, "#7a8f5c")
    for x in range(0, size[0], 150):  # some detail, so it is not a trivially small file
        image.paste("#d1b36a", (x, 0, x + 40, size[1]))
    image.save(path, format="JPEG", quality=90)
    return path


def test_grid_worker_reports_a_case_by_phone(live_server, cast, open_page, screenshot, tmp_path):
    worker = give_password(cast.grid_worker_a)
    category = Category.objects.get(code=GRID_ENTRY_CATEGORY)
    page = open_page(PHONE)
    log_in(page, live_server.url, worker.username, next_path=reverse("cases:report"))
    assert page.url == f"{live_server.url}{reverse('cases:report')}"
    page.wait_for_selector("#report-map svg path")  # the worker's grids are drawn
    assert_fits_the_phone(page)
    # The send button is in reach of the thumb before anything is scrolled.
    button = page.locator("#report-submit").bounding_box()
    assert button["y"] + button["height"] <= PHONE["height"]
    assert button["height"] >= 44
    screenshot(page, "1-form")

    # Finds the category by typing part of its name, and taps it: the list folds away.
    everything = page.locator(".category-option").count()
    page.fill("#category-search", category.name[:2])
    visible = page.locator(".category-option:visible")
    assert 1 <= visible.count() < everything
    assert all(category.name[:2] in text for text in visible.all_inner_texts())
    page.locator(f".category-option:has(input[value='{GRID_ENTRY_CATEGORY}'])").tap()
    page.wait_for_selector("[data-category-chosen]:visible")
    assert page.locator("[data-category-chosen-name]").inner_text() == category.name
    assert page.locator(".category-list:visible").count() == 0
    # On the grid-entry list: resolving on the spot may be chosen.
    assert page.locator("#id_resolve").is_enabled()

    # Taps the map inside grid A (the worker's own grid, in the middle of the map): the grid's
    # name and its community appear at once.
    page.locator("#report-map").scroll_into_view_if_needed()
    page.locator("#report-map").tap()
    grid_name = page.locator("#report-grid [data-grid-name]")
    grid_name.wait_for()
    assert grid_name.inner_text() == cast.tree.grid_a.name
    assert cast.tree.community.name in page.locator("#report-grid").inner_text()
    lon, lat = float(page.input_value("#id_lon")), float(page.input_value("#id_lat"))
    assert abs(lon - IN_GRID_A[0]) < SIDE / 2 and abs(lat - IN_GRID_A[1]) < SIDE / 2
    screenshot(page, "2-place")

    # Asks for the phone's position instead: the pin moves there, in the same grid.
    page.context.set_geolocation({"longitude": IN_GRID_A[0], "latitude": IN_GRID_A[1]})
    page.context.grant_permissions(["geolocation"])
    page.locator("#use-position").tap()
    page.wait_for_function(
        "lon => document.getElementById('id_lon').value === lon", arg=f"{IN_GRID_A[0]:.7f}"
    )
    assert page.input_value("#id_lat") == f"{IN_GRID_A[1]:.7f}"
    grid_name.wait_for()
    assert grid_name.inner_text() == cast.tree.grid_a.name

    # Takes a photo: it is made smaller in the browser and sent at once.
    page.set_input_files("#id_photos", str(camera_photo(tmp_path)))
    page.wait_for_selector("#photo-list .photo[data-uid]")
    stored = Attachment.objects.get()
    with Image.open(stored.file.path) as sent:
        assert max(sent.size) <= 1600
    assert stored.case_id is None

    # Sends without saying what is wrong: told so by the field, and nothing typed is lost.
    page.locator("#report-submit").tap()
    error = page.locator("#description-error")
    error.wait_for()
    assert error.inner_text()
    assert page.locator("#id_description[aria-invalid='true']").count() == 1
    assert page.locator("#report-grid [data-grid-name]").inner_text() == cast.tree.grid_a.name
    assert page.locator("#photo-list .photo[data-uid]").count() == 1
    assert page.locator("[data-category-chosen-name]").inner_text() == category.name
    assert Case.objects.count() == 0
    assert_fits_the_phone(page)
    screenshot(page, "3-refused")

    # Says what is wrong and sends again: lands on the new case.
    page.fill("#id_description", "路边有一堆暴露垃圾，约两立方米")
    with page.expect_navigation():
        page.locator("#report-submit").tap()
    case = Case.objects.select_related("area", "category").get()
    assert page.url == f"{live_server.url}{reverse('cases:detail', args=[case.number])}"
    assert case.area == cast.tree.grid_a
    assert case.category.code == GRID_ENTRY_CATEGORY
    assert case.reported_by == worker
    assert [a.uid for a in case.attachments.all()] == [stored.uid]
    screenshot(page, "4-filed")

    # Back on the form: a new, empty report (the draft went with the filed case).
    page.goto(f"{live_server.url}{reverse('cases:report')}")
    assert page.input_value("#id_description") == ""
    assert page.locator("#report-draft").is_hidden()
