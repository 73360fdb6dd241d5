"""Categories are data: the default set the migration ships, the reads that list it, and the
services that change it (administrators only, every field checked, every change audited)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from wangge.cases.exceptions import CategoryInvalid, NotAllowed
from wangge.cases.models import Category
from wangge.cases.queries import active_categories, category_by_code, grid_entry_categories
from wangge.cases.services import create_category, set_category_active, update_category
from wangge.core.models import AuditEntry

URBAN_CLASSES = {
    "component": ["公用设施", "交通设施", "市容环境设施", "园林绿化设施"],
    "event": ["市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件"],
    "request": ["矛盾纠纷", "民生服务", "咨询", "求助", "投诉", "举报", "建议"],
}


def leaves_of(class_name: str) -> list[Category]:
    return list(Category.objects.filter(parent__name=class_name, parent__parent__isnull=True))


def snapshot(category: Category) -> dict[str, Any]:
    return {
        field.attname: getattr(Category.objects.get(pk=category.pk), field.attname)
        for field in Category._meta.concrete_fields
    }


# --- the default set ------------------------------------------------------------------------


def test_given_a_fresh_database_then_every_default_class_exists_with_three_to_eight_leaves(db):
    for kind, names in URBAN_CLASSES.items():
        for name in names:
            top = Category.objects.get(name=name, parent__isnull=True)
            assert top.kind == kind
            leaves = leaves_of(name)
            assert 3 <= len(leaves) <= 8, name
            assert all(leaf.kind == kind for leaf in leaves)
    assert Category.objects.filter(parent__isnull=True).count() == 16


def test_given_the_default_set_then_every_leaf_stands_under_a_top_level_class(db):
    leaves = Category.objects.filter(parent__isnull=False).select_related("parent")
    assert leaves
    assert all(leaf.parent.parent_id is None for leaf in leaves)
    assert not Category.objects.filter(default_department__isnull=False).exists()


@pytest.mark.parametrize(
    ("class_name", "working_days"),
    [("咨询", 2), ("求助", 10), ("建议", 10), ("投诉", 15), ("举报", 15)],
)
def test_given_the_default_set_then_requests_follow_the_guangdong_12345_deadlines(
    db, class_name, working_days
):
    for category in [Category.objects.get(name=class_name), *leaves_of(class_name)]:
        assert category.handle_unit == "working_days"
        assert category.handle_amount == working_days


def test_given_the_default_set_then_emergencies_run_in_wall_clock_hours(db):
    for category in [Category.objects.get(name="突发事件"), *leaves_of("突发事件")]:
        assert (category.accept_amount, category.accept_unit) == (Decimal("0.5"), "hours")
        assert (category.dispatch_amount, category.dispatch_unit) == (Decimal("0.5"), "hours")
        assert (category.handle_amount, category.handle_unit) == (4, "hours")


def test_given_the_default_set_then_parts_and_events_are_accepted_and_dispatched_within_the_hour(
    db,
):
    urban = (
        Category.objects.filter(kind__in=["component", "event"])
        .exclude(name="突发事件")
        .exclude(parent__name="突发事件")
    )
    for category in urban:
        assert (category.accept_amount, category.accept_unit) == (1, "working_hours")
        assert (category.dispatch_amount, category.dispatch_unit) == (1, "working_hours")
        assert category.handle_unit in {"working_hours", "working_days"}
        assert 1 <= category.handle_amount <= 5 or category.handle_unit == "working_hours"
    missing_cover = category_by_code("C0101")
    assert missing_cover.name == "上水井盖"
    assert missing_cover.handle_unit == "working_hours"


def test_given_the_default_set_then_every_category_carries_the_default_supervision_ladder(db):
    ladders = set(
        Category.objects.values_list(
            "accept_yellow_days", "accept_red_days", "handle_yellow_days", "handle_red_days"
        )
    )
    assert ladders == {(1, 2, 5, 10)}


def test_given_the_grid_entry_list_then_it_holds_street_work_and_not_emergencies(db):
    names = {category.name for category in grid_entry_categories()}
    assert {"暴露垃圾", "占道经营", "邻里纠纷", "违规张贴小广告"} <= names
    assert not {"燃气泄漏", "道路塌陷", "劳资纠纷"} & names
    assert all(category.parent_id is not None for category in grid_entry_categories())


def test_given_the_default_set_then_some_categories_ask_for_open311_attributes(db):
    (pole,) = category_by_code("C0104").open311_attributes
    assert pole["code"] == "pole_number"
    assert pole["datatype"] == "string"
    assert pole["required"] is False
    (night,) = Category.objects.get(name="占道经营").open311_attributes
    assert night["datatype"] == "singlevaluelist"
    assert {value["key"] for value in night["values"]} == {"yes", "no"}


# --- reads ----------------------------------------------------------------------------------


def test_when_listing_active_categories_then_each_class_is_followed_by_its_leaves_in_one_query(
    db, django_assert_num_queries
):
    with django_assert_num_queries(1):
        categories = list(active_categories())
        names = [(category.name, category.parent.name if category.parent else None)
                 for category in categories]  # fmt: skip
    current_class = None
    for name, parent in names:
        if parent is None:
            current_class = name
        else:
            assert parent == current_class
    assert names[0] == ("公用设施", None)
    assert names[1] == ("上水井盖", "公用设施")
    assert len(names) == Category.objects.count()


def test_given_an_inactive_class_then_neither_it_nor_its_leaves_are_listed(db):
    complaint = Category.objects.get(name="投诉")
    set_category_active(None, complaint, is_active=False)
    names = {category.name for category in active_categories()}
    assert "投诉" not in names
    assert "噪音扰民" not in names
    assert "物业服务" not in {category.name for category in grid_entry_categories()}
    assert category_by_code("R0501").name == "噪音扰民"  # old cases still find theirs


def test_given_an_unknown_code_then_category_by_code_gives_none(db):
    assert category_by_code("NOPE") is None


# --- changing categories --------------------------------------------------------------------


def test_given_an_administrator_when_updating_deadlines_then_they_change_and_are_audited(cast):
    consultation = category_by_code("R0301")
    updated = update_category(
        cast.administrator,
        consultation,
        handle_amount=Decimal(3),
        default_department=cast.tree.department,
        open311_attributes=[
            {"code": "topic", "datatype": "text", "description": "咨询内容", "required": True}
        ],
    )
    stored = Category.objects.get(pk=consultation.pk)
    assert stored.handle_amount == 3
    assert stored.default_department == cast.tree.department
    assert stored.open311_attributes[0]["order"] == 1
    assert updated.handle_amount == 3
    entry = AuditEntry.objects.get(action="cases.category.update")
    assert entry.actor == cast.administrator
    assert entry.target_id == str(consultation.pk)
    assert entry.data["changes"]["handle_amount"] == ["2.00", "3"]
    assert entry.data["changes"]["default_department"] == [None, "CG440703"]


def test_given_a_change_to_the_same_values_then_nothing_is_written(cast):
    consultation = category_by_code("R0301")
    update_category(cast.administrator, consultation, handle_amount=Decimal("2.0"), order=1)
    assert not AuditEntry.objects.filter(action="cases.category.update").exists()


def bad_changes(tree: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("handle_amount", {"handle_amount": 0}),
        ("accept_amount", {"accept_amount": Decimal("-1")}),
        ("dispatch_amount", {"dispatch_amount": "soon"}),
        ("handle_amount", {"handle_amount": Decimal("1.5")}),  # working days are whole
        ("handle_red_days", {"handle_red_days": 5}),
        ("accept_red_days", {"accept_yellow_days": 3}),
        ("accept_yellow_days", {"accept_yellow_days": 0}),
        ("handle_unit", {"handle_unit": "weeks"}),
        ("default_department", {"default_department": tree.community}),
        ("parent", {"parent": Category.objects.get(code="R0302")}),  # a child under a child
        ("parent", {"parent": Category.objects.get(code="E01")}),  # another kind
        ("name", {"name": "  "}),
        ("is_grid_entry", {"is_grid_entry": "yes"}),
        ("open311_attributes", {"open311_attributes": [{"code": "x", "datatype": "colour"}]}),
        (
            "open311_attributes",
            {"open311_attributes": [{"code": "x", "datatype": "singlevaluelist",
                                     "description": "选择"}]},
        ),
        # A valid change beside an invalid one: neither is written.
        ("handle_red_days", {"name": "新名称", "handle_yellow_days": 12}),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(16))
def test_given_an_invalid_value_then_the_refusal_names_the_field_and_nothing_changes(cast, case):
    field, changes = bad_changes(cast.tree)[case]
    consultation = category_by_code("R0301")
    before = snapshot(consultation)
    with pytest.raises(CategoryInvalid) as refused:
        update_category(cast.administrator, consultation, **changes)
    assert refused.value.field == field
    assert str(refused.value)
    assert snapshot(consultation) == before
    assert not AuditEntry.objects.filter(action__startswith="cases.category").exists()


def test_given_a_class_with_leaves_then_it_cannot_move_under_another_class(cast):
    with pytest.raises(CategoryInvalid) as refused:
        update_category(
            None, Category.objects.get(code="R03"), parent=Category.objects.get(code="R04")
        )
    assert refused.value.field == "parent"


def test_given_an_unknown_field_then_update_category_is_a_programming_error(db):
    with pytest.raises(TypeError):
        update_category(None, category_by_code("R0301"), code="R9999")


@pytest.mark.parametrize(
    "persona",
    ["grid_worker_a", "community_staff", "dispatcher", "department_handler", "leader", "outsider"],
)
def test_given_someone_who_is_not_an_administrator_then_changes_are_refused(cast, persona):
    consultation = category_by_code("R0301")
    before = snapshot(consultation)
    actor = getattr(cast, persona)
    with pytest.raises(NotAllowed):
        update_category(actor, consultation, handle_amount=Decimal(5))
    with pytest.raises(NotAllowed):
        set_category_active(actor, consultation, is_active=False)
    with pytest.raises(NotAllowed):
        create_category(actor, code="R0399", name="其他咨询", kind="request")
    assert snapshot(consultation) == before
    assert not AuditEntry.objects.filter(action__startswith="cases.category").exists()


def test_given_an_administrator_of_one_subdistrict_only_then_city_wide_categories_are_refused(cast):
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    local_admin = make_user("town_admin")
    grant_role(None, local_admin, cast.tree.town, Role.ADMINISTRATOR)
    with pytest.raises(NotAllowed):
        update_category(local_admin, category_by_code("R0301"), handle_amount=Decimal(5))


def test_given_a_superuser_then_categories_may_be_changed(cast):
    cast.outsider.is_superuser = True
    cast.outsider.save(update_fields=["is_superuser"])
    updated = update_category(cast.outsider, category_by_code("R0301"), name="政策咨询（新）")
    assert updated.name == "政策咨询（新）"


def test_given_a_class_when_creating_a_leaf_then_it_starts_with_a_stored_copy_of_its_deadlines(
    cast,
):
    complaint = Category.objects.get(code="R05")
    leaf = create_category(
        cast.administrator, code="R0599", name="其他投诉", kind="request", parent=complaint
    )
    assert (leaf.handle_amount, leaf.handle_unit) == (15, "working_days")
    assert (leaf.accept_amount, leaf.accept_unit) == (2, "working_hours")
    assert leaf.is_grid_entry is False
    update_category(cast.administrator, complaint, handle_amount=Decimal(20))
    assert Category.objects.get(pk=leaf.pk).handle_amount == 15  # nothing is read through
    entry = AuditEntry.objects.get(action="cases.category.create")
    assert entry.target_id == str(leaf.pk)
    assert entry.data["parent"] == "R05"


def test_given_a_new_class_then_its_own_values_are_kept(cast):
    created = create_category(
        None,
        code="R08",
        name="表扬",
        kind="request",
        handle_amount=Decimal(5),
        default_department=cast.tree.department,
        is_grid_entry=True,
        order=8,
    )
    assert created.parent is None
    assert created.handle_amount == 5
    assert created.default_department == cast.tree.department
    assert AuditEntry.objects.get(action="cases.category.create").actor_label == "system"


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("code", {"code": "R0301"}),  # already used
        ("code", {"code": "有 空格"}),
        ("kind", {"kind": "wish"}),
        ("parent", {"parent_code": "R0301"}),  # under a leaf
        ("parent", {"parent_code": "C01"}),  # a request under a component class
        ("default_department", {"department": "grid"}),
    ],
)
def test_given_invalid_values_when_creating_then_nothing_is_created(cast, field, values):
    count = Category.objects.count()
    kwargs: dict[str, Any] = {"code": "R0399", "name": "其他咨询", "kind": "request"}
    if "parent_code" in values:
        kwargs["parent"] = Category.objects.get(code=values["parent_code"])
    elif "department" in values:
        kwargs["default_department"] = cast.tree.grid_a
    else:
        kwargs.update(values)
    with pytest.raises(CategoryInvalid) as refused:
        create_category(cast.administrator, **kwargs)
    assert refused.value.field == field
    assert Category.objects.count() == count
    assert not AuditEntry.objects.filter(action__startswith="cases.category").exists()


def test_when_deactivating_and_reactivating_then_each_real_change_is_audited_once(cast):
    leaf = category_by_code("E0401")
    set_category_active(cast.administrator, leaf, is_active=False)
    set_category_active(cast.administrator, leaf, is_active=False)
    assert Category.objects.get(pk=leaf.pk).is_active is False
    set_category_active(cast.administrator, leaf, is_active=True)
    actions = list(
        AuditEntry.objects.filter(action__startswith="cases.category")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["cases.category.deactivate", "cases.category.activate"]
