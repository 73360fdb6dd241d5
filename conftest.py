"""The cast every test uses: one small org tree and a person for each role.

    蓬江区 (district) ── 环市街道 (subdistrict) ── 石冲社区 (community) ─┬─ grid A
                     │                                              └─ grid B
                     ├─ 白沙街道 ── 东成社区 ── grid C
                     └─ 城管局 (department)

Grid A and grid B are two squares that share an edge; grid C lies apart. Everything is built
through the real services, never by writing rows by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from wangge.core.models import User

LON0, LAT0 = 113.08, 22.58
SIDE = 0.01  # about 1 km


def square(lon: float, lat: float, side: float = SIDE) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
        ],
    }


@dataclass
class Tree:
    district: object
    town: object
    community: object
    grid_a: object
    grid_b: object
    other_town: object
    other_community: object
    grid_c: object
    department: object


@dataclass
class Cast:
    tree: Tree
    grid_worker_a: User
    grid_worker_b: User
    community_staff: User
    dispatcher: User
    department_handler: User
    leader: User
    administrator: User
    outsider: User  # an account with no role anywhere


def make_user(username: str, full_name: str = "") -> User:
    user = User.objects.create(username=username, full_name=full_name or username)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def tree(db) -> Tree:
    from wangge.org.models import GridKind
    from wangge.org.roles import UnitKind
    from wangge.org.services import create_unit

    full_time = GridKind.objects.get(code="full_time")
    district = create_unit(
        None, code="440703000000", name="蓬江区", kind=UnitKind.DISTRICT, parent=None
    )
    town = create_unit(
        None, code="440703006000", name="环市街道", kind=UnitKind.SUBDISTRICT, parent=district
    )
    community = create_unit(
        None, code="440703006107", name="石冲社区", kind=UnitKind.COMMUNITY, parent=town
    )
    grid_a = create_unit(
        None,
        code="440703006107001",
        name="石冲社区第一网格",
        kind=UnitKind.GRID,
        parent=community,
        grid_kind=full_time,
        boundary=square(LON0, LAT0),
    )
    grid_b = create_unit(
        None,
        code="440703006107002",
        name="石冲社区第二网格",
        kind=UnitKind.GRID,
        parent=community,
        grid_kind=full_time,
        boundary=square(LON0 + SIDE, LAT0),
    )
    other_town = create_unit(
        None, code="440703002000", name="白沙街道", kind=UnitKind.SUBDISTRICT, parent=district
    )
    other_community = create_unit(
        None, code="440703002129", name="东成社区", kind=UnitKind.COMMUNITY, parent=other_town
    )
    grid_c = create_unit(
        None,
        code="440703002129001",
        name="东成社区第一网格",
        kind=UnitKind.GRID,
        parent=other_community,
        grid_kind=full_time,
        boundary=square(LON0, LAT0 + 0.05),
    )
    department = create_unit(
        None, code="CG440703", name="城管局", kind=UnitKind.DEPARTMENT, parent=district
    )
    return Tree(
        district, town, community, grid_a, grid_b, other_town, other_community, grid_c, department
    )


@pytest.fixture
def cast(tree: Tree) -> Cast:
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    def person(username: str, full_name: str, unit: object, role: str) -> User:
        user = make_user(username, full_name)
        grant_role(None, user, unit, role)
        return user

    return Cast(
        tree=tree,
        grid_worker_a=person("gw_a", "网格员甲", tree.grid_a, Role.GRID_WORKER),
        grid_worker_b=person("gw_b", "网格员乙", tree.grid_b, Role.GRID_WORKER),
        community_staff=person("staff", "社区干部", tree.community, Role.COMMUNITY_STAFF),
        dispatcher=person("dispatcher", "指挥中心", tree.district, Role.DISPATCHER),
        department_handler=person(
            "handler", "城管处置员", tree.department, Role.DEPARTMENT_HANDLER
        ),
        leader=person("leader", "区领导", tree.district, Role.LEADER),
        administrator=person("admin", "管理员", tree.district, Role.ADMINISTRATOR),
        outsider=make_user("outsider", "无角色用户"),
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Tests read messages in English (the msgids); the UI itself is Chinese by default, which
    the browser journeys and `chinese_client` check."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def chinese_client():
    """A browser that asks for nothing in particular: it gets the default, Chinese."""
    from django.test import Client

    return Client()


# --- flushing past the append-only triggers ---------------------------------------------------


def _triggers(connection: Any) -> list[tuple[str, str]]:
    """(DROP, CREATE) statements of every trigger the migrations made (the databases' internal
    ones excluded): of all tables, since a flush that cascades empties more than it names."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            return [(f"DROP TRIGGER {quote(name)}", sql) for name, sql in cursor.fetchall()]
        cursor.execute(
            "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND pg_table_is_visible(c.oid)"
        )
        return [
            (f"DROP TRIGGER {quote(name)} ON {quote(table)}", definition)
            for name, table, definition in cursor.fetchall()
        ]


@pytest.fixture(scope="session", autouse=True)
def _flush_past_append_only_triggers() -> Iterator[None]:
    """Committing tests end with a flush (DELETE on SQLite, TRUNCATE on PostgreSQL), which the
    append-only logs refuse (see wangge/core/migrations/0006_append_only_audit_log.py). In the
    test run only, the flush drops the triggers and creates them again, in its one transaction."""
    from django.db import connections

    operations = type(connections["default"].ops)
    flush_sql = operations.sql_flush

    def sql_flush(self: Any, style: Any, tables: Any, **options: Any) -> list[str]:
        statements = flush_sql(self, style, tables, **options)
        if not statements:
            return statements
        triggers = _triggers(self.connection)
        return [drop for drop, _ in triggers] + statements + [create for _, create in triggers]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_after_any_committing_test() -> Iterator[None]:
    """A committing test without serialized_rollback ends with a flush that sends post_migrate,
    which creates content types and permissions again with new ids; a later test with
    serialized_rollback then loads the migrations' rows on top of them and fails on their
    unique names. Which test runs first is random, so before loading, those re-created rows
    (the only rows a flushed database holds) are removed."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    creation = type(connections["default"].creation)
    deserialize = creation.deserialize_db_from_string

    def deserialize_db_from_string(self: Any, data: str) -> None:
        Permission.objects.using(self.connection.alias).all().delete()
        ContentType.objects.using(self.connection.alias).all().delete()
        ContentType.objects.clear_cache()
        deserialize(self, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(creation, "deserialize_db_from_string", deserialize_db_from_string)
        yield
