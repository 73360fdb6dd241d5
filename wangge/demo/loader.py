"""Load the demo district, 蓬江区 of 江门市, through the org services: its real towns, villages and
communities, 410 drawn grids, a grid worker for every grid, departments, and one account per
role to try the platform with (`DEMO_ACCOUNTS`, all with `DEMO_PASSWORD`).

Loading is idempotent. Units are found by code and accounts by name; only what is missing is
created, and a unit whose name or boundary was changed is put back as the demo has it, so a
second run writes nothing at all: no row, no audit entry, no new map version. Everything goes
through `wangge.org.services` as the system (actor None): create_unit, create_account and
grant_role create, rename_unit, import_grids and import_boundaries put back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count

from wangge.cases.models import Category
from wangge.cases.services import update_category
from wangge.core.models import User
from wangge.demo.campaigns import load_demo_campaigns
from wangge.demo.cases import load_demo_cases
from wangge.demo.claims import load_demo_claims
from wangge.demo.divisions import DISTRICT_CODE, Division, load_divisions
from wangge.demo.evaluation import load_demo_evaluation
from wangge.demo.geometry import DemoMap, generate_demo_map, geojson
from wangge.demo.info_reports import load_demo_info_reports
from wangge.demo.meetings import load_demo_meetings
from wangge.demo.names import person_name
from wangge.demo.people import load_demo_registry
from wangge.demo.routing import load_demo_routing
from wangge.org.models import GridKind, Membership, OrgUnit
from wangge.org.roles import Role, UnitKind
from wangge.org.services import (
    create_account,
    create_unit,
    grant_role,
    import_boundaries,
    import_grids,
    rename_unit,
)

# Every demo account's password. Public on purpose: `wangge demo` prints it.
DEMO_PASSWORD = "wangge-demo"  # noqa: S105

FULL_TIME, PART_TIME = "full_time", "part_time"  # the grid kinds migration 0002 ships
SHICHONG = "440703006107"  # 石冲社区 (环市街道), where the demo accounts work
CHENGGUAN = "D440703CG"
# The district's functional departments, to which the command centre dispatches cases.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    (CHENGGUAN, "城市管理和综合执法局"),
    ("D440703ZJ", "住房和城乡建设局"),
    ("D440703SL", "农业农村和水利局"),
    ("D440703GA", "公安分局"),
    ("D440703HB", "生态环境分局"),
    ("D440703SJ", "市场监督管理局"),
    ("D440703JT", "交通运输局"),
    ("D440703WJ", "卫生健康局"),
    ("D440703MZ", "民政局"),
    ("D440703YJ", "应急管理局"),
)
# Where the command centre sends each kind of case by default: a class's code covers its
# subcategories unless a subcategory is named itself; kinds not listed (most disputes) have no
# default and a dispatcher chooses.
DEFAULT_DEPARTMENTS: dict[str, str] = {
    "C01": CHENGGUAN,
    "C02": "D440703JT",
    "C03": CHENGGUAN,
    "C04": CHENGGUAN,
    "E01": CHENGGUAN,
    "E02": CHENGGUAN,
    "E03": "D440703ZJ",
    "E04": CHENGGUAN,
    "E05": "D440703YJ",
    "R02": "D440703MZ",
    "R0201": "D440703ZJ",
    "R0205": "D440703WJ",
    "R03": "D440703MZ",
    "R04": "D440703MZ",
    "R0501": "D440703HB",
    "R0502": "D440703HB",
    "R0503": "D440703SJ",
    "R0504": "D440703ZJ",
    "R0505": "D440703JT",
    "R0601": CHENGGUAN,
    "R0602": "D440703YJ",
    "R0603": "D440703SJ",
    "R0604": "D440703JT",
    "R0605": "D440703GA",
    "R07": "D440703MZ",
}
# Places named in the district's reports: each gets two community staff.
STAFFED_AREAS = (
    SHICHONG,
    "440703002153",  # 甘化社区
    "440703002129",  # 东成社区
    "440703002132",  # 雅怡社区
    "440703101002",  # 滨江社区
    "440703005103",  # 富冈社区
    "440703103213",  # 上巷村
    "440703103214",  # 松园村
    "440703103218",  # 长乔村
)
# Urban communities whose grids each have two building volunteers (志愿楼长).
VOLUNTEER_AREAS = STAFFED_AREAS[:4]


def grid_code(area_code: str, number: int) -> str:
    """A grid's code: its village's or community's 12-digit code and a 3-digit number."""
    return f"{area_code}{number:03d}"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit_code: str
    is_superuser: bool = False


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("gridworker", Role.GRID_WORKER, grid_code(SHICHONG, 1)),
    DemoAccount("parttime", Role.PART_TIME_GRID_WORKER, grid_code(SHICHONG, 2)),
    DemoAccount("volunteer", Role.BUILDING_VOLUNTEER, grid_code(SHICHONG, 1)),
    DemoAccount("staff", Role.COMMUNITY_STAFF, SHICHONG),
    DemoAccount("dispatcher", Role.DISPATCHER, DISTRICT_CODE),
    DemoAccount("handler", Role.DEPARTMENT_HANDLER, CHENGGUAN),
    DemoAccount("leader", Role.LEADER, DISTRICT_CODE),
    DemoAccount("admin", Role.ADMINISTRATOR, DISTRICT_CODE, is_superuser=True),
)


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    kind: str
    parent_code: str | None
    grid_kind: str | None = None
    boundary: dict | None = None
    properties: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PersonPlan:
    username: str
    full_name: str
    roles: tuple[tuple[str, str], ...]  # (role, unit code)
    is_superuser: bool = False


