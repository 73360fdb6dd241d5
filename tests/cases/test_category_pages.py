"""The category pages (事项分类与时限): who may open them, the tree they show, and how their forms
create, edit and deactivate categories — every write through the category services, every
refusal shown next to the field it names, with status 400 and nothing written.

UI text is translated, so the tests read codes, data attributes and field names, not words.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY, file_case
from tests.clients import logged_in
from wangge.cases.category_forms import initial_of
from wangge.cases.deadlines import stage_due_at
from wangge.cases.models import Category
from wangge.cases.services import create_category
from wangge.core.models import AuditEntry
from wangge.org.roles import Role
from wangge.org.services import grant_role

LIST = reverse("cases:categories")
NEW = reverse("cases:category_create")
CLASS = "E01"  # 市容环境, an event class of the default set
NEW_CODE = "E0199"


def edit_url(code: str) -> str:
    return reverse("cases:category_edit", args=[code])


def as_post(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as a browser posts them: an unticked box is left out."""
    posted = {key: value for key, value in values.items() if value is not False}
    if posted.get("is_grid_entry") is True:
        posted["is_grid_entry"] = "on"
    return posted


def new_subcategory(**changes: Any) -> dict[str, Any]:
    """What an administrator types to add a subcategory to 市容环境 with its own deadlines."""
    return as_post(
        {
            "action": "save",
            "parent": CLASS,
            "code": NEW_CODE,
            "name": "占道晾晒",
            "kind": "event",
            "default_department": "CG440703",
            "is_grid_entry": True,
            "accept_amount": "3",
            "accept_unit": "hours",
            "dispatch_amount": "1.5",
            "dispatch_unit": "working_hours",
            "handle_amount": "2",
            "handle_unit": "working_days",
            "accept_yellow_days": "1",
            "accept_red_days": "3",
            "handle_yellow_days": "4",
            "handle_red_days": "8",
            "order": "5",
            "open311_attributes": "",
            **changes,
        }
    )


def edited(code: str, **changes: Any) -> dict[str, Any]:
    """The edit form of a category as shown, with `changes` typed over it."""
    category = Category.objects.select_related("parent", "default_department").get(code=code)
    return as_post({"action": "save", **initial_of(category), **changes})


def fields_in_error(html: str) -> set[str]:
    return set(re.findall(r'data-error-for="([\w]+)"', html))


def catalogue() -> list[tuple[Any, ...]]:
    """Every stored value of every category, and the audit log's length: a refused post
    leaves both unchanged."""
    columns = [field.attname for field in Category._meta.concrete_fields]
    rows = list(Category.objects.order_by("pk").values_list(*columns))
    return [*rows, ("audit", AuditEntry.objects.count())]


def codes_in_order(html: str) -> list[str]:
    return re.findall(r'<tr id="category-[^"]+" class="[^"]*" data-code="([^"]+)"', html)


@pytest.fixture
def admin(cast) -> Client:
    return logged_in(cast.administrator)


# --- Who may come -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, cast):
    for url in (LIST, NEW, edit_url(CLASS)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "persona", ["grid_worker_a", "dispatcher", "leader", "department_handler", "outsider"]
)
def test_a_non_administrator_gets_403_and_cannot_post(cast, persona):
    client = logged_in(getattr(cast, persona))
    for url in (LIST, NEW, edit_url(CLASS)):
        assert client.get(url).status_code == 403
    before = catalogue()
    assert client.post(NEW, new_subcategory()).status_code == 403
    assert client.post(edit_url(CLASS), edited(CLASS, name="改名")).status_code == 403
    assert client.post(edit_url(CLASS), {"action": "deactivate"}).status_code == 403
    assert catalogue() == before


