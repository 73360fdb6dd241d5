from datetime import UTC, datetime

import pytest

from wangge.core import audit, clock
from wangge.core.models import AuditEntry


def test_frozen_clock_returns_the_moment_and_then_lets_go():
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        assert clock.now() == moment
    assert clock.now() != moment


def test_frozen_clock_refuses_a_naive_datetime():
    naive = datetime(2026, 1, 1)
    with pytest.raises(ValueError, match="timezone-aware"), clock.frozen_at(naive):
        pass


def test_an_audit_entry_names_actor_action_and_target(cast):
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        entry = audit.record(cast.leader, "org.unit.view", cast.tree.grid_a, "looked", why="test")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.at, stored.actor, stored.actor_label) == (moment, cast.leader, "leader")
    assert (stored.target_type, stored.target_id) == ("org.orgunit", str(cast.tree.grid_a.pk))
    assert stored.data == {"why": "test"}


def test_the_system_is_named_when_there_is_no_actor(db):
    assert audit.record(None, "demo.load").actor_label == "system"