@dataclass
class DemoLoad:
    """What one load changed."""

    created_units: int = 0
    # Codes of units whose name or boundary had been changed and were put back.
    restored_units: list[str] = field(default_factory=list)
    created_accounts: int = 0
    granted_roles: int = 0
    linked_categories: int = 0
    created_cases: int = 0
    registered_people: int = 0
    # Rows of the community work: campaigns and visits, claims, meetings and votes.
    community_work_rows: int = 0
    # Routing model versions trained from the demo's closed cases (0 or 1).
    trained_models: int = 0
    seconds: float = 0.0

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created_units
            or self.restored_units
            or self.created_accounts
            or self.granted_roles
            or self.linked_categories
            or self.created_cases
            or self.registered_people
            or self.community_work_rows
            or self.trained_models
        )


@dataclass(frozen=True)
class DemoSummary:
    """What the demo district holds now, for the command to print."""

    towns: int
    communities: int
    villages: int
    grids: int
    grid_workers: int
    part_time_grid_workers: int
    building_volunteers: int
    departments: int
    accounts: list[tuple[DemoAccount, str]]  # each demo account and its unit's name


def plan_units(divisions: list[Division], demo_map: DemoMap) -> list[UnitPlan]:
    """Every unit of the demo, parents before children."""
    plans: list[UnitPlan] = []
    for division in divisions:
        plans.append(
            UnitPlan(
                code=division.code,
                name=division.name,
                kind=division.kind,
                parent_code=division.parent_code or None,
                boundary=geojson(demo_map.areas[division.code]),
                properties={"statistical_name": division.statistical_name},
            )
        )
        if division.kind == UnitKind.DISTRICT:
            plans.extend(
                UnitPlan(code, name, UnitKind.DEPARTMENT, division.code)
                for code, name in DEPARTMENTS
            )
        if not division.is_area:
            continue
        for number, boundary in enumerate(demo_map.grids[division.code], start=1):
            # Villages staff their outlying grids with village cadres part-time (兼职网格).
            part_time = division.kind == UnitKind.VILLAGE and number > 1
            plans.append(
                UnitPlan(
                    code=grid_code(division.code, number),
                    name=f"{division.name}第{number}网格",
                    kind=UnitKind.GRID,
                    parent_code=division.code,
                    grid_kind=PART_TIME if part_time else FULL_TIME,
                    boundary=geojson(boundary),
                )
            )
    return plans


