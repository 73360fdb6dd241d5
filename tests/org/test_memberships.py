"""Roles held in a unit's subtree decide what a user sees (one function: scope_for)."""

import pytest

from wangge.core.models import User
from wangge.org.exceptions import InvalidUnit, NotAllowed, NotFound
from wangge.org.models import OrgUnit
from wangge.org.permissions import can, get_unit_for_user, scope_for
from wangge.org.roles import Capability, Role
from wangge.org.services import grant_role, revoke_role


def visible(user: User) -> set[str]:
    units = scope_for(user, Capability.VIEW_ORG).filter(OrgUnit.objects.all())
    return set(units.values_list("code", flat=True))


def test_a_district_leader_sees_the_whole_district(cast):
    assert visible(cast.leader) == set(OrgUnit.objects.values_list("code", flat=True))


def test_community_staff_see_their_community_and_its_grids_only(cast):
    tree = cast.tree
    assert visible(cast.community_staff) == {
        tree.community.code,
        tree.grid_a.code,
        tree.grid_b.code,
    }


def test_a_department_handler_sees_only_their_department(cast):
    assert visible(cast.department_handler) == {cast.tree.department.code}


def test_an_account_without_a_role_sees_nothing(cast):
    assert visible(cast.outsider) == set()


def test_a_superuser_sees_everything(cast):
    cast.outsider.is_superuser = True
    assert scope_for(cast.outsider, Capability.MANAGE_ORG).everything


def test_a_grid_worker_gets_not_found_for_the_next_grid(cast):
    assert get_unit_for_user(cast.grid_worker_a, cast.tree.grid_a.code) == cast.tree.grid_a
    with pytest.raises(NotFound):
        get_unit_for_user(cast.grid_worker_a, cast.tree.grid_b.code)


def test_a_person_may_hold_several_roles(cast):
    grant_role(None, cast.grid_worker_a, cast.tree.grid_c, Role.PART_TIME_GRID_WORKER)
    assert visible(cast.grid_worker_a) == {cast.tree.grid_a.code, cast.tree.grid_c.code}


def test_a_revoked_role_no_longer_grants_anything(cast):
    membership = cast.grid_worker_a.memberships.get()
    revoke_role(None, membership)
    user = User.objects.get(pk=cast.grid_worker_a.pk)
    assert visible(user) == set()


def test_a_grid_worker_role_is_held_in_a_grid_not_a_community(cast):
    with pytest.raises(InvalidUnit) as refused:
        grant_role(None, cast.outsider, cast.tree.community, Role.GRID_WORKER)
    assert refused.value.field == "unit"


def test_only_administrators_grant_roles_and_only_in_their_subtree(cast):
    with pytest.raises(NotAllowed):
        grant_role(cast.leader, cast.outsider, cast.tree.grid_a, Role.GRID_WORKER)
    grant_role(cast.administrator, cast.outsider, cast.tree.grid_a, Role.GRID_WORKER)
    assert can(cast.outsider, Capability.VIEW_ORG, cast.tree.grid_a)


def test_only_administrators_may_change_the_map(cast):
    assert can(cast.administrator, Capability.MANAGE_ORG, cast.tree.grid_a)
    assert not can(cast.leader, Capability.MANAGE_ORG, cast.tree.grid_a)
    assert not can(cast.grid_worker_a, Capability.MANAGE_ORG, cast.tree.grid_a)
