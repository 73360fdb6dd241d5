"""A grid worker keeps the registry on a phone, in a real browser: opens the registry, finds a
house through the grid's buildings, moves a new person in (registered on the spot with a valid
ID number), reveals that person's phone with a reason, and records a care visit. No step
scrolls sideways; each is saved as a screenshot.

UI text is translated, so steps find elements by id, data attributes and the names of the cast.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.people.helpers import house_in, id_number, person_in
from wangge.people.models import CareVisit, Person, Residence, Reveal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PHONE = "13566667777"


def assert_fits_the_phone(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def test_grid_worker_moves_a_person_in_and_visits_by_phone(
    live_server, cast, open_page, screenshot
):
    grid = cast.tree.grid_a
    house = house_in(grid, "302")
    house_in(grid, "301")
    house_in(grid, "101", building="2栋")
    person_in(grid, "陈玉兰", house=house)
    worker = give_password(cast.grid_worker_a)
    page = open_page(PHONE)
    log_in(page, live_server.url, worker.username, next_path=reverse("people:home"))

    # The registry: the worker's grid with its counts, and the search box.
    assert page.url == f"{live_server.url}{reverse('people:home')}"
    assert_fits_the_phone(page)
    screenshot(page, "1-registry")
    with page.expect_navigation():
        page.locator("a.grid-card-name", has_text=grid.name).tap()
    assert_fits_the_phone(page)
    screenshot(page, "2-grid")

    # Finds the house among the buildings and taps it.
    with page.expect_navigation():
        page.locator(f"a.house-link[href='{reverse('people:house', args=[house.pk])}']").tap()
    assert "陈玉兰" in page.locator(".residents").inner_text()
    assert_fits_the_phone(page)

    # Moves a new person in: the ID number is not on record, so a name registers them.
    number = id_number(born=date(1991, 6, 15), sex="male")
    page.locator("#move-in > summary").tap()
    page.fill("#id_in-document_number", number)
    page.fill("#id_in-name", "周建国")
    page.fill("#id_in-phone", NEW_PHONE)
    page.select_option("#id_in-relation", "tenant")
    screenshot(page, "3-move-in-form")
    with page.expect_navigation():
        page.locator("#move-in-submit").tap()
    assert "周建国" in page.locator(".residents").inner_text()
    newcomer = Person.objects.get(name="周建国")
    assert Residence.objects.filter(person=newcomer, house=house, moved_out=None).exists()
    html = page.content()
    assert number not in html and NEW_PHONE not in html
    assert_fits_the_phone(page)
    screenshot(page, "4-moved-in")

    # Opens the newcomer's page: the numbers are masked.
    with page.expect_navigation():
        page.locator(f".resident[data-person='{newcomer.pk}'] a.row-link").tap()
    assert page.locator("[data-masked=phone]").inner_text() == "135****7777"
    assert NEW_PHONE not in page.content()
    assert_fits_the_phone(page)
    screenshot(page, "5-person")

    # Reveals the phone with a reason: shown in this answer only, and logged.
    page.locator("#phone-number details.reveal > summary").tap()
    page.fill("#id_reveal_phone-reason", "联系本人核实租住情况")
    with page.expect_navigation():
        page.locator("#phone-number form button[type=submit]").tap()
    assert page.locator("[data-revealed=phone]").inner_text() == NEW_PHONE
    assert "?" not in page.url and NEW_PHONE not in page.url
    logged = Reveal.objects.get()
    assert (logged.actor, logged.person, logged.field) == (worker, newcomer, "phone")
    assert_fits_the_phone(page)
    screenshot(page, "6-revealed")

    # Records a care visit.
    page.locator("#visit-form").locator("xpath=..").locator("summary").tap()
    page.locator("input[name='visit-outcome'][value='well']").check()
    page.fill("#id_visit-found", "身体健康，已登记租住信息")
    assert_fits_the_phone(page)
    screenshot(page, "7-visit-form")
    with page.expect_navigation():
        page.locator("#visit-submit").tap()
    visit = CareVisit.objects.get()
    assert (visit.person, visit.visited_by, visit.outcome) == (newcomer, worker, "well")
    assert "身体健康" in page.locator(".visits").inner_text()
    assert NEW_PHONE not in page.content()
    assert_fits_the_phone(page)
    screenshot(page, "8-visited")

    # The same pages are fine on a desktop too.
    desk = open_page(DESKTOP)
    log_in(desk, live_server.url, worker.username, next_path=reverse("people:home"))
    for step, path in (
        ("desktop-registry", reverse("people:home")),
        ("desktop-grid", reverse("people:grid", args=[grid.code])),
        ("desktop-house", reverse("people:house", args=[house.pk])),
        ("desktop-person", reverse("people:person", args=[newcomer.pk])),
        ("desktop-visits-due", reverse("people:visits_due")),
    ):
        desk.goto(f"{live_server.url}{path}")
        assert_no_horizontal_scroll(desk)
        screenshot(desk, f"9-{step}")
