"""A dispatcher looks at the week's hot topics on a phone: the noise complaints of one estate
first, marked as an alert, with their figures; opens the cases behind it in place and follows
one to the case.

UI text is translated (Chinese here), so steps find elements by class, id and data attributes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.routing.test_hot_topics import BEFORE, FIRST, LIGHTS, NOISE, TODAY, file_topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dispatcher_opens_the_cases_behind_a_hot_topic_by_phone(
    live_server, cast, open_page, screenshot
):
    cache.clear()  # ids restart after each journey's flush: no topics of an earlier one
    noise = file_topic(cast, NOISE)
    file_topic(cast, LIGHTS[:3], day=BEFORE)
    file_topic(cast, LIGHTS[1:])
    dispatcher = give_password(cast.dispatcher)
    page = open_page(PHONE)
    url = f"{reverse('analytics:topics')}?first={FIRST}&last={TODAY}"
    log_in(page, live_server.url, dispatcher.username)
    page.goto(f"{live_server.url}{url}")
    page.wait_for_selector(".topic")
    assert page.evaluate("() => document.documentElement.lang").startswith("zh")
    assert_no_horizontal_scroll(page)
    assert page.locator(".topic").count() == 2
    first = page.locator(".topic").first
    assert first.locator(".topic-alert").count() == 1
    assert page.locator(".topic").nth(1).locator(".topic-alert").count() == 0
    assert first.locator(".topic-count").inner_text() == "6"
    assert first.locator(".topic-reporters").inner_text() == "6"
    assert not first.locator(".topic-cases li").first.is_visible()  # folded
    screenshot(page, "1-list")

    first.locator(".topic-cases summary").click()
    first.locator(".topic-cases li").nth(5).wait_for()
    assert first.locator(".topic-cases li").count() == 6
    assert page.url.endswith(url)  # opened in place
    assert_no_horizontal_scroll(page)
    screenshot(page, "2-cases")

    first.locator(".topic-cases a").first.click()
    page.wait_for_load_state()
    assert any(page.url.endswith(f"/cases/{case.number}/") for case in noise)
    screenshot(page, "3-case")
