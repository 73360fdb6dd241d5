"""A grid worker raises a need of a household from its visit page on a phone: a refusal beside
the field, then the need raised and listed on the page; each step saved as a screenshot."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.campaigns.helpers import opened, street
from tests.e2e.browser import PHONE, give_password, log_in
from wangge.campaigns.models import Target
from wangge.claims.models import Need, NeedSource


def test_grid_worker_raises_a_need_on_a_phone(live_server, cast, open_page, screenshot):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    target = Target.objects.filter(campaign=campaign, grid=cast.tree.grid_a).first()
    worker = give_password(cast.grid_worker_a)
    page: Any = open_page(PHONE)
    log_in(
        page,
        live_server.url,
        worker.username,
        next_path=reverse("campaigns:target", args=[target.pk]),
    )
    page.click("#need-title")
    page.select_option("#id_need_kind", "repair")
    with page.expect_navigation():
        page.click("#need-submit")
    assert page.locator(".field.has-error #id_need_title").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "1-refused")
    page.fill("#id_need_title", "楼道灯维修")
    page.fill("#id_need_description", "三楼楼道灯坏了")
    with page.expect_navigation():
        page.click("#need-submit")
    assert "楼道灯维修" in page.locator("#needs-raised").inner_text()
    screenshot(page, "2-raised")
    assert Need.objects.get().source == NeedSource.CANVASS
