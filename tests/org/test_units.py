"""Creating, renaming and retiring org units through the services."""

import pytest

from wangge.core.models import AuditEntry
from wangge.org.exceptions import InvalidUnit, NotAllowed
from wangge.org.models import MapVersion, OrgUnit
from wangge.org.roles import UnitKind
from wangge.org.services import create_unit, rename_unit, set_unit_active


def test_a_new_unit_gets_its_path_under_its_parent(tree):
    assert tree.grid_a.path == f"{tree.community.path}{tree.grid_a.pk}/"
    assert tree.grid_a.depth == tree.community.depth + 1 == 3
    assert tree.grid_a.ancestor_pks == [tree.district.pk, tree.town.pk, tree.community.pk]


def test_a_grid_cannot_stand_directly_under_a_town(tree):
    before = OrgUnit.objects.count()
    with pytest.raises(InvalidUnit) as refused:
        create_unit(None, code="X1", name="错位网格", kind=UnitKind.GRID, parent=tree.town)
    assert refused.value.field == "parent"
    assert OrgUnit.objects.count() == before


def test_only_a_district_or_city_may_be_a_root(db):
    with pytest.raises(InvalidUnit, match="needs a parent"):
        create_unit(None, code="X2", name="孤立社区", kind=UnitKind.COMMUNITY, parent=None)


def test_a_code_is_used_once(tree):
    with pytest.raises(InvalidUnit) as refused:
        create_unit(
            None, code=tree.community.code, name="重复", kind=UnitKind.COMMUNITY, parent=tree.town
        )
    assert refused.value.field == "code"


@pytest.mark.parametrize(("code", "name", "field"), [(" ", "名", "code"), ("X3", "  ", "name")])
def test_code_and_name_are_required(tree, code, name, field):
    with pytest.raises(InvalidUnit) as refused:
        create_unit(None, code=code, name=name, kind=UnitKind.COMMUNITY, parent=tree.town)
    assert refused.value.field == field


def test_a_grid_worker_may_not_create_units(cast):
    with pytest.raises(NotAllowed):
        create_unit(
            cast.grid_worker_a,
            code="X4",
            name="新社区",
            kind=UnitKind.COMMUNITY,
            parent=cast.tree.town,
        )
    assert not OrgUnit.objects.filter(code="X4").exists()


def test_an_administrator_creates_a_unit_inside_their_subtree_and_it_is_audited(cast):
    unit = create_unit(
        cast.administrator,
        code="440703002199",
        name="新设社区",
        kind=UnitKind.COMMUNITY,
        parent=cast.tree.town,
    )
    entry = AuditEntry.objects.get(action="org.unit.create", target_id=str(unit.pk))
    assert entry.actor == cast.administrator


def test_renaming_a_grid_tells_every_process_the_map_changed(tree):
    before = MapVersion.objects.get().version
    renamed = rename_unit(None, tree.grid_a, name="石冲一格")
    assert renamed.name == "石冲一格"
    assert MapVersion.objects.get().version == before + 1


def test_retiring_a_unit_keeps_its_row(tree):
    set_unit_active(None, tree.grid_b, is_active=False)
    assert OrgUnit.objects.get(pk=tree.grid_b.pk).is_active is False
