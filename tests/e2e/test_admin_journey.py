"""An administrator at a desk adds a department under the district and a category with its
deadlines that defaults to it, then, on a phone, gives a grid worker's role to an account.

UI text is Chinese here, so steps find elements by id, name and URL, never by words.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from wangge.cases.models import Category
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_administrator_adds_a_department_and_a_category_then_grants_a_role(
    live_server, cast, open_page, screenshot
):
    admin = give_password(cast.administrator)
    district = cast.tree.district
    page = open_page(DESKTOP)

    # At a desk: the district's page offers the ways to manage it.
    log_in(page, live_server.url, admin.username, reverse("org:unit", args=[district.code]))
    assert_no_horizontal_scroll(page)
    screenshot(page, "1-district")

    # Adds a department under the district.
    with page.expect_navigation():
        page.click("#add-unit")
    page.select_option("#id_kind", "department")
    page.fill("#id_code", "SW440703")
    page.fill("#id_name", "水务局")
    screenshot(page, "2-new-department")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert page.url.endswith(reverse("org:unit", args=["SW440703"]))
    assert OrgUnit.objects.get(code="SW440703").parent_id == district.pk
    screenshot(page, "3-department")

    # Opens the categories from the main menu and adds a subcategory to 市容环境.
    with page.expect_navigation():
        page.click(f"nav.nav a[href='{reverse('cases:categories')}']")
    assert_no_horizontal_scroll(page)
    screenshot(page, "4-categories")
    with page.expect_navigation():
        page.click(f"a[href='{reverse('cases:category_create')}?parent=E01']")
    page.fill("#id_code", "E0199")
    page.fill("#id_name", "占道晾晒")
    page.select_option("#id_default_department", "SW440703")
    page.fill("#id_accept_amount", "2")
    page.fill("#id_handle_amount", "3")
    page.select_option("#id_handle_unit", "working_days")
    # The red card before the yellow one: refused next to the field, nothing saved.
    page.fill("#id_handle_yellow_days", "6")
    page.fill("#id_handle_red_days", "5")
    with page.expect_navigation():
        page.click("#category-form button[type=submit].primary")
    assert page.locator("[data-error-for='handle_red_days']").is_visible()
    assert not Category.objects.filter(code="E0199").exists()
    assert_no_horizontal_scroll(page)
    screenshot(page, "5-refused")
    page.fill("#id_handle_red_days", "9")
    with page.expect_navigation():
        page.click("#category-form button[type=submit].primary")
    assert page.url.endswith(f"{reverse('cases:categories')}#category-E0199")
    created = Category.objects.select_related("default_department").get(code="E0199")
    assert created.default_department.code == "SW440703"
    assert (created.handle_amount, created.handle_unit) == (Decimal("3"), "working_days")
    assert (created.handle_yellow_days, created.handle_red_days) == (6, 9)
    screenshot(page, "6-created")

    # On a phone: the category list, a category's form, and the people page of grid B.
    phone = open_page(PHONE)
    log_in(phone, live_server.url, admin.username, reverse("cases:categories"))
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "7-phone-categories")
    phone.goto(f"{live_server.url}{reverse('cases:category_edit', args=['E0199'])}")
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "8-phone-category")
    phone.goto(f"{live_server.url}{reverse('org:unit_edit', args=[cast.tree.community.code])}")
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "9-phone-unit-edit")

    grid = cast.tree.grid_b
    phone.goto(f"{live_server.url}{reverse('org:unit', args=[grid.code])}")
    with phone.expect_navigation():
        phone.tap("#unit-people")
    assert_no_horizontal_scroll(phone)
    phone.fill("#id_grant-username", cast.outsider.username)
    phone.select_option("#id_grant-role", Role.GRID_WORKER)
    with phone.expect_navigation():
        phone.tap("#grant-form button[type=submit]")
    assert phone.locator(f"[data-username='{cast.outsider.username}']").is_visible()
    assert Membership.objects.filter(
        user=cast.outsider, unit=grid, role=Role.GRID_WORKER, is_active=True
    ).exists()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "10-phone-role-granted")
