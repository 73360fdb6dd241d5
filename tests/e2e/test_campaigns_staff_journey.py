"""Community staff run a canvass campaign on a desktop: create it (every rental house of the
community), build the questionnaire, open it, hand one building to a volunteer, follow the
progress and print the QR doorplates; a resident scanning a doorplate on a phone reaches the
house's page. Each step is saved as a screenshot."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from conftest import make_user
from tests.campaigns.helpers import street
from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.campaigns.doorplates import doorplate_path
from wangge.campaigns.models import Campaign, CampaignState, Target
from wangge.org.roles import Role
from wangge.org.services import grant_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _outcome_codes() -> None:
    module = importlib.import_module("wangge.campaigns.migrations.0002_default_outcome_codes")
    module.add_default_outcomes(apps, None)


def test_community_staff_run_a_canvass_campaign_on_a_desktop(
    live_server, cast, open_page, screenshot
):
    _outcome_codes()
    volunteer = make_user("vol_a", "志愿楼长甲")
    grant_role(None, volunteer, cast.tree.grid_a, Role.BUILDING_VOLUNTEER)
    houses = street(cast.tree.grid_a, 4, building="1栋")
    street(cast.tree.grid_b, 2, building="9栋")
    staff = give_password(cast.community_staff)
    page: Any = open_page(DESKTOP)
    log_in(page, live_server.url, staff.username, next_path=reverse("campaigns:create"))

    page.fill("#id_title", "出租屋敲门行动")
    page.select_option("#id_unit", str(cast.tree.community.pk))
    page.fill("#id_starts_on", "2024-01-01")
    page.fill("#id_ends_on", "2030-12-31")
    page.check("input[name='uses'][value='rented']")
    screenshot(page, "1-new")
    with page.expect_navigation():
        page.click("#campaign-save")
    campaign = Campaign.objects.get(title="出租屋敲门行动")

    page.fill("#id_label", "租户人数")
    page.select_option("#id_kind", "number")
    page.check("#id_is_required")
    with page.expect_navigation():
        page.click("#question-add")
    page.fill("#id_label", "是否签订租赁合同")
    page.select_option("#id_kind", "single")
    page.fill("#id_choices", "是\n否")
    with page.expect_navigation():
        page.click("#question-add")
    assert page.locator("li.question-row").count() == 2
    screenshot(page, "2-questions")

    page.goto(f"{live_server.url}{reverse('campaigns:campaign', args=[campaign.pk])}")
    assert "6" in page.locator("#matching").inner_text()
    with page.expect_navigation():
        page.click("#open-campaign")
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN
    assert page.locator("#total-targets").inner_text() == "6"
    screenshot(page, "3-progress")

    with page.expect_navigation():
        page.click("#assign-link")
    page.select_option("#id_assignee", str(volunteer.pk))
    page.select_option("#id_building", str(houses[0].building_id))
    with page.expect_navigation():
        page.click("#assign-submit")
    assert Target.objects.filter(assignee=volunteer).count() == 4
    screenshot(page, "4-assigned")

    page.goto(f"{live_server.url}{reverse('campaigns:doorplates', args=[campaign.pk])}")
    assert page.locator("figure.doorplate svg").count() == 6
    screenshot(page, "5-doorplates")

    resident = open_page(PHONE)
    resident.goto(f"{live_server.url}{doorplate_path(houses[0])}")
    assert resident.locator("#door-address").inner_text() == houses[0].address
    assert_no_horizontal_scroll(resident)
    screenshot(resident, "6-resident-scan")
