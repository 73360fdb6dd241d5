from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability


def visible_codes(user) -> set[str]:
    scope = scope_for(user, Capability.VIEW_ORG)
    return set(scope.filter(OrgUnit.objects.all()).values_list("code", flat=True))


def test_grid_worker_sees_only_their_own_grid(cast):
    assert visible_codes(cast.grid_worker_a) == {cast.tree.grid_a.code}


def test_grid_worker_cannot_see_the_next_grid(cast):
    assert cast.tree.grid_b.code not in visible_codes(cast.grid_worker_a)
    assert cast.tree.grid_a.code not in visible_codes(cast.grid_worker_b)
