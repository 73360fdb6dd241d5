"""The big screen: its data endpoint (api/maps.py `analytics/screen`) gives the headline figures
as `queries.dashboard` computes them, today's live counts, the 30-day trend, the ranking of the
units one level down and the top categories, with no personal data; its page is a dark shell
with a refresh interval a test may shorten."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from ninja.testing import TestClient

from tests.cases.loop_helpers import IN_GRID_B, IN_GRID_C, RESIDENT, drive_to, file_case
from tests.clients import logged_in
from wangge.analytics import rollups
from wangge.analytics.api.maps import router
from wangge.analytics.definitions import HEADLINE
from wangge.analytics.queries import Period, Scope, dashboard
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.core.clock import frozen_at

client = TestClient(router)


def _cases(cast) -> None:
    with frozen_at(clock.now() - timedelta(days=3)):
        drive_to(cast, CaseState.CLOSED, reporter=RESIDENT)
    drive_to(cast, CaseState.DISPATCHED)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    file_case(cast.grid_worker_a, at=IN_GRID_C, category="E0101")


def test_the_screen_shows_the_figures_of_the_dashboard_and_todays_counts(cast):
    _cases(cast)
    answer = client.get("/analytics/screen", user=cast.leader)
    assert answer.status_code == 200
    data = answer.json()
    now = clock.now()
    board = dashboard(Scope(cast.tree.district), Period.last_days(30, timezone.localdate(now)), now)
    assert [item["key"] for item in data["headline"]] == list(HEADLINE)
    for item in data["headline"]:
        expected = board.figure(item["key"])
        assert item["value"] == expected.value and item["shown"] == expected.shown
        assert item["change"] == expected.change and item["trend"] == expected.trend
        assert item["definition"]
    counts = data["counts"]
    assert counts["reported"] == 4 and counts["reported_today"] == 3
    assert counts["open_now"] == board.open_now == 3 and counts["overdue_now"] == board.overdue_now
    assert len(data["trend"]["days"]) == 30 and sum(data["trend"]["reported"]) == 4
    assert data["trend"]["days"][-1] == timezone.localdate(now).isoformat()
    ranking = {row["code"]: row for row in data["ranking"]}
    assert ranking[cast.tree.town.code]["reported"] == 3
    assert ranking[cast.tree.other_town.code]["reported"] == 1
    assert ranking[cast.tree.town.code]["figures"]["resolution_rate"] == "100.0%"
    assert sum(c["count"] for c in data["categories"]) == 4
    assert data["unit_name"] == cast.tree.district.name


def test_the_screen_shows_no_personal_data(cast):
    _cases(cast)
    text = client.get("/analytics/screen", user=cast.leader).content.decode()
    for secret in (RESIDENT.phone, RESIDENT.name, cast.grid_worker_a.full_name, "路灯不亮"):
        assert secret not in text


def test_the_screen_is_scoped_to_the_users_area(cast):
    _cases(cast)
    mine = client.get("/analytics/screen", user=cast.community_staff).json()
    assert mine["unit"] == cast.tree.community.code and mine["counts"]["reported"] == 3
    other = client.get(
        f"/analytics/screen?unit={cast.tree.other_town.code}", user=cast.community_staff
    )
    assert other.status_code == 404
    assert client.get("/analytics/screen", user=cast.grid_worker_a).status_code == 404
    bad = client.get("/analytics/screen?unit=a%20b", user=cast.leader)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "unit"


def test_the_screen_reads_a_bounded_number_of_queries(cast):
    _cases(cast)
    rollups.rebuild()
    client.get("/analytics/screen", user=cast.leader)
    with CaptureQueriesContext(connection) as few:
        client.get("/analytics/screen", user=cast.leader)
    for number in range(3):
        file_case(cast.grid_worker_b, at=IN_GRID_B, description=f"又一个路灯不亮 {number}")
    rollups.rebuild()
    with CaptureQueriesContext(connection) as more:
        client.get("/analytics/screen", user=cast.leader)
    assert len(more) == len(few) <= 24  # 8 of them: the other apps' figures, two periods


# --- The page ---------------------------------------------------------------------------------


def _config(page) -> dict:
    marker = 'id="screen-config" type="application/json">'
    text = page.content.decode()
    start = text.index(marker) + len(marker)
    return json.loads(text[start : text.index("</script>", start)])


def test_a_leader_opens_the_big_screen_of_a_unit(cast):
    page = logged_in(cast.leader).get(reverse("analytics:screen"), {"unit": cast.tree.town.code})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="big-screen"' in text and 'id="screen-fullscreen"' in text
    config = _config(page)
    assert config["unit"] == cast.tree.town.code
    assert config["refresh"] == 60 and config["rotation"] == list(HEADLINE)
    assert config["dataUrl"] == "/api/v1/analytics/screen"
    assert config["mapUrl"] == "/api/v1/analytics/map"
    for key in HEADLINE:
        assert f'data-key="{key}"' in text
    assert "onclick" not in text and "<script>" not in text


def test_the_refresh_interval_may_be_shortened_and_bad_values_are_refused(cast):
    client = logged_in(cast.leader)
    page = client.get(reverse("analytics:screen"), {"refresh": "3", "rotate": "4"})
    assert _config(page)["refresh"] == 3 and _config(page)["rotate"] == 4
    for query, field in (
        ({"refresh": "0"}, "refresh"),
        ({"refresh": "soon"}, "refresh"),
        ({"rotate": "99999"}, "rotate"),
        ({"unit": "NOWHERE"}, "unit"),
    ):
        refused = client.get(reverse("analytics:screen"), query)
        assert refused.status_code == 400, query
        assert refused.context["form"].errors[field], query


def test_someone_without_an_area_may_not_open_the_big_screen(cast):
    assert logged_in(cast.grid_worker_a).get(reverse("analytics:screen")).status_code == 403
    assert logged_in(cast.outsider).get(reverse("analytics:screen")).status_code == 403
