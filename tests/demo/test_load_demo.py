"""`wangge demo` loads 蓬江区 as it is: real divisions, 410 grids that tile every village and
community, a grid worker in every grid, and one account per role that can log in. Loading it
again changes nothing.

The load takes a few seconds, so it happens once for the module, inside a transaction that is
rolled back at the end (each test still runs in its own savepoint).
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import shapely
from django.core.management import call_command
from django.db import transaction
from shapely.geometry import Polygon, shape
from shapely.strtree import STRtree

from conftest import square
from wangge.core import clock
from wangge.core.models import AuditEntry, User
from wangge.demo.divisions import DISTRICT_CODE
from wangge.demo.loader import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoLoad, load_demo
from wangge.org.models import MapVersion, Membership, OrgUnit
from wangge.org.roles import Role, UnitKind

# An equirectangular projection at the district's latitude (22.58°N): good to a fraction of a
# per cent over 20 km, plenty for plausibility checks (overlaps are expected to be exactly zero).
M_PER_DEG_LAT = 110_740.0
M_PER_DEG_LON = 111_320.0 * 0.923342  # cos(22.58°)
SLIVER_M2 = 5.0  # how much of a community its grids may leave uncovered
SHICHONG, GRID_1 = "440703006107", "440703006107001"  # 石冲社区 and its first grid


@pytest.fixture(scope="module")
def demo_load(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoLoad]:
    """The demo, loaded once; rolled back after the module so other modules start empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        load = load_demo()
        yield load
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_load: DemoLoad, db: None) -> DemoLoad:
    return demo_load


def metres(boundary: dict) -> Polygon:
    return shapely.transform(shape(boundary), lambda xy: xy * [M_PER_DEG_LON, M_PER_DEG_LAT])


def units_of(kind: str) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(kind=kind).select_related("parent"))


def test_loading_creates_the_district_its_6_towns_139_areas_and_410_grids(demo):
    district = OrgUnit.objects.get(code=DISTRICT_CODE)
    assert district.name == "蓬江区"
    assert district.parent is None
    assert OrgUnit.objects.filter(kind__in=[UnitKind.TOWN, UnitKind.SUBDISTRICT]).count() == 6
    assert OrgUnit.objects.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.VILLAGE]).count() == 139
    assert OrgUnit.objects.filter(kind=UnitKind.GRID).count() == 410
    assert OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, parent=district).count() == 10
    assert demo.created_units == OrgUnit.objects.count()


def test_towns_are_towns_and_subdistricts_by_their_real_names(demo):
    towns = dict(
        OrgUnit.objects.filter(kind__in=[UnitKind.TOWN, UnitKind.SUBDISTRICT]).values_list(
            "name", "kind"
        )
    )
    assert towns == {
        "白沙街道": UnitKind.SUBDISTRICT,
        "潮连街道": UnitKind.SUBDISTRICT,
        "环市街道": UnitKind.SUBDISTRICT,
        "棠下镇": UnitKind.TOWN,
        "荷塘镇": UnitKind.TOWN,
        "杜阮镇": UnitKind.TOWN,
    }


@pytest.mark.parametrize(
    ("name", "code", "town"),
    [
        ("石冲社区", "440703006107", "环市街道"),
        ("甘化社区", "440703002153", "白沙街道"),
        ("东成社区", "440703002129", "白沙街道"),
        ("雅怡社区", "440703002132", "白沙街道"),
        ("滨江社区", "440703101002", "棠下镇"),
        ("富冈社区", "440703005103", "潮连街道"),
        ("上巷村", "440703103213", "杜阮镇"),
        ("松园村", "440703103214", "杜阮镇"),
        ("长乔村", "440703103218", "杜阮镇"),
    ],
)
def test_places_named_in_reports_exist_with_their_real_codes(demo, name, code, town):
    unit = OrgUnit.objects.select_related("parent").get(code=code)
    assert unit.name == name
    assert unit.parent.name == town


