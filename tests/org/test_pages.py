"""Org pages: who may open which page, what each shows, and how many queries it takes.

UI text is translated (Chinese by default), so the tests look for data — names, codes, counts —
and for labels rendered through the same translation as the page, never for English words.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import LAT0, LON0, SIDE, make_user, square
from wangge.core.models import AuditEntry
from wangge.org.models import GridKind, OrgUnit
from wangge.org.queries import coverage_gaps
from wangge.org.roles import Role, UnitKind
from wangge.org.services import create_unit, grant_role, import_boundaries

PAGES_OF_GRID_B = ("org:unit", "org:unit_gaps")


def unit_url(unit: OrgUnit) -> str:
    return reverse("org:unit", args=[unit.code])


def page(client, user, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode()


def feature(code: str, name: str, parent_code: str, geometry: dict | None) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "parent_code": parent_code},
        "geometry": geometry,
    }


def geojson_upload(*features: dict, name: str = "grids.geojson") -> SimpleUploadedFile:
    body = json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()
    return SimpleUploadedFile(name, body, content_type="application/geo+json")


def error_items(html: str) -> list[str]:
    match = re.search(r'<ul class="errors-list">(.*?)</ul>', html, re.S)
    assert match, "no error list next to the file field"
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S)


# --- Login and the way in ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/org/",
        "/org/map/",
        "/org/grids/import/",
        "/org/grids/export.geojson",
        "/org/units/440703006107001/",
        "/org/units/440703006107/gaps/",
    ],
)
def test_every_org_page_needs_a_login(client, cast, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_offers_the_org_pages_and_the_import_only_to_administrators(client, cast):
    worker_home = page(client, cast.grid_worker_a, "/")
    admin_home = page(client, cast.administrator, "/")
    assert reverse("org:tree") in worker_home
    assert reverse("org:map") in worker_home
    assert reverse("org:grid_import") not in worker_home
    assert reverse("org:grid_import") in admin_home


def test_an_account_without_a_role_gets_no_org_entries_on_home(client, cast):
    html = page(client, cast.outsider, "/")
    assert reverse("org:tree") not in html and reverse("org:map") not in html


def test_the_main_menu_marks_the_current_page(client, cast):
    html = page(client, cast.administrator, "/org/map/")
    assert f'<a href="{reverse("org:map")}" aria-current="page">' in html
    assert f'<a href="{reverse("org:tree")}" aria-current' not in html
    assert f'href="{reverse("org:grid_import")}"' in html


# --- The org tree -----------------------------------------------------------------------------


def test_grid_worker_sees_their_own_grid_at_the_top_of_the_tree(client, cast):
    html = page(client, cast.grid_worker_a, "/org/")
    assert cast.tree.grid_a.name in html
    assert cast.tree.grid_b.name not in html


def test_leader_sees_the_district_at_the_top_of_the_tree(client, cast):
    html = page(client, cast.leader, "/org/")
    assert f"<h1>{cast.tree.district.name}</h1>" in html
    assert unit_url(cast.tree.town) in html
    assert unit_url(cast.tree.other_town) in html


def test_someone_with_roles_in_two_places_sees_both_at_the_top(client, cast):
    grant_role(None, cast.grid_worker_a, cast.tree.grid_c, Role.GRID_WORKER)
    html = page(client, cast.grid_worker_a, "/org/")
    assert unit_url(cast.tree.grid_a) in html
    assert unit_url(cast.tree.grid_c) in html
    assert cast.tree.grid_b.name not in html


def test_an_account_without_a_role_sees_an_empty_tree(client, cast):
    html = page(client, cast.outsider, "/org/")
    assert cast.tree.district.name not in html


@pytest.mark.parametrize("name", PAGES_OF_GRID_B)
def test_grid_worker_cannot_open_the_next_grid(client, cast, name):
    page(client, cast.grid_worker_a, reverse(name, args=[cast.tree.grid_b.code]), status=404)


@pytest.mark.parametrize(
    "url",
    ["/", "/org/", "/org/map/", "/org/units/440703006107001/", "/org/map/?grid=440703006107002"],
)
def test_grid_worker_never_sees_the_next_grid_on_any_page(client, cast, url):
    html = page(client, cast.grid_worker_a, url)
    assert cast.tree.grid_b.name not in html
    assert cast.grid_worker_b.full_name not in html


def test_grid_worker_cannot_open_the_community_above_their_grid(client, cast):
    page(client, cast.grid_worker_a, unit_url(cast.tree.community), status=404)


def test_a_code_that_does_not_exist_is_404(client, cast):
    page(client, cast.leader, "/org/units/NO-SUCH-CODE/", status=404)


def test_breadcrumbs_link_only_the_ancestors_inside_the_scope(client, cast):
    html = page(client, cast.community_staff, unit_url(cast.tree.grid_a))
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert f'<a href="{unit_url(cast.tree.community)}">{cast.tree.community.name}</a>' in crumbs
    assert f'<span class="muted">{cast.tree.district.name}</span>' in crumbs
    assert f'<span class="muted">{cast.tree.town.name}</span>' in crumbs
    assert unit_url(cast.tree.district) not in crumbs


def test_the_leader_gets_every_ancestor_as_a_link(client, cast):
    html = page(client, cast.leader, unit_url(cast.tree.grid_a))
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    for ancestor in (cast.tree.district, cast.tree.town, cast.tree.community):
        assert f'<a href="{unit_url(ancestor)}">' in crumbs


def test_a_grid_page_shows_its_facts(client, cast):
    grid = cast.tree.grid_a
    html = page(client, cast.grid_worker_a, unit_url(grid))
    assert grid.code in html
    assert str(UnitKind.GRID.label) in html
    assert cast.tree.community.name in html
    assert GridKind.objects.get(code="full_time").name in html


def test_children_are_listed_with_their_grids_and_staff(client, cast):
    html = page(client, cast.leader, unit_url(cast.tree.district))
    rows = {
        code: (grids, staff)
        for code, grids, staff in re.findall(
            r'<span class="code">(\w+)</span></span>\s*</td>\s*'
            r'<td class="num">(?:<span class="muted">—</span>|(\d+))</td>\s*'
            r'<td class="num">(\d+)</td>',
            html,
        )
    }
    # 环市街道: grids A and B; grid worker A, grid worker B and the community staff.
    assert rows[cast.tree.town.code] == ("2", "3")
    assert rows[cast.tree.other_town.code] == ("1", "0")
    assert rows[cast.tree.department.code] == ("0", "1")


def test_staff_are_listed_with_their_roles(client, cast):
    html = page(client, cast.community_staff, unit_url(cast.tree.grid_a))
    assert cast.grid_worker_a.full_name in html
    assert str(Role.GRID_WORKER.label) in html


def test_someone_who_may_not_see_staff_sees_no_names(client, cast):
    volunteer = make_user("volunteer", "楼长甲")
    grant_role(None, volunteer, cast.tree.grid_a, Role.BUILDING_VOLUNTEER)
    html = page(client, volunteer, unit_url(cast.tree.grid_a))
    assert cast.tree.grid_a.name in html
    assert cast.grid_worker_a.full_name not in html
    assert volunteer.full_name in html  # only in the top bar, as the one logged in
    assert html.count(volunteer.full_name) == 2  # the name and its title attribute


def test_the_unit_map_gets_the_boundaries_as_data_not_as_a_script(client, cast):
    html = page(client, cast.community_staff, unit_url(cast.tree.community))
    match = re.search(r'<script id="unit-map-data" type="application/json">(.*?)</script>', html)
    data = json.loads(match.group(1))
    assert {child["code"] for child in data["children"]} == {
        cast.tree.grid_a.code,
        cast.tree.grid_b.code,
    }
    assert data["children"][0]["boundary"]["type"] == "Polygon"


def add_communities(town: OrgUnit, count: int, start: int) -> None:
    full_time = GridKind.objects.get(code="full_time")
    for number in range(start, start + count):
        community = create_unit(
            None, code=f"C{number}", name=f"社区{number}", kind=UnitKind.COMMUNITY, parent=town
        )
        grid = create_unit(
            None,
            code=f"G{number}",
            name=f"网格{number}",
            kind=UnitKind.GRID,
            parent=community,
            grid_kind=full_time,
            boundary=square(LON0 + 1 + number * SIDE, LAT0),
        )
        grant_role(None, make_user(f"w{number}"), grid, Role.GRID_WORKER)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_of", [lambda t: unit_url(t.town), lambda t: "/org/"])
def test_the_tree_takes_the_same_queries_for_3_or_30_children(
    client, cast, django_assert_max_num_queries, url_of
):
    client.force_login(cast.leader)
    url = url_of(cast.tree)
    add_communities(cast.tree.town, 2, start=0)
    few = queries_for(client, url)
    add_communities(cast.tree.town, 27, start=2)
    many = queries_for(client, url)
    assert many == few
    with django_assert_max_num_queries(12):
        client.get(url)


# --- The grid map -----------------------------------------------------------------------------


def test_the_grid_map_opens_for_each_role(client, cast):
    for user in (cast.grid_worker_a, cast.leader, cast.department_handler, cast.administrator):
        html = page(client, user, "/org/map/")
        config = json.loads(
            re.search(
                r'<script id="grid-map-config" type="application/json">(.*?)</script>', html
            ).group(1)
        )
        assert config["gridsUrl"] == reverse("api:grid_map")
        assert config["locateUrl"] == reverse("api:locate_point")
        assert config["gridKinds"]["full_time"] == GridKind.objects.get(code="full_time").name


def test_the_grid_map_takes_a_few_queries(client, cast, django_assert_max_num_queries):
    client.force_login(cast.leader)
    with django_assert_max_num_queries(6):
        client.get("/org/map/")


@pytest.mark.parametrize(
    "url",
    ["/", "/org/", "/org/map/", "/org/units/440703006107/", "/org/grids/import/"],
)
def test_pages_carry_no_inline_script(client, cast, url):
    html = page(client, cast.administrator, url)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " on" + "click=" not in html


# --- Importing grids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["grid_worker_a", "community_staff", "dispatcher", "leader", "outsider"]
)
def test_only_those_who_manage_the_tree_may_import(client, cast, persona):
    user = getattr(cast, persona)
    page(client, user, "/org/grids/import/", status=403)
    client.force_login(user)
    before = OrgUnit.objects.count()
    upload = geojson_upload(
        feature("N1", "新网格", cast.tree.community.code, square(LON0, LAT0 - SIDE))
    )
    assert client.post("/org/grids/import/", {"file": upload}).status_code == 403
    assert OrgUnit.objects.count() == before


def test_administrator_imports_grids_and_sees_the_counts(client, cast):
    client.force_login(cast.administrator)
    new = feature("440703006107003", "石冲社区第三网格", cast.tree.community.code, None)
    new["geometry"] = square(LON0, LAT0 - SIDE)
    response = client.post("/org/grids/import/", {"file": geojson_upload(new)})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong data-count="created">1</strong>' in html
    assert '<strong data-count="unchanged">0</strong>' in html
    assert OrgUnit.objects.get(code="440703006107003").parent == cast.tree.community

    again = client.post("/org/grids/import/", {"file": geojson_upload(new)}).content.decode()
    assert '<strong data-count="created">0</strong>' in again
    assert '<strong data-count="unchanged">1</strong>' in again


def test_a_bad_file_lists_every_feature_error_and_writes_nothing(client, cast):
    client.force_login(cast.administrator)
    units, audit = OrgUnit.objects.count(), AuditEntry.objects.count()
    upload = geojson_upload(
        feature("OK1", "好网格", cast.tree.community.code, square(LON0, LAT0 - SIDE)),
        feature("BAD2", "", cast.tree.community.code, square(LON0 + SIDE, LAT0 - SIDE)),
        feature("BAD3", "无上级", "NO-SUCH-PARENT", square(LON0 + 2 * SIDE, LAT0 - SIDE)),
    )
    response = client.post("/org/grids/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    errors = error_items(html)
    assert len(errors) == 2
    assert "BAD2" in errors[0]
    assert "BAD3" in errors[1]
    assert "NO-SUCH-PARENT" in errors[1]
    assert 'aria-invalid="true"' in html
    assert 'data-count="created"' not in html
    assert OrgUnit.objects.count() == units
    assert AuditEntry.objects.count() == audit


def test_a_file_that_is_not_json_is_refused_next_to_the_field(client, cast):
    client.force_login(cast.administrator)
    upload = SimpleUploadedFile("grids.geojson", b"{not json", content_type="application/json")
    html = client.post("/org/grids/import/", {"file": upload}).content.decode()
    assert len(error_items(html)) == 1


def test_posting_without_a_file_asks_for_one(client, cast):
    client.force_login(cast.administrator)
    html = client.post("/org/grids/import/", {}).content.decode()
    assert len(error_items(html)) == 1


@pytest.mark.parametrize(
    ("name", "body"), [("grids.geojson", b""), ("grids.shp", b"{}"), ("grids.txt", b"{}")]
)
def test_empty_files_and_other_kinds_of_file_are_refused(client, cast, name, body):
    client.force_login(cast.administrator)
    upload = SimpleUploadedFile(name, body)
    html = client.post("/org/grids/import/", {"file": upload}).content.decode()
    assert len(error_items(html)) == 1


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, cast, settings):
    settings.GRID_IMPORT_MAX_BYTES = 100
    client.force_login(cast.administrator)
    before = OrgUnit.objects.count()
    upload = geojson_upload(
        feature("BIG1", "大文件网格" * 10, cast.tree.community.code, square(LON0, LAT0 - SIDE))
    )
    html = client.post("/org/grids/import/", {"file": upload}).content.decode()
    [message] = error_items(html)
    assert "100" in message
    assert OrgUnit.objects.count() == before


def test_the_import_form_needs_the_csrf_token(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.administrator)
    upload = geojson_upload(
        feature("X1", "网格", cast.tree.community.code, square(LON0, LAT0 - SIDE))
    )
    assert client.post("/org/grids/import/", {"file": upload}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in client.get("/org/grids/import/").content.decode()


def test_an_administrator_of_one_town_cannot_import_into_another(client, cast):
    town_admin = make_user("town_admin", "街道管理员")
    grant_role(None, town_admin, cast.tree.other_town, Role.ADMINISTRATOR)
    client.force_login(town_admin)
    before = OrgUnit.objects.count()
    upload = geojson_upload(
        feature("X2", "越界网格", cast.tree.community.code, square(LON0, LAT0 - SIDE))
    )
    html = client.post("/org/grids/import/", {"file": upload}).content.decode()
    assert len(error_items(html)) == 1
    assert OrgUnit.objects.count() == before


# --- Exporting grids --------------------------------------------------------------------------


def export(client, user, query: str = "", status: int = 200):
    client.force_login(user)
    response = client.get(f"/org/grids/export.geojson{query}")
    assert response.status_code == status
    return response


def test_administrator_downloads_the_grids_of_their_district(client, cast):
    response = export(client, cast.administrator)
    assert response["Content-Type"].startswith("application/geo+json")
    assert response["Content-Disposition"].startswith("attachment;")
    codes = {f["properties"]["code"] for f in json.loads(response.content)["features"]}
    assert codes == {cast.tree.grid_a.code, cast.tree.grid_b.code, cast.tree.grid_c.code}


def test_the_export_reads_back_as_unchanged(client, cast):
    body = export(client, cast.administrator).content
    upload = SimpleUploadedFile("export.geojson", body)
    html = client.post("/org/grids/import/", {"file": upload}).content.decode()
    assert '<strong data-count="unchanged">3</strong>' in html


def test_an_administrator_of_one_town_downloads_only_its_grids(client, cast):
    town_admin = make_user("town_admin", "街道管理员")
    grant_role(None, town_admin, cast.tree.other_town, Role.ADMINISTRATOR)
    response = export(client, town_admin)
    codes = {f["properties"]["code"] for f in json.loads(response.content)["features"]}
    assert codes == {cast.tree.grid_c.code}
    export(client, town_admin, f"?within={cast.tree.community.code}", status=404)


def test_the_export_can_be_narrowed_to_one_unit(client, cast):
    response = export(client, cast.administrator, f"?within={cast.tree.community.code}")
    codes = {f["properties"]["code"] for f in json.loads(response.content)["features"]}
    assert codes == {cast.tree.grid_a.code, cast.tree.grid_b.code}


@pytest.mark.parametrize("persona", ["grid_worker_a", "leader", "outsider"])
def test_only_those_who_manage_the_tree_may_download_it(client, cast, persona):
    export(client, getattr(cast, persona), status=403)


# --- Coverage gaps ----------------------------------------------------------------------------


@pytest.fixture
def community_with_a_gap(cast):
    """石冲社区 is three squares wide; grids A and B cover two of them."""
    outline = {
        "type": "Polygon",
        "coordinates": [
            [
                [LON0, LAT0],
                [LON0 + 3 * SIDE, LAT0],
                [LON0 + 3 * SIDE, LAT0 + SIDE],
                [LON0, LAT0 + SIDE],
                [LON0, LAT0],
            ]
        ],
    }
    import_boundaries(
        None,
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": cast.tree.community.code},
                    "geometry": outline,
                }
            ],
        },
    )
    cast.tree.community.refresh_from_db()
    return cast.tree.community


def test_community_staff_see_the_gap_of_their_community_with_its_area(
    client, cast, community_with_a_gap
):
    [coverage] = coverage_gaps(community_with_a_gap)
    [gap] = coverage.gaps
    html = page(client, cast.community_staff, reverse("org:unit_gaps", args=["440703006107"]))
    assert floatformat(gap.area_m2, "1g") in html
    assert floatformat(coverage.gap_m2, "0g") in html
    data = json.loads(
        re.search(r'<script id="gaps-map-data" type="application/json">(.*?)</script>', html).group(
            1
        )
    )
    assert len(data["gaps"]) == 1
    assert data["outline"]["type"] == "Polygon"


def test_a_community_without_a_boundary_says_so(client, cast):
    html = page(client, cast.community_staff, reverse("org:unit_gaps", args=["440703006107"]))
    assert 'id="gaps-map"' not in html


def test_the_gaps_of_a_town_list_each_community(client, cast, community_with_a_gap):
    html = page(client, cast.leader, reverse("org:unit_gaps", args=[cast.tree.town.code]))
    assert reverse("org:unit_gaps", args=[cast.tree.community.code]) in html


def test_a_grid_has_no_gaps_page(client, cast):
    page(client, cast.leader, reverse("org:unit_gaps", args=[cast.tree.grid_a.code]), status=404)


def test_a_grid_worker_cannot_see_the_gaps_of_their_community(client, cast):
    url = reverse("org:unit_gaps", args=[cast.tree.community.code])
    page(client, cast.grid_worker_a, url, status=404)