def test_an_administrator_of_one_town_is_not_a_category_administrator(cast):
    town_admin = make_user("town_admin")
    grant_role(None, town_admin, cast.tree.town, Role.ADMINISTRATOR)
    client = logged_in(town_admin)
    assert client.get(LIST).status_code == 403
    before = catalogue()
    assert client.post(NEW, new_subcategory()).status_code == 403
    assert catalogue() == before


def test_home_and_menu_offer_categories_only_to_category_administrators(cast):
    url = f'href="{LIST}"'
    assert url in logged_in(cast.administrator).get("/").content.decode()
    for persona in ("dispatcher", "leader", "grid_worker_a"):
        assert url not in logged_in(getattr(cast, persona)).get("/").content.decode()


def test_the_forms_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.administrator)
    before = catalogue()
    assert client.post(NEW, new_subcategory()).status_code == 403
    assert client.post(edit_url(CLASS), {"action": "deactivate"}).status_code == 403
    assert catalogue() == before


@pytest.mark.parametrize("url", [LIST, NEW, f"{NEW}?parent={CLASS}", edit_url(CLASS)])
def test_pages_carry_no_inline_script_and_label_every_field(admin, url):
    html = admin.get(url).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for field_id in re.findall(
        r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*id="([^"]+)"', html
    ):
        assert field_id in labelled, field_id


# --- The catalogue ----------------------------------------------------------------------------


def test_every_class_is_followed_by_its_subcategories_with_their_deadlines(admin):
    html = admin.get(LIST).content.decode()
    codes = codes_in_order(html)
    assert len(codes) == Category.objects.count()
    parents = dict(Category.objects.values_list("code", "parent__code"))
    current_class = None
    for code in codes:
        if parents[code] is None:
            current_class = code
        else:
            assert parents[code] == current_class, code
    # 突发事件 runs on the wall clock: half an hour to accept.
    emergency = Category.objects.get(name="突发事件", parent__isnull=True)
    row = re.search(rf'data-code="{emergency.code}">(.*?)</tr>', html, re.S).group(1)
    assert ">0.5 hours<" in row


def test_an_inactive_category_stays_listed_and_is_marked(admin):
    Category.objects.filter(code=GRID_ENTRY_CATEGORY).update(is_active=False)
    html = admin.get(LIST).content.decode()
    assert re.search(rf'class="sub-row is-inactive" data-code="{GRID_ENTRY_CATEGORY}"', html)