def test_grids_are_numbered_within_their_community(demo):
    grid = OrgUnit.objects.select_related("parent", "grid_kind").get(code="440703006107001")
    assert grid.name == "石冲社区第1网格"
    assert grid.parent.name == "石冲社区"
    assert grid.grid_kind.code == "full_time"
    for grid in units_of(UnitKind.GRID):
        number = int(grid.code[12:])
        assert grid.code[:12] == grid.parent.code
        assert grid.name == f"{grid.parent.name}第{number}网格"


def test_community_grids_are_full_time_and_some_village_grids_part_time(demo):
    kinds = set(
        OrgUnit.objects.filter(kind=UnitKind.GRID).values_list("parent__kind", "grid_kind__code")
    )
    assert kinds == {
        (UnitKind.COMMUNITY, "full_time"),
        (UnitKind.VILLAGE, "full_time"),
        (UnitKind.VILLAGE, "part_time"),
    }


def test_every_grid_is_one_valid_polygon_of_plausible_size_inside_its_community(demo):
    parents = {unit.pk: metres(unit.boundary) for unit in units_of(UnitKind.COMMUNITY)}
    parents |= {unit.pk: metres(unit.boundary) for unit in units_of(UnitKind.VILLAGE)}
    for grid in units_of(UnitKind.GRID):
        boundary = shape(grid.boundary)
        assert isinstance(boundary, Polygon), grid.code
        assert boundary.is_valid, grid.code
        area = metres(grid.boundary)
        assert 0.05e6 < area.area < 5e6, grid.code
        assert area.difference(parents[grid.parent_id]).area < 0.01, grid.code


def test_the_grids_of_a_community_tile_it_without_gaps_or_overlaps(demo, settings):
    grids: dict[int, list[Polygon]] = {}
    for grid in units_of(UnitKind.GRID):
        grids.setdefault(grid.parent_id, []).append(metres(grid.boundary))
    areas = units_of(UnitKind.COMMUNITY) + units_of(UnitKind.VILLAGE)
    assert len(areas) == len(grids) == 139
    for area in areas:
        pieces = grids[area.pk]
        tree = STRtree(pieces)
        left, right = tree.query(pieces, predicate="intersects")
        for i, j in zip(left, right, strict=True):
            if i < j:
                overlap = pieces[i].intersection(pieces[j]).area
                assert overlap < settings.GRID_OVERLAP_TOLERANCE_M2, area.name
        assert metres(area.boundary).difference(shapely.union_all(pieces)).area < SLIVER_M2


def test_no_two_grids_of_the_district_overlap(demo, settings):
    pieces = [metres(grid.boundary) for grid in units_of(UnitKind.GRID)]
    left, right = STRtree(pieces).query(pieces, predicate="intersects")
    worst = max(
        pieces[i].intersection(pieces[j]).area for i, j in zip(left, right, strict=True) if i < j
    )
    assert worst < settings.GRID_OVERLAP_TOLERANCE_M2


def test_towns_and_the_district_are_the_union_of_their_children(demo):
    district = OrgUnit.objects.get(code=DISTRICT_CODE)
    towns = list(OrgUnit.objects.filter(kind__in=[UnitKind.TOWN, UnitKind.SUBDISTRICT]))
    union = shapely.union_all([metres(town.boundary) for town in towns])
    assert union.symmetric_difference(metres(district.boundary)).area < SLIVER_M2
    for town in towns:
        children = OrgUnit.objects.filter(parent=town)
        union = shapely.union_all([metres(child.boundary) for child in children])
        assert union.symmetric_difference(metres(town.boundary)).area < SLIVER_M2, town.name
        assert isinstance(shape(town.boundary), Polygon), town.name


def test_the_district_covers_about_325_km2_around_jiangmen(demo):
    boundary = OrgUnit.objects.get(code=DISTRICT_CODE).boundary
    assert 300e6 < metres(boundary).area < 350e6
    centre = shape(boundary).centroid
    assert centre.y == pytest.approx(22.58, abs=0.05)
    assert centre.x == pytest.approx(113.08, abs=0.05)
    # 潮连 is an island in the West River, so the district comes in two pieces.
    assert shape(boundary).geom_type == "MultiPolygon"


