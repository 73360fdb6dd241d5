"""A building volunteer works through their canvass list on a phone (375×667, in Chinese): opens
the list, records a visit, loses the network and records the next visit offline (kept on the
phone, shown as waiting to be sent), and when the network is back it is sent by itself, once:
the database holds exactly one visit for that house. No page scrolls sideways; every step is
saved as a screenshot.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from conftest import make_user
from tests.campaigns.helpers import opened, street
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.campaigns import services
from wangge.campaigns.models import Target, Visit
from wangge.org.roles import Role
from wangge.org.services import grant_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _outcome_codes() -> None:
    module = importlib.import_module("wangge.campaigns.migrations.0002_default_outcome_codes")
    module.add_default_outcomes(apps, None)


def _fits(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def _fill_visit(page: Any, outcome: str, tenants: str) -> None:
    page.locator(f"label[for='outcome-{outcome}']").tap()
    page.locator("input[inputmode='decimal']").fill(tenants)
    page.locator(".field fieldset.choices label", has_text="是").first.tap()


def test_building_volunteer_works_through_a_canvass_list_offline_by_phone(
    live_server, cast, open_page, screenshot
):
    _outcome_codes()
    volunteer = make_user("vol_a", "志愿楼长甲")
    grant_role(None, volunteer, cast.tree.grid_a, Role.BUILDING_VOLUNTEER)
    give_password(volunteer)
    block = street(cast.tree.grid_a, 4, building="1栋")
    street(cast.tree.grid_a, 2, building="2栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    services.assign_targets(
        cast.community_staff,
        campaign,
        services.Selection(building_id=block[0].building_id),
        volunteer,
    )
    mine = list(Target.objects.filter(assignee=volunteer).order_by("floor", "number"))
    list_url = reverse("campaigns:mine", args=[campaign.pk])

    page = open_page(PHONE)
    log_in(page, live_server.url, volunteer.username, next_path=list_url)
    assert page.url == f"{live_server.url}{list_url}"
    assert page.locator("li.target-row").count() == 4
    _fits(page)
    screenshot(page, "1-list")

    # The first house: recorded online, back to the list.
    with page.expect_navigation():
        page.locator(f"li[data-target='{mine[0].pk}'] a").tap()
    _fits(page)
    screenshot(page, "2-form")
    _fill_visit(page, "registered", "2")
    with page.expect_navigation(url=f"{live_server.url}{list_url}"):
        page.locator("#visit-submit").tap()
    assert page.locator("li.target-row").count() == 3
    screenshot(page, "3-after-first")

    # The second house: the network drops after the form is open.
    with page.expect_navigation():
        page.locator(f"li[data-target='{mine[1].pk}'] a").tap()
    page.context.set_offline(True)
    page.wait_for_selector("#offline-note:not([hidden])")
    _fill_visit(page, "not_home", "0")
    page.locator("#visit-submit").tap()
    page.wait_for_selector("#pending:not([hidden])")
    assert page.locator("#pending-count").inner_text() == "1"
    assert page.locator("#pending-list li").count() == 1
    assert "1栋" in page.locator("#pending-list").inner_text()
    assert not Visit.objects.filter(target=mine[1]).exists()
    _fits(page)
    screenshot(page, "4-kept-offline")

    # The network is back: the visit is sent by itself, once.
    page.context.set_offline(False)
    page.wait_for_selector("#pending", state="hidden")
    assert Visit.objects.filter(target=mine[1]).count() == 1
    # Sending again (another tap, another page) finds nothing left to send.
    page.locator("#pending-send").evaluate("button => button.click()")
    page.wait_for_timeout(300)
    assert Visit.objects.filter(target=mine[1]).count() == 1
    stored = Visit.objects.get(target=mine[1])
    assert (stored.outcome.code, stored.visitor) == ("not_home", volunteer)
    screenshot(page, "5-sent")

    page.goto(f"{live_server.url}{list_url}")
    # Not at home: still on the list to revisit, with its outcome.
    row = page.locator(f"li[data-target='{mine[1].pk}']")
    assert "无人在家" in row.inner_text()
    assert Visit.objects.filter(visitor=volunteer).count() == 2
    _fits(page)
    screenshot(page, "6-list-again")


def test_building_volunteer_opens_a_visit_form_kept_for_offline_use(
    live_server, cast, open_page, screenshot
):
    """The service worker keeps the list's visit forms: with no network, a form still opens and
    its visit waits on the phone until the network is back."""
    _outcome_codes()
    volunteer = make_user("vol_a", "志愿楼长甲")
    grant_role(None, volunteer, cast.tree.grid_a, Role.BUILDING_VOLUNTEER)
    give_password(volunteer)
    block = street(cast.tree.grid_a, 2, building="1栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    services.assign_targets(
        cast.community_staff,
        campaign,
        services.Selection(building_id=block[0].building_id),
        volunteer,
    )
    target = Target.objects.filter(assignee=volunteer).order_by("floor", "number").last()
    list_url = reverse("campaigns:mine", args=[campaign.pk])
    form_url = f"{live_server.url}{reverse('campaigns:target', args=[target.pk])}"
    page = open_page(PHONE)
    log_in(page, live_server.url, volunteer.username, next_path=list_url)
    # The list's script asked the service worker to keep the forms; wait until it has.
    for _attempt in range(50):
        if page.evaluate("url => caches.match(url).then(Boolean)", form_url):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the service worker kept no visit form")
    page.context.set_offline(True)
    page.goto(form_url)
    _fill_visit(page, "back_tonight", "1")
    page.locator("#visit-submit").tap()
    page.wait_for_selector("#pending:not([hidden])")
    screenshot(page, "1-offline-form")
    assert not Visit.objects.filter(target=target).exists()
    page.context.set_offline(False)
    page.wait_for_selector("#pending", state="hidden")
    assert Visit.objects.filter(target=target).count() == 1
