"""The hot topics page: the topics of a unit of the user's area, hottest first, with their
figures, an alert badge when hot enough and the cases behind each (links to the cases, no
reporter); another subtree's unit is refused (400 beside the field), someone without an area
is forbidden (403); bad filters are refused by field (400), never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.loop_helpers import IN_GRID_C, add_person
from tests.clients import logged_in
from tests.routing.test_hot_topics import (
    BEFORE,
    FIRST,
    LIGHTS,
    NOISE,
    TODAY,
    UNRELATED,
    at_day,
    file_topic,
)
from wangge.core.clock import frozen_at
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db

URL = reverse("analytics:topics")
WEEK_QUERY = f"first={FIRST}&last={TODAY}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def topics(cast):
    """Six residents' noise complaints this week (an alert), three about a street light as
    many as the week before (not an alert), and the other town's own noise complaints."""
    noise = file_topic(cast, NOISE)
    file_topic(cast, LIGHTS[:3], day=BEFORE)
    lights = file_topic(cast, LIGHTS[1:])
    file_topic(cast, UNRELATED)
    other = file_topic(cast, NOISE[:4], at=IN_GRID_C)
    return {"noise": noise, "lights": lights, "other": other}


def test_a_leader_sees_the_topics_hottest_first_with_figures_and_cases(cast, topics):
    page = logged_in(cast.leader).get(f"{URL}?unit={cast.tree.town.code}&{WEEK_QUERY}")
    assert page.status_code == 200
    result = page.context["result"]
    noise, lights = result.topics
    assert set(noise.topic.request_ids) == {c.number for c in topics["noise"]}
    assert noise.alert and not lights.alert
    assert (lights.topic.count, lights.topic.previous_count) == (3, 3)
    html = page.content.decode()
    assert html.count('class="badge topic-alert"') == 1
    for case in topics["noise"] + topics["lights"]:
        assert reverse("cases:detail", args=[case.number]) in html
        assert case.title in html
    for case in topics["other"]:  # the other town's cases are not this unit's
        assert reverse("cases:detail", args=[case.number]) not in html
    assert f'id="topic-{noise.anchor}"' in html
    assert "Heat 14.4" in html and "7.0×" in html  # 6 residents, none the week before
    assert "报事人甲" not in html  # no reporter


def test_the_default_is_the_first_unit_and_the_last_seven_days(cast, topics):
    with frozen_at(at_day(TODAY, 18)):
        page = logged_in(cast.dispatcher).get(URL)
    assert page.status_code == 200
    assert page.context["unit"] == cast.tree.district
    assert (page.context["period"].first, page.context["period"].last) == (FIRST, TODAY)
    # The district holds both towns: their noise complaints are one topic there.
    noise, _lights = page.context["result"].topics
    assert set(noise.topic.request_ids) == {c.number for c in topics["noise"] + topics["other"]}
    assert set(noise.place_names) == {cast.tree.grid_a.name, cast.tree.grid_c.name}


def test_no_topic_says_so(cast):
    file_topic(cast, UNRELATED)
    page = logged_in(cast.leader).get(f"{URL}?{WEEK_QUERY}")
    assert page.status_code == 200 and page.context["result"].topics == []
    assert "No hot topics" in page.content.decode()


def test_a_capped_read_is_said_on_the_page(cast, topics, monkeypatch):
    from wangge.routing import hot_topics

    monkeypatch.setattr(hot_topics, "MAX_CASES", 5)
    page = logged_in(cast.leader).get(f"{URL}?{WEEK_QUERY}")
    assert page.status_code == 200 and page.context["result"].capped
    assert "Only the most recent 5 cases" in page.content.decode()


def test_another_subtree_sees_only_its_own_and_an_outsider_is_forbidden(cast, topics):
    other = add_person("other_leader", cast.tree.other_town, Role.LEADER)
    client = logged_in(other)
    page = client.get(f"{URL}?{WEEK_QUERY}")
    assert page.status_code == 200
    (own,) = page.context["result"].topics
    assert set(own.topic.request_ids) == {c.number for c in topics["other"]}
    for case in topics["noise"]:
        assert case.number not in page.content.decode()
    refused = client.get(f"{URL}?unit={cast.tree.town.code}&{WEEK_QUERY}")
    assert refused.status_code == 400 and "unit" in refused.context["form"].errors
    assert topics["noise"][0].number not in refused.content.decode()
    # A grid worker and a department's handler have no area to look at.
    assert logged_in(cast.grid_worker_a).get(URL).status_code == 403
    assert logged_in(cast.department_handler).get(URL).status_code == 403
    # Signed out: to the login page.
    assert Client().get(URL).url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("first=2026-03-20&last=2026-03-01", "last"),
        ("first=2026-01-01&last=2026-03-20", "first"),
        ("first=yesterday", "first"),
        ("last=2026-02-30", "last"),
        ("unit=NOWHERE", "unit"),
        ("unit=%00x", "unit"),
    ],
)
def test_bad_filters_are_refused_beside_the_field(cast, query, field):
    page = logged_in(cast.leader).get(f"{URL}?{query}")
    assert page.status_code == 400
    assert field in page.context["form"].errors
    assert 'class="field-error"' in page.content.decode()


def test_the_page_costs_the_same_queries_whatever_the_number_of_topics(
    cast, django_assert_max_num_queries
):
    file_topic(cast, NOISE)
    client = logged_in(cast.leader)
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"{URL}?{WEEK_QUERY}").status_code == 200
    file_topic(cast, LIGHTS)
    file_topic(cast, [f"{text}，请管一管" for text in NOISE], day=TODAY - timedelta(days=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"{URL}?{WEEK_QUERY}").status_code == 200


def test_the_dashboard_and_the_hot_spots_link_to_the_topics(cast):
    client = logged_in(cast.leader)
    assert URL in client.get(reverse("analytics:dashboard")).content.decode()
    assert URL in client.get(reverse("analytics:hotspots")).content.decode()
    assert URL in client.get("/").content.decode()
