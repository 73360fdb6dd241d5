"""Hot topics read from the cases of an org unit's subtree: only that subtree's cases, who
reported each (a phone, an account, nobody known), growth from the period before, the cases
behind each topic (only what a list needs), who may look, the cap on cases read, the cache,
and the alert told once to each district's and town's dispatchers and leaders.

The builders here (`file_topic`, `at_day`, the texts) are shared by the page's and the
browser's tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_B, IN_GRID_C, add_person, file_case
from wangge.cases.models import Case
from wangge.cases.permissions import Resident
from wangge.core.clock import frozen_at
from wangge.notifications.models import Notification
from wangge.org.roles import Role
from wangge.routing import hot_topics
from wangge.routing import models as routing_models
from wangge.routing.exceptions import Invalid, NotFound
from wangge.routing.hot_topics import alert_hot_topics, topics_for, unit_topics

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 20)
FIRST = TODAY - timedelta(days=6)  # the last 7 days
BEFORE = FIRST - timedelta(days=3)  # a day in the 7 days before them

NOISE = (
    "阳光花园小区广场舞噪音扰民，晚上十点还在跳",
    "阳光花园小区每晚广场舞音响噪音太吵",
    "投诉阳光花园小区广场舞噪音",
    "阳光花园小区广场舞噪音影响孩子睡觉",
    "阳光花园小区楼下广场舞噪音太大",
    "阳光花园小区广场舞噪音吵得老人睡不着",
)
LIGHTS = (
    "建设大道的路灯坏了，晚上一片漆黑",
    "建设大道路灯坏了好几天没人修",
    "反映建设大道路灯坏了的问题",
    "建设大道的路灯坏了请尽快维修",
)
_phones = itertools.count(10_000_000)

UNRELATED = (
    "学校门口早高峰堵车严重",
    "菜市场垃圾没人清理，气味难闻",
    "建议增加到火车站的公交线路",
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The topics are cached by unit, period and what was reported: ids and counts repeat
    from one test to the next, so each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


def at_day(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def file_topic(
    cast,
    texts: Sequence[str],
    *,
    day: date = TODAY,
    at=IN_GRID_A,
    phones: Sequence[str] | None = None,
    reporter=None,
) -> list[Case]:
    """One case per text, filed on `day` a minute apart; each from its own resident (a phone
    of its own) unless `phones` or `reporter` say otherwise."""
    cases = []
    for index, text in enumerate(texts):
        phone = phones[index] if phones else f"139{next(_phones):08d}"
        who = reporter if reporter is not None else Resident(phone=phone, name="报事人甲")
        with frozen_at(at_day(day, 9, index)):
            cases.append(file_case(who, at=at, description=text))
    return cases


def numbers(cases: Sequence[Case]) -> set[str]:
    return {case.number for case in cases}


# --- topics of a subtree ----------------------------------------------------------------------


def test_a_unit_s_topics_are_its_subtree_s_cases_only(cast):
    noise_a = file_topic(cast, NOISE[:4], at=IN_GRID_A)
    noise_c = file_topic(cast, NOISE[2:], at=IN_GRID_C)  # the same complaint, in the other town
    file_topic(cast, UNRELATED)

    (town_topic,) = topics_for(cast.leader, cast.tree.town, FIRST, TODAY).topics
    assert set(town_topic.topic.request_ids) == numbers(noise_a)
    (other_topic,) = topics_for(cast.leader, cast.tree.other_town, FIRST, TODAY).topics
    assert set(other_topic.topic.request_ids) == numbers(noise_c)
    district = topics_for(cast.leader, cast.tree.district, FIRST, TODAY)
    assert numbers(noise_a) | numbers(noise_c) == {
        n for item in district.topics for n in item.topic.request_ids
    }


def test_each_topic_has_its_figures_and_the_cases_behind_it(cast):
    before = file_topic(cast, NOISE[:2], day=BEFORE)
    noise = file_topic(cast, NOISE)
    file_topic(cast, LIGHTS[:1], day=BEFORE)
    file_topic(cast, UNRELATED)
    file_topic(cast, LIGHTS[1:2], day=TODAY + timedelta(days=1))  # after the period

    result = topics_for(cast.leader, cast.tree.district, FIRST, TODAY)

    (item,) = result.topics
    assert (item.topic.count, item.topic.previous_count, item.topic.reporters) == (6, 2, 6)
    assert set(item.topic.previous_request_ids) == numbers(before)
    assert item.topic.growth == pytest.approx(7 / 3)
    assert "广场舞" in item.topic.label or "噪音" in item.topic.label
    assert {case.number for case in item.cases} == numbers(noise) and item.more == 0
    listed = {case.number: case for case in item.cases}
    for case in noise:
        assert listed[case.number].title == case.title
        assert listed[case.number].reported_at == case.reported_at
        assert listed[case.number].area_name == cast.tree.grid_a.name
    assert item.place_names == (cast.tree.grid_a.name,)
    assert item.anchor == min(numbers(noise))
    assert (result.read, result.read_before, result.capped) == (9, 3, False)


def test_a_topic_needs_several_reporters_known_by_phone_or_account(cast):
    # One resident (one phone) writing five times is one reporter: no topic.
    file_topic(cast, NOISE[:5], phones=["13912345678"] * 5)
    assert topics_for(cast.leader, cast.tree.district, FIRST, TODAY).topics == []
    # Cases filed by one account without a phone are that account's: still one reporter.
    file_topic(cast, LIGHTS, reporter=cast.grid_worker_a)
    assert topics_for(cast.leader, cast.tree.district, FIRST, TODAY).topics == []
    # A second resident makes a topic of the noise; the repeats weigh less than new reporters.
    file_topic(cast, NOISE[5:], phones=["13987654321"])
    (item,) = topics_for(cast.leader, cast.tree.district, FIRST, TODAY).topics
    assert (item.topic.count, item.topic.reporters) == (6, 2)


def test_cases_with_no_known_reporter_each_stand_alone(cast):
    cases = file_topic(cast, LIGHTS, reporter=cast.grid_worker_a)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(reported_by=None)

    (item,) = topics_for(cast.leader, cast.tree.district, FIRST, TODAY).topics
    assert item.topic.reporters == len(LIGHTS)


def test_someone_outside_the_unit_or_a_bad_period_is_refused(cast):
    file_topic(cast, NOISE)
    other_leader = add_person("other_leader", cast.tree.other_town, Role.LEADER)
    with pytest.raises(NotFound):
        topics_for(other_leader, cast.tree.town, FIRST, TODAY)
    with pytest.raises(NotFound):
        topics_for(cast.department_handler, cast.tree.district, FIRST, TODAY)
    assert topics_for(other_leader, cast.tree.other_town, FIRST, TODAY).topics == []
    with pytest.raises(Invalid) as refused:
        topics_for(cast.leader, cast.tree.district, TODAY, FIRST)
    assert refused.value.field == "last"
    with pytest.raises(Invalid) as refused:
        topics_for(cast.leader, cast.tree.district, TODAY - timedelta(days=40), TODAY)
    assert refused.value.field == "first"


def test_only_the_most_recent_cases_are_read_and_the_result_says_so(cast, monkeypatch):
    noise = file_topic(cast, NOISE)
    monkeypatch.setattr(hot_topics, "MAX_CASES", 4)

    result = topics_for(cast.leader, cast.tree.district, FIRST, TODAY)

    assert result.capped and result.read == 4
    (item,) = result.topics
    assert set(item.topic.request_ids) == {case.number for case in noise[-4:]}


def test_topics_are_cached_until_a_case_is_reported_in_the_window(cast, monkeypatch):
    file_topic(cast, NOISE[:4])
    calls = []
    grouping = hot_topics.find_topics

    def counted(*args, **kwargs):
        calls.append(1)
        return grouping(*args, **kwargs)

    monkeypatch.setattr(hot_topics, "find_topics", counted)
    first = unit_topics(cast.tree.district, FIRST, TODAY)
    assert unit_topics(cast.tree.district, FIRST, TODAY) == first and len(calls) == 1
    file_topic(cast, NOISE[4:])
    assert unit_topics(cast.tree.district, FIRST, TODAY).topics[0].count == 6
    assert len(calls) == 2


# --- the alert --------------------------------------------------------------------------------

needs_alert_model = pytest.mark.skipif(
    not hasattr(routing_models, "TopicAlert"),
    reason="the TopicAlert model is not added yet (see hot_topics.alert_hot_topics)",
)


def _notices(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, subject__startswith="hottopic:"))


@needs_alert_model
def test_a_hot_topic_is_told_once_to_the_unit_s_dispatchers_and_leaders(cast):
    town_dispatcher = add_person("town_dispatcher", cast.tree.town, Role.DISPATCHER)
    other_town = add_person("other_town_leader", cast.tree.other_town, Role.LEADER)
    file_topic(cast, NOISE)  # six residents, none the week before: heat 15
    file_topic(cast, LIGHTS[:3], day=BEFORE)
    file_topic(cast, LIGHTS[3:])  # fading: not an alert
    with frozen_at(at_day(TODAY, 20)):
        assert alert_hot_topics() == "3 hot topic notices sent"
        assert alert_hot_topics() == ""  # the same day again: nothing new
    for user in (cast.dispatcher, cast.leader, town_dispatcher):
        (notice,) = _notices(user)
        assert "/analytics/topics/" in notice.link and "#topic-" in notice.link
        assert "6" in notice.body
    assert _notices(other_town) == [] and _notices(cast.community_staff) == []


@needs_alert_model
def test_a_topic_still_hot_is_not_told_again_even_as_it_grows(cast):
    file_topic(cast, NOISE[:5])  # five residents, none the week before: heat 11.5
    with frozen_at(at_day(TODAY, 20)):
        alert_hot_topics()
    tomorrow = TODAY + timedelta(days=1)
    file_topic(cast, NOISE[4:], day=tomorrow)
    with frozen_at(at_day(tomorrow, 20)):
        assert alert_hot_topics() == ""
    assert len(_notices(cast.leader)) == 1


@needs_alert_model
def test_a_topic_hot_again_after_it_cooled_down_is_told_again(cast):
    file_topic(cast, NOISE[:5])
    with frozen_at(at_day(TODAY, 20)):
        alert_hot_topics()
    # Out of the last 7 days, and the 7 days before make it fade: a day not hot.
    cooled = TODAY + timedelta(days=8)
    with frozen_at(at_day(cooled, 20)):
        assert alert_hot_topics() == ""
    # Then many more residents than the week before: hot again, told again.
    again = cooled + timedelta(days=7)
    file_topic(cast, [f"{text}！" for text in NOISE], day=again)
    with frozen_at(at_day(again, 20)):
        assert alert_hot_topics()
    assert len(_notices(cast.leader)) == 2


def test_a_topic_below_the_alert_heat_is_not_told(cast):
    file_topic(cast, NOISE[:3], day=BEFORE)
    file_topic(cast, NOISE[3:])  # three residents, as many as the week before: heat 3
    (item,) = topics_for(cast.leader, cast.tree.district, FIRST, TODAY).topics
    assert not item.alert
    if hasattr(routing_models, "TopicAlert"):
        with frozen_at(at_day(TODAY, 20)):
            assert alert_hot_topics() == ""


def test_grid_b_cases_belong_to_the_town_too(cast):
    noise = file_topic(cast, NOISE[:3], at=IN_GRID_A) + file_topic(cast, NOISE[3:], at=IN_GRID_B)
    (item,) = topics_for(cast.community_staff, cast.tree.community, FIRST, TODAY).topics
    assert set(item.topic.request_ids) == numbers(noise)
    assert set(item.place_names) == {cast.tree.grid_a.name, cast.tree.grid_b.name}
