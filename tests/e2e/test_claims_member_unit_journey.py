"""A member unit's contact claims a need on a phone and records progress with a photo, in a
real browser; then a resident, without an account, sees the completed agreement on the
community's public page, with no person's name or phone on it. No step scrolls sideways; each
is saved as a screenshot.

UI text is Chinese here, so steps find elements by id and data attributes and check the names
the test itself gave.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from tests.claims.helpers import CONTACT_PHONE, contact_account, member_unit, need, resource, today
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.claims.models import Agreement, AgreementState, Evidence, NeedState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_fits_the_phone(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def site_photo(tmp_path: Path) -> Path:
    path = tmp_path / "IMG_site.jpg"
    image = Image.new("RGB", (1600, 1200), "#8fb3d9")
    for x in range(0, 1600, 120):
        image.paste("#e3c16f", (x, 0, x + 30, 1200))
    image.save(path, format="JPEG", quality=85)
    return path


def test_member_unit_contact_claims_a_need_and_records_progress_by_phone(
    live_server, cast, open_page, screenshot, tmp_path
):
    community = cast.tree.community
    school = member_unit(cast, "石冲小学")
    account = give_password(contact_account(school, "xiaoxue"))
    resource(school, community, title="学校礼堂", quantity=300, unit="人", place="石冲小学")
    wanted = need(
        community,
        title="长者饭堂周末活动场地",
        quantity=60,
        unit="人",
        wanted_by=today() + timedelta(days=10),
        contact_name="欧阳居民",
        contact_phone="13798765432",
    )

    # The contact logs in on a phone and lands on the unit's own page.
    page = open_page(PHONE)
    log_in(page, live_server.url, account.username, next_path=reverse("claims:home"))
    assert page.url == f"{live_server.url}{reverse('claims:unit_home')}"
    assert "长者饭堂周末活动场地" in page.locator("#unit-needs").inner_text()
    assert_fits_the_phone(page)
    screenshot(page, "1-unit-home")

    # Opens the need: the suggested resources with their scores, and the claim form.
    with page.expect_navigation():
        page.locator(f"#unit-needs a[data-need='{wanted.pk}']").tap()
    assert page.locator(".suggestion[data-resource] .score").first.inner_text() == "90"
    assert "欧阳居民" not in page.content() and "13798765432" not in page.content()
    assert_fits_the_phone(page)
    screenshot(page, "2-need")
    page.fill("#id_deliverable_1", "周末开放礼堂")
    page.fill("#id_due_1", (today() + timedelta(days=7)).isoformat())
    button = page.locator("#claim-submit").bounding_box()
    assert button["height"] >= 44
    with page.expect_navigation():
        page.locator("#claim-submit").tap()
    agreement = Agreement.objects.get(need=wanted)
    assert page.url == f"{live_server.url}{reverse('claims:agreement', args=[agreement.pk])}"
    assert agreement.member_unit == school and agreement.contact.user == account
    assert "周末开放礼堂" in page.locator("#deliverables").inner_text()
    assert_fits_the_phone(page)
    screenshot(page, "3-agreement")

    # Records progress with a photo from the phone.
    page.fill("#id_progress-note", "礼堂已开放，长者生日会顺利举办")
    page.select_option("#id_progress-deliverable", str(agreement.deliverables.get().pk))
    page.set_input_files("#id_progress-evidence", str(site_photo(tmp_path)))
    screenshot(page, "4-progress-form")
    with page.expect_navigation():
        page.locator("#progress-submit").tap()
    assert page.locator("#progress .evidence img").count() == 1
    assert Evidence.objects.filter(entry__agreement=agreement).count() == 1
    assert "138" not in page.locator("#progress").inner_text()
    assert_fits_the_phone(page)
    screenshot(page, "5-progress")

    # Completes the agreement: the photo above is its evidence.
    page.locator("#complete > summary").tap()
    page.fill("#id_complete-outcome", "场地共享完成，共开放 2 次")
    with page.expect_navigation():
        page.locator("#complete-submit").tap()
    agreement.refresh_from_db()
    wanted.refresh_from_db()
    assert agreement.state == AgreementState.FULFILLED and wanted.state == NeedState.FULFILLED
    assert page.locator("#agreement-state").get_attribute("class").endswith("state-fulfilled")
    assert_fits_the_phone(page)
    screenshot(page, "6-fulfilled")

    # A resident, without an account, sees the completed agreement and nobody's data.
    resident = open_page(PHONE)
    resident.goto(f"{live_server.url}{reverse('public_claims:community', args=[community.code])}")
    listed = resident.locator("#completed-agreements").inner_text()
    assert "长者饭堂周末活动场地" in listed and "石冲小学" in listed
    html = resident.content()
    for personal in ("欧阳居民", "13798765432", "王联络", CONTACT_PHONE, "139****5678", "xiaoxue"):
        assert personal not in html, personal
    assert_fits_the_phone(resident)
    screenshot(resident, "7-public")
