"""A subtree is one indexed prefix query on SQLite and on PostgreSQL, and moving a unit
rewrites the paths of its whole subtree in one go."""

from __future__ import annotations

import pytest
from django.db import connection

from wangge.core.models import AuditEntry
from wangge.core.scope import Scope
from wangge.org.exceptions import InvalidUnit
from wangge.org.models import MapVersion, OrgUnit
from wangge.org.services import move_unit

PATH_INDEX = "org_unit_path_prefix_idx"


def query_plan(queryset) -> str:
    """The database's plan for a queryset, as text."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # A handful of rows is cheaper to scan than to look up, so the planner would scan
        # whatever the indexes; forbidding scans shows whether an index *can* serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def codes_under(unit) -> set[str]:
    units = OrgUnit.objects.filter(path__descendant_of=unit.path)
    return set(units.values_list("code", flat=True))


def test_a_subtree_query_uses_the_path_prefix_index(tree):
    plan = query_plan(OrgUnit.objects.filter(path__descendant_of=tree.town.path))
    assert PATH_INDEX in plan, plan


def test_a_scope_of_several_subtrees_uses_the_index_for_each(tree):
    scope = Scope.of([tree.community.path, tree.other_community.path])
    plan = query_plan(scope.filter(OrgUnit.objects.all()))
    assert PATH_INDEX in plan, plan
    assert "SCAN org_orgunit\n" not in plan + "\n"  # SQLite: no full-table scan


def test_a_subtree_holds_the_unit_and_everything_below_it(tree):
    assert codes_under(tree.town) == {
        tree.town.code,
        tree.community.code,
        tree.grid_a.code,
        tree.grid_b.code,
    }


def test_moving_a_community_moves_its_grids_with_it(tree):
    version = MapVersion.objects.get().version
    moved = move_unit(None, tree.community, parent=tree.other_town)
    assert moved.path == f"{tree.other_town.path}{tree.community.pk}/"
    for grid in (tree.grid_a, tree.grid_b):
        grid.refresh_from_db()
        assert grid.path == f"{moved.path}{grid.pk}/"
        assert grid.depth == 3
    assert codes_under(tree.town) == {tree.town.code}
    assert {tree.grid_a.code, tree.grid_b.code} <= codes_under(tree.other_town)
    assert MapVersion.objects.get().version == version + 1
    assert AuditEntry.objects.filter(action="org.unit.move", target_id=str(moved.pk)).exists()


def test_moving_a_unit_to_another_level_changes_its_depth(tree):
    moved = move_unit(None, tree.department, parent=tree.town)
    assert (moved.depth, moved.path) == (2, f"{tree.town.path}{moved.pk}/")


def test_a_unit_cannot_be_moved_under_itself(tree):
    with pytest.raises(InvalidUnit):
        move_unit(None, tree.town, parent=tree.town)
    assert OrgUnit.objects.get(pk=tree.town.pk).path == tree.town.path
