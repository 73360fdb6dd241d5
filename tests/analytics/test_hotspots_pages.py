"""The hot spots page and API: the list for a unit of the user's area, the rule in words, the
cases behind each (a partial for htmx, a page otherwise, the API's list); another subtree's
places are not found; bad filters are refused by field (400 on the page, 422 in the API)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from ninja.testing import TestClient

from tests.analytics.hotspot_helpers import LEAF, TODAY, WEEK, at_day, file_on, history
from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY, IN_GRID_B
from tests.clients import logged_in
from wangge.analytics.api.hotspots import router
from wangge.core.clock import frozen_at

api = TestClient(router)
WEEK_QUERY = f"first={WEEK.first}&last={WEEK.last}"


@pytest.fixture
def hot(cast):
    """Grid B's garbage: four this week where there was none (grid A has a usual level)."""
    history(cast)
    return file_on(cast, TODAY, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, count=4)


def test_a_leader_sees_the_hot_spots_with_actual_usual_and_the_rule(cast, hot):
    page = logged_in(cast.leader).get(f"{reverse('analytics:hotspots')}?{WEEK_QUERY}")
    assert page.status_code == 200
    html = page.content.decode()
    assert cast.tree.grid_b.name in html and "Hot: at least 3 cases in the period" in html
    spots = page.context["result"].spots
    assert [(s.place.unit, s.category.code, s.actual) for s in spots] == [
        (cast.tree.grid_b, GRID_ENTRY_CATEGORY, 4)
    ]
    cases_url = reverse("analytics:hotspot_cases", args=[cast.tree.grid_b.code, "E0101"])
    assert cases_url in html and 'hx-get="' in html


def test_the_default_period_is_the_last_seven_days(cast, hot):
    with frozen_at(at_day(TODAY, 18)):
        page = logged_in(cast.leader).get(reverse("analytics:hotspots"))
    assert page.context["period"] == WEEK and len(page.context["result"].spots) == 1


def test_a_category_narrows_the_list(cast, hot):
    client = logged_in(cast.leader)
    page = client.get(f"{reverse('analytics:hotspots')}?{WEEK_QUERY}&category={LEAF}")
    assert page.status_code == 200 and page.context["result"].spots == []


def test_the_cases_behind_a_hot_spot_open_in_place_and_as_a_page(cast, hot):
    url = reverse("analytics:hotspot_cases", args=[cast.tree.grid_b.code, GRID_ENTRY_CATEGORY])
    client = logged_in(cast.dispatcher)
    partial = client.get(f"{url}?{WEEK_QUERY}", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<h1" not in partial.content.decode()
    for case in hot:
        assert reverse("cases:detail", args=[case.number]) in partial.content.decode()
    page = client.get(f"{url}?{WEEK_QUERY}")
    assert page.status_code == 200 and "<h1" in page.content.decode()
    assert len(page.context["cases"]) == 4
    # No reporter on the list.
    assert hot[0].reported_by.full_name not in page.content.decode()


def test_another_subtree_sees_no_hot_spot_and_its_cases_are_not_found(cast, hot):
    from tests.cases.loop_helpers import add_person
    from wangge.org.roles import Role

    other = add_person("other_leader", cast.tree.other_town, Role.LEADER)
    client = logged_in(other)
    page = client.get(f"{reverse('analytics:hotspots')}?{WEEK_QUERY}")
    assert page.status_code == 200 and page.context["result"].spots == []
    url = reverse("analytics:hotspot_cases", args=[cast.tree.grid_b.code, GRID_ENTRY_CATEGORY])
    assert client.get(f"{url}?{WEEK_QUERY}").status_code == 404
    refused = client.get(f"{reverse('analytics:hotspots')}?unit={cast.tree.grid_b.code}")
    assert refused.status_code == 400 and "unit" in refused.context["form"].errors
    # A grid worker has no area to look at.
    assert logged_in(cast.grid_worker_a).get(reverse("analytics:hotspots")).status_code == 403
    assert logged_in(cast.grid_worker_a).get(url).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("first=2026-03-20&last=2026-03-01", "last"),
        ("first=2026-01-01&last=2026-03-20", "first"),
        ("first=yesterday", "first"),
        ("category=NOWHERE", "category"),
    ],
)
def test_bad_filters_are_refused_beside_the_field(cast, query, field):
    page = logged_in(cast.leader).get(f"{reverse('analytics:hotspots')}?{query}")
    assert page.status_code == 400
    assert field in page.context["form"].errors
    assert 'class="field-error"' in page.content.decode()