def plan_people(units: list[UnitPlan]) -> list[PersonPlan]:
    """A full-time grid worker for every grid (the demo's `gridworker` for 石冲社区第1网格), a
    part-time one for every part-time grid, building volunteers and community staff in a few
    communities, a dispatcher for every town, a handler for every department, and the demo
    accounts."""
    people: list[PersonPlan] = []

    def add(username: str, role: str, unit_code: str) -> None:
        people.append(PersonPlan(username, person_name(username), ((role, unit_code),)))

    taken = {(account.role, account.unit_code) for account in DEMO_ACCOUNTS}
    for unit in units:
        if unit.kind == UnitKind.GRID:
            if (Role.GRID_WORKER, unit.code) not in taken:
                add(f"gw{unit.code}", Role.GRID_WORKER, unit.code)
            if unit.grid_kind == PART_TIME:
                add(f"pt{unit.code}", Role.PART_TIME_GRID_WORKER, unit.code)
            if unit.parent_code in VOLUNTEER_AREAS:
                for number in (1, 2):
                    add(f"bv{unit.code}{number}", Role.BUILDING_VOLUNTEER, unit.code)
        elif unit.code in STAFFED_AREAS:
            for number in (1, 2):
                add(f"cs{unit.code}{number}", Role.COMMUNITY_STAFF, unit.code)
        elif unit.kind in (UnitKind.TOWN, UnitKind.SUBDISTRICT):
            add(f"dp{unit.code}", Role.DISPATCHER, unit.code)
        elif unit.kind == UnitKind.DEPARTMENT:
            add(f"dh{unit.code[1:].lower()}", Role.DEPARTMENT_HANDLER, unit.code)
    for account in DEMO_ACCOUNTS:
        people.append(
            PersonPlan(
                account.username,
                person_name(account.username),
                ((account.role, account.unit_code),),
                is_superuser=account.is_superuser,
            )
        )
    return people


def load_demo() -> DemoLoad:
    """Create whatever of the demo district is missing, in one transaction."""
    started = time.perf_counter()
    divisions = load_divisions()
    units = plan_units(divisions, generate_demo_map(divisions))
    people = plan_people(units)
    result = DemoLoad()
    with transaction.atomic():
        by_code = _ensure_units(units, result)
        _ensure_people(people, by_code, result)
        _ensure_default_departments(by_code, result)
        result.created_cases = load_demo_cases()
        result.trained_models = load_demo_routing()
        result.registered_people = load_demo_registry()
        result.community_work_rows = (
            load_demo_claims()
            + load_demo_campaigns()
            + load_demo_meetings()
            + load_demo_info_reports()
            + load_demo_evaluation()
        )
    result.seconds = time.perf_counter() - started
    return result


def _ensure_default_departments(units: dict[str, OrgUnit], result: DemoLoad) -> None:
    """Point each category at its default department, through the category service."""
    for category in Category.objects.select_related("parent", "default_department"):
        code = DEFAULT_DEPARTMENTS.get(category.code)
        if code is None and category.parent is not None:
            code = DEFAULT_DEPARTMENTS.get(category.parent.code)
        wanted = units.get(code) if code else None
        if wanted is None or category.default_department_id == wanted.pk:
            continue
        update_category(None, category, default_department=wanted)
        result.linked_categories += 1


