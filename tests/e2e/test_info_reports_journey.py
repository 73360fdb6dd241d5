"""A grid worker on a phone sends a first report (首报) of a fire with a photo within its time
limit; a dispatcher at the district's command centre signs for it (签收) and asks for a
continued report (要求续报) by a deadline; the grid worker, on the phone again, sends it (续报).

UI text is translated (Chinese here), so steps find elements by id and check names, numbers and
data rather than words."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.info_reports.models import EntryAttachment, EntryKind, InfoKind, InfoReport

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def _fits_the_phone(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "IMG_fire.jpg"
    Image.new("RGB", (1600, 1200), "#b45309").save(path, format="JPEG", quality=85)
    return path


def _shipped_kinds() -> None:
    # The flush after a committing test empties the kinds the migration ships.
    if not InfoKind.objects.exists():
        module = import_module("wangge.info_reports.migrations.0003_default_kinds")
        module.add_default_kinds(apps, None)


def test_grid_worker_sends_a_first_report_by_phone_and_a_dispatcher_follows_it(
    live_server, cast, open_page, screenshot, tmp_path
):
    _shipped_kinds()
    worker = give_password(cast.grid_worker_a)
    dispatcher = give_password(cast.dispatcher)

    # The grid worker opens the form on the phone: now is filled in, the send button is big.
    phone = open_page(PHONE)
    log_in(phone, live_server.url, worker.username, next_path=reverse("info_reports:new"))
    phone.wait_for_selector("#first-report")
    _fits_the_phone(phone)
    screenshot(phone, "1-form")
    learned = timezone.localtime() - timedelta(minutes=10)
    phone.select_option("#id_kind", label=InfoKind.objects.get(code="fire").name)
    phone.fill("#id_title", "石冲路民房起火")
    phone.fill("#id_description", "二楼厨房起火，浓烟较大，已拨打119")
    phone.fill("#id_address", "石冲路12号")
    phone.fill("#id_known_at", learned.strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#id_happened_at", (learned - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#id_injured", "1")
    phone.set_input_files("#id_photos", str(_photo(tmp_path)))
    screenshot(phone, "2-filled")
    phone.locator("#first-report button[type=submit]").tap()
    phone.wait_for_selector("#timeline")
    _fits_the_phone(phone)
    screenshot(phone, "3-sent")

    report = InfoReport.objects.get()
    assert phone.url == f"{live_server.url}{reverse('info_reports:detail', args=[report.pk])}"
    assert report.to_unit == cast.tree.district and not report.is_late
    assert EntryAttachment.objects.filter(entry__report=report).count() == 1
    assert phone.locator("#timeline img").count() == 1
    assert report.number in phone.content()

    # The dispatcher signs for it and asks for a continued report within 30 minutes.
    desk = open_page(DESKTOP)
    log_in(desk, live_server.url, dispatcher.username, next_path=reverse("info_reports:received"))
    desk.wait_for_selector("#report-list")
    assert report.number in desk.locator("#report-list").inner_text()
    desk.locator("#report-list a").first.click()
    desk.wait_for_selector("#sign-for")
    desk.locator("#sign-for").click()
    desk.wait_for_selector("#request-form")
    assert desk.locator("#sign-for").count() == 0
    due = timezone.localtime() + timedelta(minutes=30)
    desk.fill("#id_due_at", due.strftime("%Y-%m-%dT%H:%M"))
    desk.fill("#id_note", "请报告伤员送医情况")
    desk.locator("#request-form button[type=submit]").click()
    desk.wait_for_selector("#open-request")
    screenshot(desk, "4-requested")
    assert report.receipts.get().signed_by_id == dispatcher.pk

    # The grid worker sees the request on the phone and sends the continued report.
    phone.reload()
    phone.wait_for_selector("#open-request")
    _fits_the_phone(phone)
    screenshot(phone, "5-asked")
    phone.locator("#add-continued").tap()
    phone.wait_for_selector("#follow-up")
    _fits_the_phone(phone)
    phone.fill("#id_text", "伤员已送医，火势已控制")
    phone.fill("#id_injured", "1")
    screenshot(phone, "6-continued")
    phone.locator("#follow-up button[type=submit]").tap()
    phone.wait_for_selector("#timeline")
    assert phone.locator("#open-request").count() == 0
    _fits_the_phone(phone)
    screenshot(phone, "7-timeline")

    report.refresh_from_db()
    assert report.state == "following"
    kinds = list(report.entries.order_by("seq").values_list("kind", flat=True))
    assert kinds == [
        EntryKind.FIRST,
        EntryKind.SIGNED,
        EntryKind.REQUESTED,
        EntryKind.CONTINUED,
    ]
    assert report.requests.get().fulfilled_at is not None
