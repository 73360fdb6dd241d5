"""A villager votes with the one-time link they were sent, on a phone, without an account:
reads the question and options, votes, changes their mind (the vote allows it until the close),
and after the organiser closes the vote opens the same link to find the published result.

UI text is Chinese here, so steps find elements by id and check counts and names from the data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.browser import PHONE, assert_no_horizontal_scroll
from tests.meetings.helpers import links, list_vote
from wangge.core import clock
from wangge.meetings import services
from wangge.meetings.models import Ballot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_fits_the_phone(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def test_villager_votes_with_a_one_time_link(live_server, cast, open_page, screenshot):
    vote = list_vote(
        cast.tree.community,
        cast.community_staff,
        ["陈一", "李二", "王三"],
        question="是否同意使用村集体资金硬化石冲村二巷道路？",
        is_secret=True,
        is_changeable=True,
        closes_at=clock.now() + timedelta(days=2),
    )
    mine, neighbour, _third = links(cast.community_staff, vote)
    services.cast_ballot(neighbour, 0)
    page = open_page(PHONE)

    # Opens the link: the question, three big options, no account asked for.
    page.goto(f"{live_server.url}/public/meetings/ballot/{mine}/")
    assert "石冲村二巷" in page.inner_text("#vote-question")
    options = page.locator("#ballot-form input[type=radio]")
    assert options.count() == 3
    box = page.locator("#ballot-form label").first.bounding_box()
    assert box["height"] >= 44
    assert "陈一" not in page.content()
    assert_fits_the_phone(page)
    screenshot(page, "1-question")

    # Votes against, then changes to in favour.
    page.locator("#ballot-form label").nth(1).click()
    with page.expect_navigation():
        page.click("#cast-ballot")
    assert page.locator("#ballot-done").is_visible()
    assert page.locator("#my-choice").is_visible()
    screenshot(page, "2-voted")
    page.locator("#ballot-form label").nth(0).click()
    with page.expect_navigation():
        page.click("#cast-ballot")
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == [0, 0]
    assert_fits_the_phone(page)
    screenshot(page, "3-changed")

    # The organiser closes the vote; the same link now shows the published result.
    services.close_vote(cast.community_staff, vote)
    page.goto(f"{live_server.url}/public/meetings/ballot/{mine}/")
    result = page.inner_text("#vote-result")
    assert "2" in result and "3" in result
    assert page.locator("#ballot-form").count() == 0
    assert_fits_the_phone(page)
    screenshot(page, "4-result")

    page.goto(f"{live_server.url}/public/meetings/votes/{vote.pk}/")
    assert page.locator("#vote-result").is_visible()
    screenshot(page, "5-public-result")