def test_the_list_takes_the_same_queries_for_few_or_many_categories(
    cast, admin, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(LIST).status_code == 200
        return len(captured)

    few = count()
    parent = Category.objects.get(code=CLASS)
    for number in range(30):
        create_category(
            None, code=f"X{number:02}", name=f"新增{number}", kind="event", parent=parent
        )
    top = create_category(None, code="Z", name="新的大类", kind="request")
    create_category(None, code="Z01", name="小类", kind="request", parent=top)
    assert count() == few
    with django_assert_max_num_queries(10):
        admin.get(LIST)


# --- Creating ---------------------------------------------------------------------------------


def test_the_new_page_for_a_class_starts_from_the_class_values(admin):
    Category.objects.filter(code=CLASS).update(handle_amount=Decimal("7"))
    html = admin.get(f"{NEW}?parent={CLASS}").content.decode()
    assert re.search(rf'<option value="{CLASS}" selected>', html)
    assert re.search(r'<option value="event" selected>', html)
    assert re.search(r'name="handle_amount" value="7"', html)


def test_administrator_creates_a_subcategory_whose_deadlines_a_new_case_uses(cast, admin):
    response = admin.post(NEW, new_subcategory())
    assert response.status_code == 302, fields_in_error(response.content.decode())
    assert response["Location"] == f"{LIST}#category-{NEW_CODE}"
    created = Category.objects.select_related("parent", "default_department").get(code=NEW_CODE)
    assert created.parent.code == CLASS
    assert created.default_department == cast.tree.department
    assert created.is_grid_entry
    assert (created.accept_amount, created.accept_unit) == (Decimal("3"), "hours")
    assert (created.dispatch_amount, created.dispatch_unit) == (Decimal("1.5"), "working_hours")
    assert (created.handle_amount, created.handle_unit) == (Decimal("2"), "working_days")
    assert (created.accept_yellow_days, created.accept_red_days) == (1, 3)
    assert (created.handle_yellow_days, created.handle_red_days) == (4, 8)
    assert AuditEntry.objects.filter(action="cases.category.create").count() == 1

    case = file_case(cast.grid_worker_a, category=NEW_CODE)
    assert case.accept_due_at == case.reported_at + timedelta(hours=3)
    assert case.accept_due_at == stage_due_at(created, "accept", case.reported_at)


def test_administrator_creates_a_class_with_open311_attributes(admin):
    attributes = (
        '[{"code": "trapped", "datatype": "singlevaluelist", "required": true, '
        '"description": "有人被困？", "values": [{"key": "yes", "name": "是"}, '
        '{"key": "no", "name": "否"}]}]'
    )
    response = admin.post(
        NEW, new_subcategory(parent="", code="Q", kind="request", open311_attributes=attributes)
    )
    assert response.status_code == 302
    created = Category.objects.get(code="Q")
    assert created.parent is None
    assert created.open311_attributes[0]["code"] == "trapped"
    assert created.open311_attributes[0]["values"][1] == {"key": "no", "name": "否"}


BAD_INPUT = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"code": "bad code!"}, "code"),
    ({"code": GRID_ENTRY_CATEGORY}, "code"),
    ({"accept_amount": "0"}, "accept_amount"),
    ({"dispatch_amount": "-1"}, "dispatch_amount"),
    ({"handle_amount": "soon"}, "handle_amount"),
    ({"handle_amount": "1.5"}, "handle_amount"),  # working days are whole
    ({"accept_amount": "0.001"}, "accept_amount"),
    ({"dispatch_unit": "fortnights"}, "dispatch_unit"),
    ({"kind": "weather"}, "kind"),
    ({"kind": "request"}, "parent"),  # a subcategory shares its class's kind
    ({"accept_yellow_days": "3", "accept_red_days": "2"}, "accept_red_days"),
    ({"handle_yellow_days": "4", "handle_red_days": "4"}, "handle_red_days"),
    ({"handle_yellow_days": "0"}, "handle_yellow_days"),
    ({"open311_attributes": '[{"code": "x",'}, "open311_attributes"),
    ({"open311_attributes": '{"code": "x"}'}, "open311_attributes"),
    ({"open311_attributes": '[{"code": "x", "datatype": "colour"}]'}, "open311_attributes"),
]


@pytest.mark.parametrize(("typed", "field"), BAD_INPUT)
def test_bad_input_on_the_new_form_is_refused_by_the_field_and_nothing_is_written(
    admin, typed, field
):
    before = catalogue()
    response = admin.post(NEW, new_subcategory(**typed))
    assert response.status_code == 400
    assert fields_in_error(response.content.decode()) == {field}
    assert catalogue() == before


def test_a_refused_form_keeps_what_was_typed(admin):
    html = admin.post(NEW, new_subcategory(accept_amount="0")).content.decode()
    assert 'name="name" value="占道晾晒"' in html
    assert 'name="code" value="E0199"' in html


# --- Editing ----------------------------------------------------------------------------------


def test_editing_a_deadline_changes_new_cases_only(cast, admin):
    admin.post(NEW, new_subcategory())
    before = file_case(cast.grid_worker_a, category=NEW_CODE)

    response = admin.post(edit_url(NEW_CODE), edited(NEW_CODE, accept_amount="6"))
    assert response.status_code == 302
    after = file_case(cast.grid_worker_a, category=NEW_CODE)

    before.refresh_from_db()
    assert before.accept_due_at == before.reported_at + timedelta(hours=3)
    assert after.accept_due_at == after.reported_at + timedelta(hours=6)
    entry = AuditEntry.objects.get(action="cases.category.update")
    assert entry.data["changes"] == {"accept_amount": ["3.00", "6"]}