def test_every_grid_has_one_full_time_grid_worker(demo):
    workers = Counter(
        Membership.objects.filter(role=Role.GRID_WORKER, is_active=True).values_list(
            "unit__code", flat=True
        )
    )
    grids = OrgUnit.objects.filter(kind=UnitKind.GRID).values_list("code", flat=True)
    assert {code: workers[code] for code in grids} == dict.fromkeys(grids, 1)


def test_every_part_time_grid_also_has_a_part_time_grid_worker(demo):
    part_time = set(
        OrgUnit.objects.filter(grid_kind__code="part_time").values_list("code", flat=True)
    )
    staffed = set(
        Membership.objects.filter(role=Role.PART_TIME_GRID_WORKER).values_list(
            "unit__code", flat=True
        )
    )
    assert part_time
    assert part_time <= staffed


def test_generated_people_have_chinese_names_and_the_demo_password(demo):
    worker = User.objects.get(username="gw440703002101001")
    assert 2 <= len(worker.full_name) <= 4
    assert worker.check_password(DEMO_PASSWORD)


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.username)
def test_each_demo_account_holds_its_role(demo, account):
    membership = Membership.objects.select_related("unit").get(user__username=account.username)
    assert membership.role == account.role
    assert membership.unit.code == account.unit_code


def test_the_demo_administrator_is_a_superuser(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert not User.objects.get(username="leader").is_superuser


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.username)
def test_each_demo_account_logs_in_with_the_demo_password(demo, client, account):
    response = client.post(
        "/accounts/login/",
        {"username": account.username, "password": DEMO_PASSWORD},
        REMOTE_ADDR=f"10.9.0.{DEMO_ACCOUNTS.index(account) + 1}",
    )
    assert response.status_code == 302
    assert response["Location"] == "/cases/my/"
    assert client.get("/cases/my/").status_code == 200
    assert client.get("/").status_code == 200


def test_every_change_went_through_the_services_and_was_audited(demo):
    assert AuditEntry.objects.filter(action="org.unit.create").count() == demo.created_units
    # The member unit's contact account is made by the claims demo, through the same service.
    contact_accounts = User.objects.filter(username="memberunit").count()
    assert (
        AuditEntry.objects.filter(action="org.account.create").count()
        == demo.created_accounts + contact_accounts
    )
    assert AuditEntry.objects.filter(action="org.role.grant").count() == demo.granted_roles


def snapshot() -> dict:
    """Row counts and a checksum of every unit and account as stored."""
    units = OrgUnit.objects.order_by("code").values_list(
        "code", "name", "kind", "parent_id", "path", "grid_kind_id", "boundary", "updated_at"
    )
    users = User.objects.order_by("username").values_list(
        "username", "full_name", "password", "is_superuser", "is_active"
    )
    memberships = Membership.objects.order_by("pk").values_list(
        "user_id", "unit_id", "role", "is_active"
    )
    digest = hashlib.sha256()
    for row in [*units, *users, *memberships]:
        digest.update(json.dumps(row, default=str, sort_keys=True).encode())
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "audit entries": AuditEntry.objects.count(),
        "map version": MapVersion.objects.get().version,
        "checksum": digest.hexdigest(),
    }


def test_loading_again_changes_nothing(demo):
    before = snapshot()
    again = load_demo()
    assert snapshot() == before
    assert not again.changed_anything


def test_loading_again_puts_back_a_renamed_community(demo):
    OrgUnit.objects.filter(code=SHICHONG).update(name="改名社区")
    again = load_demo()
    assert again.restored_units == [SHICHONG]
    assert OrgUnit.objects.get(code=SHICHONG).name == "石冲社区"
    assert AuditEntry.objects.filter(action="org.unit.rename").count() == 1


def test_loading_again_puts_back_a_redrawn_grid_through_the_grid_import(demo):
    grid = OrgUnit.objects.get(code=GRID_1)
    drawn, version = grid.boundary, MapVersion.objects.get().version
    OrgUnit.objects.filter(pk=grid.pk).update(boundary=square(113.0, 22.0), name="新网格")
    again = load_demo()
    assert again.restored_units == [GRID_1]
    grid.refresh_from_db()
    assert (grid.boundary, grid.name) == (drawn, "石冲社区第1网格")
    assert MapVersion.objects.get().version == version + 1
    assert AuditEntry.objects.filter(action="org.grids.import").count() == 1


