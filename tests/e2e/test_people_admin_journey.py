"""The registry's administration in a real browser. On a phone, a landlord without an account
opens their rented house with its code and their phone and reports a new tenant, whom the grid
worker then sees marked on the house's page. On a desktop, an administrator uploads a ledger,
watches the import finish (the page polls the worker's progress), and defines a sensitive tag.
No step scrolls sideways; each is saved as a screenshot.

UI text is translated (Chinese by default), so steps find elements by id and data attributes.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.people.helpers import house_in, id_number, person_in
from wangge.people.import_jobs import run_import_job
from wangge.people.models import HouseUse, ImportJob, Person, Residence, TagKind
from wangge.people.services import OrganisationInput, save_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANDLORD_PHONE = "13712345678"


def assert_fits_the_phone(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def test_landlord_reports_a_new_tenant_by_phone(live_server, cast, open_page, screenshot):
    grid = cast.tree.grid_a
    house = house_in(grid, "502", use=HouseUse.RENTED, rooms=2)
    house.landlord = person_in(grid, "梁国栋", phone=LANDLORD_PHONE)
    house.save(update_fields=["landlord"])
    person_in(grid, "欧阳明", house=house, relation="tenant")

    page = open_page(PHONE)
    page.goto(f"{live_server.url}{reverse('people:landlord')}")
    assert_fits_the_phone(page)
    screenshot(page, "1-start")
    page.fill("#id_code", house.code)
    page.fill("#id_phone", "137 1234 5678")
    with page.expect_navigation():
        page.locator("#landlord-submit").tap()
    assert page.url == f"{live_server.url}{reverse('people:landlord_house')}"
    assert "欧**" in page.locator(".tenants").inner_text()
    assert "欧阳明" not in page.content()
    assert_fits_the_phone(page)
    screenshot(page, "2-tenants")

    number = id_number(region="430102", born=date(1995, 6, 1), sex="male")
    page.fill("#id_tenant-name", "唐小军")
    page.fill("#id_tenant-document_number", number)
    page.fill("#id_tenant-phone", "13600000001")
    page.fill("#id_tenant-moved_in", "2026-01-10")
    screenshot(page, "3-new-tenant")
    with page.expect_navigation():
        page.locator("#tenant-submit").tap()
    assert "唐**" in page.locator(".tenants").inner_text()
    assert number not in page.content() and "唐小军" not in page.content()
    tenant = Person.objects.get(name="唐小军")
    residence = Residence.objects.get(person=tenant, house=house, moved_out=None)
    assert residence.source == "landlord"
    assert_fits_the_phone(page)
    screenshot(page, "4-reported")

    # The grid worker sees the report marked, with the house's code and the notice to print.
    worker = open_page(PHONE)
    give_password(cast.grid_worker_a)
    log_in(
        worker,
        live_server.url,
        cast.grid_worker_a.username,
        next_path=reverse("people:house", args=[house.pk]),
    )
    row = worker.locator(f".resident[data-person='{tenant.pk}']")
    assert row.locator("[data-source=landlord]").count() == 1
    assert worker.locator("#house-code").inner_text() == house.code
    assert_fits_the_phone(worker)
    screenshot(worker, "5-house-for-the-worker")
    with worker.expect_navigation():
        worker.locator("#print-notice-link").tap()
    assert worker.locator("#house-code").inner_text() == house.code
    assert_fits_the_phone(worker)
    screenshot(worker, "6-notice")


def ledger_csv(grid: Any) -> bytes:
    header = [
        "网格编码",
        "小区",
        "楼栋",
        "房号",
        "姓名",
        "证件号码",
        "手机号码",
        "与房屋关系",
        "入住日期",
    ]
    rows = [
        [
            grid.code,
            "石冲花园",
            "1栋",
            f"{n + 1}01",
            name,
            id_number(),
            "13800138000",
            "业主",
            "2020-05-01",
        ]
        for n, name in enumerate(["陈玉兰", "李伯", "黄志明"])
    ]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def test_administrator_imports_a_ledger_and_defines_a_tag(live_server, cast, open_page, screenshot):
    admin = give_password(cast.administrator)
    page = open_page(DESKTOP)
    log_in(page, live_server.url, admin.username, next_path=reverse("people:home"))
    with page.expect_navigation():
        page.locator("#import-link").click()
    assert_no_horizontal_scroll(page)
    screenshot(page, "1-import-page")

    page.set_input_files(
        "#id_import-file",
        {"name": "台账.csv", "mimeType": "text/csv", "buffer": ledger_csv(cast.tree.grid_a)},
    )
    with page.expect_navigation():
        page.locator("#import-submit").click()
    job = ImportJob.objects.get()
    card = page.locator(f"#job-{job.uid}")
    assert card.get_attribute("data-state") == "queued"
    assert card.locator("progress").count() == 1
    assert_no_horizontal_scroll(page)
    screenshot(page, "2-queued")

    # The worker runs the task; the page's polling shows the result without a reload.
    run_import_job.call(str(job.uid), "zh-hans")
    page.wait_for_selector(f"#job-{job.uid}[data-state=done]", timeout=8_000)
    job.refresh_from_db()
    assert (job.rows_total, job.rows_written, job.rows_invalid) == (3, 3, 0)
    assert Person.objects.filter(grid=cast.tree.grid_a).count() == 3
    assert "3" in page.locator(f"#job-{job.uid} [data-count=written]").inner_text()
    assert_no_horizontal_scroll(page)
    screenshot(page, "3-done")

    # Defines a sensitive tag, seen by community staff only, kept a year.
    page.goto(f"{live_server.url}{reverse('people:tag_kinds')}")
    assert_no_horizontal_scroll(page)
    screenshot(page, "4-tags")
    with page.expect_navigation():
        page.locator("#new-tag").click()
    page.fill("#id_tag-code", "night_shelter")
    page.fill("#id_tag-name", "夜间庇护对象")
    page.fill("#id_tag-visit_every_days", "14")
    page.check("#id_tag-is_sensitive")
    page.check("input[name='tag-visible_to_roles'][value='community_staff']")
    page.fill("#id_tag-retention_days", "365")
    assert_no_horizontal_scroll(page)
    screenshot(page, "5-tag-form")
    with page.expect_navigation():
        page.locator("#tag-kind-submit").click()
    kind = TagKind.objects.get(code="night_shelter")
    assert (kind.is_sensitive, kind.visible_to_roles, kind.retention_days) == (
        True,
        ["community_staff"],
        365,
    )
    assert page.locator(".tag-row[data-code=night_shelter]").count() == 1
    assert_no_horizontal_scroll(page)
    screenshot(page, "6-tag-defined")

    # The grid's organisations, on the desktop and on a phone.
    shop = save_organisation(
        None,
        cast.tree.grid_a,
        OrganisationInput(
            name="石冲便利店",
            kind="self_employed",
            credit_code="91110108551385082Q",
            contact_phone="13912345678",
            is_key_place=True,
            address="石冲路 8 号",
        ),
    )
    for step, path in (
        ("organisations", reverse("people:organisations", args=[cast.tree.grid_a.code])),
        ("organisation", reverse("people:organisation", args=[shop.pk])),
    ):
        page.goto(f"{live_server.url}{path}")
        assert "13912345678" not in page.content()
        assert_no_horizontal_scroll(page)
        screenshot(page, f"7-desktop-{step}")

    # The same pages fit a phone.
    phone = open_page(PHONE)
    log_in(phone, live_server.url, admin.username, next_path=reverse("people:import"))
    for step, path in (
        ("import", reverse("people:import")),
        ("tags", reverse("people:tag_kinds")),
        ("tag-form", reverse("people:tag_kind_edit", args=["night_shelter"])),
        ("grid", reverse("people:grid", args=[cast.tree.grid_a.code])),
        ("organisations", reverse("people:organisations", args=[cast.tree.grid_a.code])),
        ("organisation", reverse("people:organisation", args=[shop.pk])),
        ("organisation-form", reverse("people:organisation_edit", args=[shop.pk])),
    ):
        phone.goto(f"{live_server.url}{path}")
        assert_fits_the_phone(phone)
        screenshot(phone, f"8-phone-{step}")
