"""Managing the org tree and who works in it through the pages: adding a unit below another,
renaming, moving and deactivating one; the people page of a unit, creating an account, granting
and revoking roles. Every refusal comes back by its field with nothing written; whatever lies
outside an administrator's subtree is not there for them (404).

UI text is translated, so the tests read codes, names, data attributes and field names.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from tests.clients import logged_in
from wangge.core.models import AuditEntry, User
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import Role, UnitKind
from wangge.org.services import create_account, create_unit, grant_role

GOOD_PASSWORD = "Wangge-grid-2024!"


def new_url(unit: OrgUnit) -> str:
    return reverse("org:unit_new", args=[unit.code])


def edit_url(unit: OrgUnit) -> str:
    return reverse("org:unit_edit", args=[unit.code])


def people_url(unit: OrgUnit) -> str:
    return reverse("org:people", args=[unit.code])


def fields_in_error(html: str) -> set[str]:
    return set(re.findall(r'data-error-for="([\w-]+)"', html))


def error_text(html: str, field: str) -> str:
    match = re.search(rf'data-error-for="{field}" role="alert">(.*?)</div>', html, re.S)
    assert match, f"no error next to {field}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def offered(html: str, name: str) -> list[str]:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no select {name}"
    return [value for value in re.findall(r'<option value="([^"]*)"', match.group(0)) if value]


def footprint() -> dict[str, Any]:
    """Everything these pages may write: a refused post leaves all of it unchanged."""
    return {
        "units": list(
            OrgUnit.objects.order_by("pk").values_list("code", "name", "path", "is_active")
        ),
        "users": list(User.objects.order_by("pk").values_list("username", "password")),
        "memberships": list(
            Membership.objects.order_by("pk").values_list("user_id", "unit_id", "role", "is_active")
        ),
        "audit": AuditEntry.objects.count(),
    }


def holders(html: str) -> set[str]:
    return set(re.findall(r'class="holder" data-username="([^"]+)"', html))


@pytest.fixture
def admin(cast) -> Client:
    return logged_in(cast.administrator)


@pytest.fixture
def town_admin(cast) -> User:
    """An administrator of 环市街道 only: 白沙街道 and its grid C lie outside their subtree."""
    user = make_user("town_admin", "街道管理员")
    grant_role(None, user, cast.tree.town, Role.ADMINISTRATOR)
    return user


@pytest.fixture
def worker_c(cast) -> User:
    """A grid worker of grid C, in the other town."""
    user = make_user("gw_c", "网格员丙")
    grant_role(None, user, cast.tree.grid_c, Role.GRID_WORKER)
    return user


@pytest.fixture
def city_admin(cast) -> User:
    """A superuser: the only kind of account `create_account` accepts as the creator today."""
    return create_account(None, username="root", full_name="市管理员", is_superuser=True)


# --- Who may come -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["leader", "dispatcher", "community_staff"])
def test_those_who_see_a_unit_but_may_not_manage_it_get_403_and_cannot_post(cast, persona):
    client = logged_in(getattr(cast, persona))
    unit = cast.tree.community
    for url in (new_url(unit), edit_url(unit), people_url(unit)):
        assert client.get(url).status_code == 403
    before = footprint()
    assert (
        client.post(new_url(unit), {"kind": "grid", "code": "X1", "name": "新网格"}).status_code
        == 403
    )
    assert (
        client.post(edit_url(unit), {"action": "rename", "rename-name": "改名"}).status_code == 403
    )
    assert client.post(edit_url(unit), {"action": "deactivate"}).status_code == 403
    assert (
        client.post(
            people_url(unit),
            {"action": "grant", "grant-username": "outsider", "grant-role": "community_staff"},
        ).status_code
        == 403
    )
    assert footprint() == before


def test_units_outside_the_administrators_subtree_do_not_exist_for_them(cast, town_admin):
    client = logged_in(town_admin)
    for unit in (cast.tree.other_town, cast.tree.grid_c, cast.tree.district):
        for url in (new_url(unit), edit_url(unit), people_url(unit)):
            assert client.get(url).status_code == 404, url
    before = footprint()
    assert client.post(edit_url(cast.tree.grid_c), {"action": "deactivate"}).status_code == 404
    assert footprint() == before


def test_the_unit_page_offers_the_ways_in_only_to_those_who_may_use_them(cast, admin):
    community = cast.tree.community
    html = admin.get(reverse("org:unit", args=[community.code])).content.decode()
    for url in (new_url(community), edit_url(community), people_url(community)):
        assert f'href="{url}"' in html
    html = logged_in(cast.leader).get(reverse("org:unit", args=[community.code])).content.decode()
    for url in (new_url(community), edit_url(community), people_url(community)):
        assert f'href="{url}"' not in html


def test_home_offers_accounts_and_roles_to_administrators_and_leads_to_their_subtree(
    cast, admin, town_admin
):
    assert f'href="{reverse("org:people_home")}"' in admin.get("/").content.decode()
    assert (
        f'href="{reverse("org:people_home")}"'
        not in logged_in(cast.leader).get("/").content.decode()
    )
    response = logged_in(town_admin).get(reverse("org:people_home"))
    assert response.status_code == 302
    assert response["Location"] == people_url(cast.tree.town)
    assert logged_in(cast.leader).get(reverse("org:people_home")).status_code == 403


def test_the_forms_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.administrator)
    before = footprint()
    posts = [
        (new_url(cast.tree.district), {"kind": "department", "code": "SW1", "name": "水务局"}),
        (edit_url(cast.tree.community), {"action": "deactivate"}),
        (
            people_url(cast.tree.grid_a),
            {"action": "grant", "grant-username": "outsider", "grant-role": "grid_worker"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert footprint() == before


@pytest.mark.parametrize("url_of", [new_url, edit_url, people_url])
def test_pages_carry_no_inline_script_and_label_every_field(cast, admin, url_of):
    html = admin.get(url_of(cast.tree.town)).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    inputs = re.findall(
        r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*id="([^"]+)"', html
    )
    assert inputs
    assert set(inputs) <= labelled


# --- Adding a unit ----------------------------------------------------------------------------


def test_the_new_form_offers_only_the_kinds_that_may_stand_there(cast, admin):
    district = admin.get(new_url(cast.tree.district)).content.decode()
    assert offered(district, "kind") == ["town", "subdistrict", "department"]
    community = admin.get(new_url(cast.tree.community)).content.decode()
    assert offered(community, "kind") == ["grid"]
    assert "full_time" in offered(community, "grid_kind")


def test_administrator_adds_a_department_under_the_district(cast, admin):
    response = admin.post(
        new_url(cast.tree.district), {"kind": "department", "code": "SW440703", "name": "水务局"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit", args=["SW440703"])
    department = OrgUnit.objects.get(code="SW440703")
    assert (department.kind, department.name, department.parent) == (
        UnitKind.DEPARTMENT,
        "水务局",
        cast.tree.district,
    )
    assert department.path == f"{cast.tree.district.path}{department.pk}/"
    assert AuditEntry.objects.filter(
        action="org.unit.create", target_id=str(department.pk)
    ).exists()


def test_administrator_adds_a_grid_of_a_kind_under_a_community(cast, admin):
    response = admin.post(
        new_url(cast.tree.community),
        {
            "kind": "grid",
            "code": "440703006107003",
            "name": "石冲社区第三网格",
            "grid_kind": "part_time",
        },
    )
    assert response.status_code == 302
    grid = OrgUnit.objects.select_related("grid_kind").get(code="440703006107003")
    assert grid.parent == cast.tree.community
    assert grid.grid_kind.code == "part_time"


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"code": ""}, "code"),
        ({"name": "   "}, "name"),
        ({"code": "440703000000"}, "code"),  # the district's own code
        ({"code": "X" * 33}, "code"),
        ({"kind": "grid"}, "kind"),  # a grid cannot stand under a district
        ({"kind": "planet"}, "kind"),
    ],
)
def test_bad_input_on_the_new_form_is_refused_by_the_field_and_nothing_is_written(
    cast, admin, typed, field
):
    before = footprint()
    response = admin.post(
        new_url(cast.tree.district),
        {"kind": "department", "code": "SW440703", "name": "水务局", **typed},
    )
    assert response.status_code == 400
    assert fields_in_error(response.content.decode()) == {field}
    assert footprint() == before


# --- Renaming, moving, deactivating -----------------------------------------------------------


def test_administrator_renames_a_unit(cast, admin):
    community = cast.tree.community
    response = admin.post(edit_url(community), {"action": "rename", "rename-name": "石冲新社区"})
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=community.pk).name == "石冲新社区"
    assert AuditEntry.objects.filter(action="org.unit.rename").count() == 1


def test_an_empty_name_is_refused_by_the_field(cast, admin):
    before = footprint()
    response = admin.post(edit_url(cast.tree.community), {"action": "rename", "rename-name": " "})
    assert response.status_code == 400
    assert fields_in_error(response.content.decode()) == {"name"}
    assert footprint() == before


def test_the_move_form_offers_the_units_this_one_may_stand_under(cast, admin):
    html = admin.get(edit_url(cast.tree.community)).content.decode()
    # Towns and subdistricts other than its own; never a department, a grid or itself.
    assert offered(html, "move-parent") == [cast.tree.other_town.code]


def test_administrator_moves_a_community_and_its_grids_to_another_town(cast, admin):
    community = cast.tree.community
    response = admin.post(
        edit_url(community), {"action": "move", "move-parent": cast.tree.other_town.code}
    )
    assert response.status_code == 302
    moved = OrgUnit.objects.get(pk=community.pk)
    assert moved.parent == cast.tree.other_town
    assert moved.path == f"{cast.tree.other_town.path}{moved.pk}/"
    assert OrgUnit.objects.get(pk=cast.tree.grid_a.pk).path.startswith(moved.path)


def test_moving_where_the_kind_may_not_stand_is_refused_with_a_message(cast, admin):
    before = footprint()
    response = admin.post(
        edit_url(cast.tree.community), {"action": "move", "move-parent": cast.tree.department.code}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert fields_in_error(html) == {"parent"}
    assert cast.tree.department.get_kind_display() in error_text(html, "parent")
    assert footprint() == before


def test_moving_under_a_unit_outside_the_subtree_is_refused_as_if_it_did_not_exist(
    cast, town_admin
):
    grid = cast.tree.grid_a
    before = footprint()
    response = logged_in(town_admin).post(
        edit_url(grid), {"action": "move", "move-parent": cast.tree.other_community.code}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert fields_in_error(html) == {"parent"}
    assert cast.tree.other_community.name not in html
    assert footprint() == before


def test_administrator_deactivates_and_activates_a_unit(cast, admin):
    grid = cast.tree.grid_b
    assert admin.post(edit_url(grid), {"action": "deactivate"}).status_code == 302
    assert not OrgUnit.objects.get(pk=grid.pk).is_active
    assert admin.post(edit_url(grid), {"action": "activate"}).status_code == 302
    assert OrgUnit.objects.get(pk=grid.pk).is_active
    actions = list(
        AuditEntry.objects.filter(target_id=str(grid.pk)).values_list("action", flat=True)
    )
    assert "org.unit.deactivate" in actions and "org.unit.activate" in actions


def test_an_unknown_action_is_400(cast, admin):
    before = footprint()
    assert admin.post(edit_url(cast.tree.community), {"action": "delete"}).status_code == 400
    assert admin.post(people_url(cast.tree.community), {"action": "delete"}).status_code == 400
    assert footprint() == before


# --- The people page --------------------------------------------------------------------------


def test_the_people_page_lists_who_holds_a_role_in_the_unit_itself(cast, admin):
    html = admin.get(people_url(cast.tree.district)).content.decode()
    assert holders(html) == {"dispatcher", "leader", "admin"}
    html = admin.get(people_url(cast.tree.grid_a)).content.decode()
    assert holders(html) == {"gw_a"}
    assert offered(html, "grant-role") == [
        Role.GRID_WORKER,
        Role.PART_TIME_GRID_WORKER,
        Role.BUILDING_VOLUNTEER,
    ]


def test_a_town_administrator_never_sees_people_of_the_other_town(cast, town_admin, worker_c):
    client = logged_in(town_admin)
    html = client.get(people_url(cast.tree.town)).content.decode()
    assert cast.tree.other_town.name not in html
    assert worker_c.username not in html
    assert client.get(people_url(cast.tree.grid_c)).status_code == 404


def test_administrator_grants_a_grid_worker_role_at_a_grid(cast, admin):
    response = admin.post(
        people_url(cast.tree.grid_b),
        {"action": "grant", "grant-username": "outsider", "grant-role": Role.GRID_WORKER},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=cast.outsider, unit=cast.tree.grid_b, role=Role.GRID_WORKER, is_active=True
    ).exists()
    assert AuditEntry.objects.filter(action="org.role.grant", actor=cast.administrator).count() == 1
    assert "outsider" in holders(admin.get(people_url(cast.tree.grid_b)).content.decode())


def test_a_grid_worker_role_at_a_department_is_refused_by_the_role_field(cast, admin):
    before = footprint()
    response = admin.post(
        people_url(cast.tree.department),
        {"action": "grant", "grant-username": "outsider", "grant-role": Role.GRID_WORKER},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert fields_in_error(html) == {"role"}
    assert cast.tree.department.get_kind_display() in error_text(html, "role")
    assert footprint() == before


def test_granting_to_an_unknown_account_is_refused_by_the_name(cast, admin):
    before = footprint()
    response = admin.post(
        people_url(cast.tree.grid_b),
        {"action": "grant", "grant-username": "nobody", "grant-role": Role.GRID_WORKER},
    )
    assert response.status_code == 404
    assert fields_in_error(response.content.decode()) == {"username"}
    assert footprint() == before


def test_an_account_working_outside_the_subtree_cannot_be_given_a_role(cast, town_admin, worker_c):
    before = footprint()
    response = logged_in(town_admin).post(
        people_url(cast.tree.grid_b),
        {"action": "grant", "grant-username": worker_c.username, "grant-role": Role.GRID_WORKER},
    )
    assert response.status_code == 404
    assert fields_in_error(response.content.decode()) == {"username"}
    assert footprint() == before


def test_administrator_revokes_a_role(cast, admin):
    membership = Membership.objects.get(user=cast.grid_worker_a, unit=cast.tree.grid_a)
    response = admin.post(
        people_url(cast.tree.grid_a), {"action": "revoke", "membership": str(membership.pk)}
    )
    assert response.status_code == 302
    assert not Membership.objects.get(pk=membership.pk).is_active
    assert AuditEntry.objects.filter(action="org.role.revoke").count() == 1
    assert "gw_a" not in holders(admin.get(people_url(cast.tree.grid_a)).content.decode())


def test_a_role_held_elsewhere_cannot_be_revoked_through_this_page(cast, town_admin, worker_c):
    elsewhere = Membership.objects.get(user=worker_c)
    before = footprint()
    client = logged_in(town_admin)
    for value in (str(elsewhere.pk), "999999", "x"):
        response = client.post(
            people_url(cast.tree.grid_a), {"action": "revoke", "membership": value}
        )
        assert response.status_code == 404
    assert footprint() == before


# --- Creating an account ----------------------------------------------------------------------


def account(**typed: str) -> dict[str, str]:
    return {
        "action": "create_account",
        "account-username": "gw_new",
        "account-full_name": "新网格员",
        "account-password1": GOOD_PASSWORD,
        "account-password2": GOOD_PASSWORD,
        "account-role": Role.GRID_WORKER,
        **typed,
    }


def test_a_city_administrator_creates_an_account_with_a_role_and_a_password(cast, city_admin):
    client = logged_in(city_admin)
    page = client.get(people_url(cast.tree.grid_b)).content.decode()
    assert 'type="password"' in page
    response = client.post(people_url(cast.tree.grid_b), account())
    assert response.status_code == 302
    created = User.objects.get(username="gw_new")
    assert created.full_name == "新网格员"
    assert created.check_password(GOOD_PASSWORD)
    assert Membership.objects.filter(
        user=created, unit=cast.tree.grid_b, role=Role.GRID_WORKER, is_active=True
    ).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"org.account.create", "org.role.grant"} <= actions
    followed = client.get(people_url(cast.tree.grid_b)).content.decode()
    assert GOOD_PASSWORD not in followed
    assert "gw_new" in holders(followed)


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"account-password2": GOOD_PASSWORD + "x"}, "password2"),
        ({"account-password1": "123", "account-password2": "123"}, "password1"),
        ({"account-password1": "password", "account-password2": "password"}, "password1"),
        ({"account-username": ""}, "username"),
        ({"account-username": "gw a!"}, "username"),
        ({"account-username": "gw_a"}, "username"),  # taken
        ({"account-role": Role.DEPARTMENT_HANDLER}, "role"),  # not at a grid
    ],
)
def test_bad_input_on_the_account_form_is_refused_by_the_field_and_nothing_is_written(
    cast, city_admin, typed, field
):
    before = footprint()
    response = logged_in(city_admin).post(people_url(cast.tree.grid_b), account(**typed))
    assert response.status_code == 400
    html = response.content.decode()
    assert fields_in_error(html) == {field}
    assert footprint() == before
    # Passwords are never written back into the page.
    assert GOOD_PASSWORD not in html
    assert 'value="123"' not in html


def test_an_administrator_of_part_of_the_tree_cannot_create_accounts(cast, admin):
    page = admin.get(people_url(cast.tree.grid_b)).content.decode()
    assert 'type="password"' not in page
    before = footprint()
    assert admin.post(people_url(cast.tree.grid_b), account()).status_code == 403
    assert footprint() == before


# --- Query counts -----------------------------------------------------------------------------


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_people_page_takes_the_same_queries_for_few_or_many_people_and_units(
    cast, admin, django_assert_max_num_queries
):
    town = cast.tree.town
    url = people_url(town)
    few = queries_for(admin, url)
    for number in range(20):
        grant_role(None, make_user(f"staff{number}"), town, Role.DISPATCHER)
        community = create_unit(
            None, code=f"C{number}", name=f"社区{number}", kind=UnitKind.COMMUNITY, parent=town
        )
        grant_role(None, make_user(f"cs{number}"), community, Role.COMMUNITY_STAFF)
    assert queries_for(admin, url) == few
    with django_assert_max_num_queries(12):
        admin.get(url)


def test_the_edit_page_takes_the_same_queries_for_few_or_many_candidate_parents(
    cast, admin, django_assert_max_num_queries
):
    url = edit_url(cast.tree.grid_a)
    few = queries_for(admin, url)
    for number in range(20):
        create_unit(
            None,
            code=f"C{number}",
            name=f"社区{number}",
            kind=UnitKind.COMMUNITY,
            parent=cast.tree.other_town,
        )
    assert queries_for(admin, url) == few
    with django_assert_max_num_queries(10):
        admin.get(url)


def test_nothing_may_be_added_below_a_grid_or_a_department(cast, admin):
    for unit in (cast.tree.grid_a, cast.tree.department):
        html = admin.get(reverse("org:unit", args=[unit.code])).content.decode()
        assert f'href="{new_url(unit)}"' not in html
        assert admin.get(new_url(unit)).status_code == 404