def test_saving_an_unchanged_form_changes_nothing(admin):
    before = catalogue()
    response = admin.post(edit_url(GRID_ENTRY_CATEGORY), edited(GRID_ENTRY_CATEGORY))
    assert response.status_code == 302
    assert catalogue() == before


def test_a_subcategory_may_move_to_another_class_of_its_kind(admin):
    other = Category.objects.filter(parent__isnull=True, kind="event").exclude(code=CLASS).first()
    response = admin.post(
        edit_url(GRID_ENTRY_CATEGORY), edited(GRID_ENTRY_CATEGORY, parent=other.code)
    )
    assert response.status_code == 302
    assert Category.objects.get(code=GRID_ENTRY_CATEGORY).parent == other


@pytest.mark.parametrize(
    ("typed", "field"),
    [(typed, field) for typed, field in BAD_INPUT if "code" not in typed and "kind" not in typed],
)
def test_bad_input_on_the_edit_form_is_refused_by_the_field_and_nothing_is_written(
    admin, typed, field
):
    before = catalogue()
    response = admin.post(edit_url(GRID_ENTRY_CATEGORY), edited(GRID_ENTRY_CATEGORY, **typed))
    assert response.status_code == 400
    assert fields_in_error(response.content.decode()) == {field}
    assert catalogue() == before


def test_a_class_with_subcategories_cannot_move_under_another(admin):
    other = Category.objects.filter(parent__isnull=True, kind="event").exclude(code=CLASS).first()
    before = catalogue()
    response = admin.post(edit_url(CLASS), edited(CLASS, parent=other.code))
    assert response.status_code == 400
    assert fields_in_error(response.content.decode()) == {"parent"}
    assert catalogue() == before


def test_an_unknown_code_is_404(admin):
    assert admin.get(edit_url("NOPE")).status_code == 404
    assert admin.post(edit_url("NOPE"), {"action": "deactivate"}).status_code == 404


def test_an_unknown_action_is_400(admin):
    before = catalogue()
    assert admin.post(edit_url(CLASS), {"action": "delete"}).status_code == 400
    assert catalogue() == before


# --- Deactivating -----------------------------------------------------------------------------


def report_page_codes(client: Client) -> set[str]:
    html = client.get(reverse("cases:report")).content.decode()
    return set(re.findall(r'<input type="radio" name="category" value="([^"]+)"', html))


def test_deactivating_hides_a_category_from_the_report_page_and_activating_brings_it_back(
    cast, admin
):
    worker = logged_in(cast.grid_worker_a)
    assert GRID_ENTRY_CATEGORY in report_page_codes(worker)

    response = admin.post(edit_url(GRID_ENTRY_CATEGORY), {"action": "deactivate"})
    assert response.status_code == 302
    assert not Category.objects.get(code=GRID_ENTRY_CATEGORY).is_active
    assert GRID_ENTRY_CATEGORY not in report_page_codes(worker)
    assert AuditEntry.objects.filter(action="cases.category.deactivate").count() == 1

    admin.post(edit_url(GRID_ENTRY_CATEGORY), {"action": "activate"})
    assert GRID_ENTRY_CATEGORY in report_page_codes(worker)


def test_deactivating_a_class_hides_its_subcategories_from_the_report_page(cast, admin):
    worker = logged_in(cast.grid_worker_a)
    leaves = set(Category.objects.filter(parent__code=CLASS).values_list("code", flat=True))
    assert leaves <= report_page_codes(worker)
    admin.post(edit_url(CLASS), {"action": "deactivate"})
    assert not leaves & report_page_codes(worker)
    html = admin.get(LIST).content.decode()
    for code in leaves:
        assert re.search(rf'class="sub-row is-inactive" data-code="{code}"', html)
