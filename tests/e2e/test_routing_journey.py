"""A dispatcher opens a new case: the routing panel suggests its category with how sure the
model is, and lists the open case nearby it repeats. On the desktop the dispatcher merges it
in one click; a second new case is accepted with the suggested category in one click. The
case page still fits a phone with both panels.

UI text is Chinese here, so steps find elements by id and check numbers and states."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import file_case
from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.routing.examples import labelled
from wangge.cases.models import Case
from wangge.routing import classifier, services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOISE = "幸福花园小区三栋楼下工地半夜施工，噪音很大，吵得居民睡不着"


def _model_installed() -> None:
    texts, labels = labelled(20)
    model, _report = classifier.train(texts, labels)
    services.install_model(None, classifier.to_bytes(model))


def test_dispatcher_merges_a_repeat_and_accepts_with_the_suggestion(
    live_server, cast, open_page, screenshot
) -> None:
    _model_installed()
    first = file_case(cast.grid_worker_a, category="E0101", description=NOISE)
    again = file_case(
        cast.grid_worker_a, category="E0101", description="幸福花园三栋工地半夜施工噪音，吵得睡不着"
    )
    lamp = file_case(
        cast.grid_worker_a, category="E0101", description="晚上路灯不亮，灯杆闪烁，很黑"
    )
    services.suggest_new_cases()
    dispatcher = give_password(cast.dispatcher)

    phone: Any = open_page(PHONE)
    log_in(
        phone,
        live_server.url,
        dispatcher.username,
        next_path=reverse("cases:detail", args=[again.number]),
    )
    phone.wait_for_selector("#routing-suggestion")
    phone.wait_for_selector("#routing-duplicates")
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "1-phone-panels")

    desk: Any = open_page(DESKTOP)
    log_in(
        desk,
        live_server.url,
        dispatcher.username,
        next_path=reverse("cases:detail", args=[again.number]),
    )
    duplicates = desk.locator("#routing-duplicates")
    assert first.number in duplicates.inner_text()
    screenshot(desk, "2-desktop-panels")
    duplicates.locator("button[type=submit]").first.click()
    desk.wait_for_load_state()
    assert Case.objects.get(pk=again.pk).state == "merged"

    desk.goto(live_server.url + reverse("cases:detail", args=[lamp.number]))
    suggestion = desk.locator("#routing-suggestion")
    assert "C0104" in suggestion.inner_text()
    suggestion.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    lamp = Case.objects.select_related("category").get(pk=lamp.pk)
    assert (lamp.state, lamp.category.code) == ("accepted", "C0104")
    screenshot(desk, "3-accepted")
