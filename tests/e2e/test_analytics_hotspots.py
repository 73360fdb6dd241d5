"""A dispatcher looks at the week's hot spots on a phone: the hottest place first with its
cases beside the usual level, opens the cases behind it in place, and follows one to the case.

UI text is translated (Chinese here), so steps find elements by class, id and data attributes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.analytics.hotspot_helpers import TODAY, WEEK, file_on, history
from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY, IN_GRID_B
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dispatcher_opens_the_cases_behind_a_hot_spot_by_phone(
    live_server, cast, open_page, screenshot
):
    history(cast)
    hot = file_on(cast, TODAY, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, count=4)
    dispatcher = give_password(cast.dispatcher)
    page = open_page(PHONE)
    url = f"{reverse('analytics:hotspots')}?first={WEEK.first}&last={WEEK.last}"
    log_in(page, live_server.url, dispatcher.username)
    page.goto(f"{live_server.url}{url}")
    page.wait_for_selector(".hotspot")
    assert page.evaluate("() => document.documentElement.lang").startswith("zh")
    assert_no_horizontal_scroll(page)
    first = page.locator(".hotspot").first
    assert cast.tree.grid_b.name in first.inner_text()
    assert first.locator(".hotspot-figures .hot").inner_text() == "4"
    screenshot(page, "1-list")

    first.locator(".hotspot-open").click()
    first.locator(".hotspot-case-list li").nth(3).wait_for()
    assert first.locator(".hotspot-case-list li").count() == 4
    assert page.url.endswith(url)  # opened in place
    assert_no_horizontal_scroll(page)
    screenshot(page, "2-cases")

    first.locator(".hotspot-case-list a").first.click()
    page.wait_for_load_state()
    assert any(page.url.endswith(f"/cases/{case.number}/") for case in hot)
    screenshot(page, "3-case")
