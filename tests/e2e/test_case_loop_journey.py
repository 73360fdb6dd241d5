"""One case goes round the whole loop in real browsers, each person on the screen they use: a
grid worker reports it on a phone with a photo, the place and the resident's phone; the
dispatcher accepts and dispatches it at a desk; the department's handler signs for it and
finishes it with a photo on a phone; the grid worker verifies it; the dispatcher closes it; the
resident looks it up on the public page and rates it; the leader's dashboard counts it.

UI text is Chinese here, so steps find elements by id, form action and value, never by words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from tests.cases.loop_helpers import DEPARTMENT, DEPARTMENT_CATEGORY
from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    give_password,
    log_in,
)
from wangge.cases.models import Case, Category

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESIDENT_PHONE = "13800138000"


def photo(tmp_path: Path, name: str, colour: str) -> Path:
    path = tmp_path / name
    Image.new("RGB", (1200, 900), colour).save(path, format="JPEG", quality=85)
    return path


def take_step(page: Any, number: str, action: str, fill: dict[str, str] | None = None) -> None:
    """Open the step's form on the case page, fill it and send it; back on the case page."""
    form = page.locator(f"form[action='{reverse('cases:action', args=[number, action])}']")
    form.locator("xpath=..").locator("summary").click()
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("cases:detail", args=[number])), page.url


def state_of(number: str) -> str:
    return Case.objects.get(number=number).state


def test_a_case_goes_round_the_loop_in_the_browser(
    live_server, cast, open_page, screenshot, tmp_path
):
    base = live_server.url
    category = Category.objects.get(code=DEPARTMENT_CATEGORY)

    # --- a grid worker reports it on a phone ---------------------------------------------------
    worker = open_page(PHONE)
    log_in(worker, base, give_password(cast.grid_worker_a).username, reverse("cases:report"))
    worker.fill("#category-search", category.name)
    worker.locator(f".category-option:has(input[value='{DEPARTMENT_CATEGORY}'])").tap()
    worker.locator("#report-map").scroll_into_view_if_needed()
    worker.locator("#report-map").tap()
    worker.locator("#report-grid [data-grid-name]").wait_for()
    worker.fill("#id_description", "石冲路 12 号路灯不亮，晚上很黑")
    worker.locator(".report-reporter summary").tap()
    worker.fill("#id_reporter_name", "陈女士")
    worker.fill("#id_reporter_phone", RESIDENT_PHONE)
    worker.set_input_files("#id_photos", str(photo(tmp_path, "lamp.jpg", "#334155")))
    worker.wait_for_selector("#photo-list .photo[data-uid]")
    with worker.expect_navigation():
        worker.locator("#report-submit").tap()
    number = worker.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(number=number)
    assert case.area == cast.tree.grid_a and case.attachments.count() == 1
    assert_no_horizontal_scroll(worker)
    screenshot(worker, "1-reported")

    # --- the dispatcher finds it in their work, accepts it and dispatches it ------------------
    desk = open_page(DESKTOP)
    log_in(desk, base, give_password(cast.dispatcher).username, reverse("cases:my_work"))
    desk.locator(f"a[href='{reverse('cases:detail', args=[number])}']").first.click()
    screenshot(desk, "2-to-accept")
    take_step(desk, number, "accept")
    assert state_of(number) == "accepted"
    take_step(desk, number, "dispatch", {"select[name='dispatch-department']": DEPARTMENT})
    assert state_of(number) == "dispatched"
    screenshot(desk, "3-dispatched")

    # --- the department's handler signs for it and finishes it with a photo -------------------
    handler = open_page(PHONE)
    log_in(handler, base, give_password(cast.department_handler).username, reverse("cases:my_work"))
    handler.locator(f"a[href='{reverse('cases:detail', args=[number])}']").first.tap()
    take_step(handler, number, "sign")
    assert state_of(number) == "handling"
    finish = handler.locator(f"form[action='{reverse('cases:action', args=[number, 'finish'])}']")
    finish.locator("xpath=..").locator("summary").tap()
    finish.locator("textarea[name='finish-note']").fill("已更换灯泡，恢复照明")
    finish.locator("input[name='finish-attachments']").set_input_files(
        str(photo(tmp_path, "fixed.jpg", "#fde047"))
    )
    with handler.expect_navigation():
        finish.locator("button[type=submit]").tap()
    assert state_of(number) == "handled"
    assert Case.objects.get(number=number).attachments.count() == 2
    assert_no_horizontal_scroll(handler)
    screenshot(handler, "4-handled")

    # --- the grid worker verifies it on the spot; the dispatcher closes it --------------------
    worker.goto(f"{base}{reverse('cases:detail', args=[number])}")
    take_step(worker, number, "verify", {"textarea[name='verify-note']": "现场核查，路灯已亮"})
    assert state_of(number) == "verified"
    desk.goto(f"{base}{reverse('cases:detail', args=[number])}")
    take_step(desk, number, "close")
    assert state_of(number) == "closed"
    screenshot(desk, "5-closed")

    # --- the resident looks it up on the public page and rates it -----------------------------
    resident = open_page(PHONE)
    resident.goto(f"{base}{reverse('public:lookup')}")
    resident.fill("#id_number", number)
    resident.fill("#id_phone", RESIDENT_PHONE)
    with resident.expect_navigation():
        resident.locator("button[type=submit].primary").tap()
    assert resident.url.endswith(reverse("public:case", args=[number]))
    resident.locator("input[name=rating][value=satisfied]").check()
    with resident.expect_navigation():
        resident.locator("form.public-rate button[type=submit]").tap()
    case = Case.objects.get(number=number)
    assert case.state == "closed" and case.rating == "satisfied"
    assert_no_horizontal_scroll(resident)
    screenshot(resident, "6-rated")

    # --- the leader's dashboard counts it ------------------------------------------------------
    leader = open_page(DESKTOP)
    log_in(leader, base, give_password(cast.leader).username, reverse("analytics:dashboard"))
    figures = leader.locator(".stats-grid .stat strong").all_inner_texts()
    assert figures[0] == "1"  # reported in the period
    rates = leader.locator(".rates .value").all_inner_texts()
    assert rates[1] == "100.0%" and rates[2] == "100.0%"  # resolved, satisfied
    leader.wait_for_selector("#chart-daily svg")
    screenshot(leader, "7-dashboard")