def test_loading_again_puts_back_a_redrawn_community_boundary(demo):
    community = OrgUnit.objects.get(code=SHICHONG)
    drawn = community.boundary
    OrgUnit.objects.filter(pk=community.pk).update(boundary=square(113.0, 22.0))
    again = load_demo()
    assert again.restored_units == [SHICHONG]
    community.refresh_from_db()
    assert community.boundary == drawn
    assert AuditEntry.objects.filter(action="org.boundaries.import").count() == 1


def test_the_command_says_when_there_was_nothing_to_load(demo):
    out = StringIO()
    call_command("demo", stdout=out, stderr=StringIO())
    assert "nothing changed" in out.getvalue()


def test_the_command_prints_the_summary_and_the_demo_accounts(demo):
    out = StringIO()
    call_command("demo", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert ": 410" in text  # grids and full-time grid workers
    for account in DEMO_ACCOUNTS:
        assert account.username in text
    assert "石冲社区第1网格" in text
    assert DEMO_PASSWORD in text


def test_the_demo_holds_cases_at_every_step_of_the_loop_once(demo) -> None:
    from wangge.cases.models import Case
    from wangge.demo.cases import DEMO_CASES
    from wangge.demo.loader import load_demo
    from wangge.demo.routing import past_cases

    states = set(Case.objects.values_list("state", flat=True))
    filed = len(DEMO_CASES) + len(past_cases())

    assert demo.created_cases == Case.objects.count() == filed
    assert {"reported", "accepted", "dispatched", "handling", "handled", "verified"} <= states
    assert {"closed", "declined", "merged"} <= states
    again = load_demo()
    assert again.created_cases == again.trained_models == 0
    assert Case.objects.count() == filed


def test_the_demo_trains_a_routing_model_and_suggests_for_the_waiting_cases(demo) -> None:
    from wangge.cases.models import Case
    from wangge.cases.workflow import CaseState
    from wangge.demo.routing import past_cases
    from wangge.routing import services as routing
    from wangge.routing.models import ModelVersion, Suggestion

    assert demo.trained_models == 1
    version = ModelVersion.objects.get()
    assert version.is_active
    assert version.report["n"] > 0  # evaluated on a hold-out, as every training is
    history = Case.objects.filter(
        state=CaseState.CLOSED, description__in=[past.description for past in past_cases()]
    )
    assert history.count() == len(past_cases())
    waiting = Case.objects.filter(state=CaseState.REPORTED)
    suggested = {s.case_id: s for s in Suggestion.objects.filter(case__in=waiting)}
    # Cases waiting longer than the routing window are left to the dispatcher, as in production.
    recent = waiting.filter(
        reported_at__gte=clock.now() - timedelta(days=routing.SUGGEST_WITHIN_DAYS)
    )
    assert set(suggested) == set(recent.values_list("pk", flat=True))
    assert 0 < recent.count() < waiting.count()
    garbage = waiting.get(description__startswith="石冲路口垃圾桶旁堆放生活垃圾")
    assert suggested[garbage.pk].category.code == "E0101"


def test_the_demo_grid_has_a_registry_to_work_in(demo):
    from wangge.people.models import House, Person, Residence
    from wangge.people.permissions import visible_persons
    from wangge.people.services import crowded_rentals, visits_due

    worker = User.objects.get(username="gridworker")
    assert demo.registered_people == Person.objects.count() > 100
    assert visible_persons(worker).count() == Person.objects.filter(grid__code=GRID_1).count()
    registrations = set(Person.objects.values_list("registration", flat=True))
    assert {"local", "floating"} <= registrations
    assert crowded_rentals(House.objects.all()).exists()
    assert Residence.objects.filter(moved_out__isnull=False).exists()  # a ledger to read
    assert visits_due(worker)  # some elderly people are waiting for a visit