def _ensure_units(plans: list[UnitPlan], result: DemoLoad) -> dict[str, OrgUnit]:
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=[p.code for p in plans])}
    grid_kinds = {
        kind.code: kind for kind in GridKind.objects.filter(code__in=[FULL_TIME, PART_TIME])
    }
    changed_grids: list[UnitPlan] = []
    changed_boundaries: list[UnitPlan] = []
    for plan in plans:
        unit = units.get(plan.code)
        if unit is None:
            units[plan.code] = create_unit(
                None,
                code=plan.code,
                name=plan.name,
                kind=plan.kind,
                parent=units[plan.parent_code] if plan.parent_code else None,
                grid_kind=grid_kinds[plan.grid_kind] if plan.grid_kind else None,
                boundary=plan.boundary,
                properties=plan.properties,
            )
            result.created_units += 1
        elif plan.kind == UnitKind.GRID:
            # The grid import puts back name, kind and boundary at once, checking overlaps.
            kind = grid_kinds[plan.grid_kind or FULL_TIME]
            if (unit.name, unit.boundary, unit.grid_kind_id) != (plan.name, plan.boundary, kind.pk):
                changed_grids.append(plan)
        else:
            if unit.name != plan.name:
                units[plan.code] = rename_unit(None, unit, name=plan.name)
            if unit.boundary != plan.boundary:
                changed_boundaries.append(plan)
            if unit.name != plan.name or unit.boundary != plan.boundary:
                result.restored_units.append(plan.code)
    if changed_grids:
        import_grids(None, _feature_collection(changed_grids, grid=True))
        result.restored_units.extend(plan.code for plan in changed_grids)
    if changed_boundaries:
        import_boundaries(None, _feature_collection(changed_boundaries, grid=False))
    if changed_grids or changed_boundaries:
        units |= {
            unit.code: unit for unit in OrgUnit.objects.filter(code__in=result.restored_units)
        }
    return units


def _feature_collection(plans: list[UnitPlan], *, grid: bool) -> dict:
    """The units as the grid and boundary imports read them."""
    features = []
    for plan in plans:
        properties = {"code": plan.code}
        if grid:
            properties |= {
                "name": plan.name,
                "parent_code": plan.parent_code,
                "kind": plan.grid_kind,
            }
        features.append({"type": "Feature", "properties": properties, "geometry": plan.boundary})
    return {"type": "FeatureCollection", "features": features}


def _ensure_people(people: list[PersonPlan], units: dict[str, OrgUnit], result: DemoLoad) -> None:
    usernames = [person.username for person in people]
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    # Argon2 is slow on purpose; one hash shared by every demo account keeps loading fast.
    password_hash: str | None = None
    for person in people:
        if person.username in users:
            continue
        if password_hash is None:
            password_hash = make_password(DEMO_PASSWORD)
        users[person.username] = create_account(
            None,
            username=person.username,
            full_name=person.full_name,
            password_hash=password_hash,
            is_superuser=person.is_superuser,
        )
        result.created_accounts += 1
    held = set(
        Membership.objects.filter(user__username__in=usernames, is_active=True).values_list(
            "user__username", "unit__code", "role"
        )
    )
    for person in people:
        for role, unit_code in person.roles:
            if (person.username, unit_code, role) not in held:
                grant_role(None, users[person.username], units[unit_code], role)
                result.granted_roles += 1


def demo_summary() -> DemoSummary:
    """Counts of what the demo district holds now, and where each demo account works."""
    district = OrgUnit.objects.get(code=DISTRICT_CODE)
    kinds = dict(
        OrgUnit.objects.filter(path__descendant_of=district.path)
        .order_by()
        .values_list("kind")
        .annotate(count=Count("id"))
    )
    roles = dict(
        Membership.objects.filter(unit__path__descendant_of=district.path, is_active=True)
        .order_by()
        .values_list("role")
        .annotate(count=Count("user", distinct=True))
    )
    unit_names = dict(
        OrgUnit.objects.filter(code__in=[account.unit_code for account in DEMO_ACCOUNTS])
        .order_by()
        .values_list("code", "name")
    )
    return DemoSummary(
        towns=kinds.get(UnitKind.TOWN, 0) + kinds.get(UnitKind.SUBDISTRICT, 0),
        communities=kinds.get(UnitKind.COMMUNITY, 0),
        villages=kinds.get(UnitKind.VILLAGE, 0),
        grids=kinds.get(UnitKind.GRID, 0),
        grid_workers=roles.get(Role.GRID_WORKER, 0),
        part_time_grid_workers=roles.get(Role.PART_TIME_GRID_WORKER, 0),
        building_volunteers=roles.get(Role.BUILDING_VOLUNTEER, 0),
        departments=kinds.get(UnitKind.DEPARTMENT, 0),
        accounts=[(account, unit_names.get(account.unit_code, "")) for account in DEMO_ACCOUNTS],
    )
