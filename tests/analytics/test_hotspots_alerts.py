"""The hot spot alert: each district's and town's dispatchers and leaders are told of a new hot
spot once, not again while it stays hot, and again after it cooled down. Needs the
`HotSpotAlert` model (see `hotspots.alert_hot_spots`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.analytics.hotspot_helpers import TODAY, at_day, file_on, history
from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY, IN_GRID_B, add_person
from wangge.analytics import models
from wangge.analytics.hotspots import alert_hot_spots
from wangge.core.clock import frozen_at
from wangge.notifications.models import Notification
from wangge.org.roles import Role

pytestmark = pytest.mark.skipif(
    not hasattr(models, "HotSpotAlert"), reason="the HotSpotAlert model is not added yet"
)


def _notices(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, subject__startswith="hotspot:"))


def test_a_new_hot_spot_is_told_once_to_the_unit_s_dispatchers_and_leaders(cast):
    town_dispatcher = add_person("town_dispatcher", cast.tree.town, Role.DISPATCHER)
    other_town = add_person("other_town_leader", cast.tree.other_town, Role.LEADER)
    history(cast)
    file_on(cast, TODAY, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, count=4)
    with frozen_at(at_day(TODAY, 20)):
        assert alert_hot_spots()
        assert not alert_hot_spots()  # the same day again: nothing new
    for user in (cast.dispatcher, cast.leader, town_dispatcher):
        (notice,) = _notices(user)
        assert cast.tree.grid_b.name in notice.title and "/analytics/hotspots/" in notice.link
    assert _notices(other_town) == [] and _notices(cast.community_staff) == []
    # Still hot the next day: not told again.
    with frozen_at(at_day(TODAY + timedelta(days=1), 20)):
        alert_hot_spots()
    assert len(_notices(cast.leader)) == 1
    # Cooled down (the cases are out of the last 7 days), then hot again: told again.
    with frozen_at(at_day(TODAY + timedelta(days=8), 20)):
        assert not alert_hot_spots()
    file_on(cast, TODAY + timedelta(days=9), at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, count=8)
    with frozen_at(at_day(TODAY + timedelta(days=9), 20)):
        alert_hot_spots()
    assert len(_notices(cast.leader)) == 2