def test_a_bad_period_for_the_cases_behind_is_refused_by_field(cast):
    url = reverse("analytics:hotspot_cases", args=[cast.tree.grid_a.code, LEAF])
    client = logged_in(cast.leader)
    answer = client.get(f"{url}?first=2026-03-20&last=2026-03-01")
    assert answer.status_code == 400 and answer.context["errors"].keys() == {"last"}
    assert client.get(f"{url}?first=nope").status_code == 400
    missing = reverse("analytics:hotspot_cases", args=[cast.tree.grid_a.code, "NOWHERE"])
    assert client.get(missing).status_code == 404


def test_the_page_costs_the_same_queries_whatever_the_number_of_hot_spots(
    cast, hot, django_assert_max_num_queries
):
    client = logged_in(cast.leader)
    file_on(cast, TODAY, count=5, address="石冲路8号")
    with django_assert_max_num_queries(22):
        assert client.get(f"{reverse('analytics:hotspots')}?{WEEK_QUERY}").status_code == 200


# --- the API ------------------------------------------------------------------------------


def test_the_api_lists_the_hot_spots_and_the_cases_behind_one(cast, hot):
    answer = api.get(f"/analytics/hotspots?{WEEK_QUERY}", user=cast.leader)
    assert answer.status_code == 200
    body = answer.json()
    assert body["has_history"] and len(body["baselines"]) == 8
    assert body["hot_spots"] == [
        {
            "place_kind": "grid",
            "place_code": cast.tree.grid_b.code,
            "place_name": cast.tree.grid_b.name,
            "address": "",
            "category_code": GRID_ENTRY_CATEGORY,
            "category_name": "暴露垃圾",
            "actual": 4,
            "expected": 0.0,
            "spread": 1.0,
            "ratio": None,
            "score": 4.0,
            "baseline": [0] * 8,
        }
    ]
    cases = api.get(
        f"/analytics/hotspots/{cast.tree.grid_b.code}/{GRID_ENTRY_CATEGORY}/cases?{WEEK_QUERY}",
        user=cast.leader,
    )
    assert cases.status_code == 200
    assert {c["number"] for c in cases.json()} == {c.number for c in hot}
    assert set(cases.json()[0]) == {"number", "title", "state", "category", "area", "reported_at"}


def test_the_api_refuses_another_subtree_and_bad_periods(cast, hot):
    other = cast.tree.other_community.code
    assert (
        api.get(f"/analytics/hotspots?unit={other}", user=cast.community_staff).status_code == 404
    )
    assert api.get("/analytics/hotspots?category=NOWHERE", user=cast.leader).status_code == 404
    assert api.get("/analytics/hotspots", user=cast.grid_worker_a).status_code == 404
    grid_b = f"/analytics/hotspots/{cast.tree.grid_b.code}/{GRID_ENTRY_CATEGORY}/cases"
    assert api.get(grid_b, user=cast.grid_worker_a).status_code == 404
    for query, field in (
        ("first=2026-03-20&last=2026-03-01", "last"),
        ("first=2026-01-01&last=2026-03-20", "first"),
    ):
        for path in ("/analytics/hotspots", grid_b):
            answer = api.get(f"{path}?{query}", user=cast.leader)
            assert answer.status_code == 422
            assert answer.json()["detail"][0]["loc"] == ["query", field]
    assert api.get("/analytics/hotspots?unit=%00x", user=cast.leader).status_code == 422
