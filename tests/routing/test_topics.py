"""Hot topics on small synthetic requests: grouping, the rules that make a group a topic, the heat
index, growth, the period's bounds, ordering, labels and alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from wangge.routing.topics import (
    Topic,
    TopicRequest,
    TopicRules,
    find_topics,
    heat_index,
    is_alert,
)

PERIOD_START = datetime(2024, 5, 1)
PERIOD_END = datetime(2024, 5, 8)
IN_PERIOD = datetime(2024, 5, 3, 10)
IN_PREVIOUS_PERIOD = datetime(2024, 4, 27, 10)

SQUARE_DANCE = (
    "幸福花园小区广场舞噪音扰民，晚上十点还在跳",
    "幸福花园小区每晚广场舞音响噪音太吵",
    "投诉幸福花园小区广场舞噪音",
    "幸福花园小区广场舞噪音影响孩子睡觉",
    "幸福花园小区楼下广场舞噪音太大",
)
STREET_LIGHTS = (
    "建设大道的路灯坏了，晚上一片漆黑",
    "建设大道路灯坏了好几天没人修",
    "反映建设大道路灯坏了的问题",
    "建设大道的路灯坏了请尽快维修",
)
UNRELATED = (
    "学校门口早高峰堵车严重",
    "菜市场垃圾没人清理，气味难闻",
    "建议增加到火车站的公交线路",
)


def requests(
    texts: Sequence[str],
    prefix: str,
    reporters: Sequence[str] | None = None,
    at: datetime = IN_PERIOD,
) -> list[TopicRequest]:
    return [
        TopicRequest(
            id=f"{prefix}{index}",
            text=text,
            reporter=reporters[index] if reporters else f"{prefix}-resident-{index}",
            reported_at=at + timedelta(minutes=index),
        )
        for index, text in enumerate(texts)
    ]


def topics_of(items: Sequence[TopicRequest], rules: TopicRules | None = None) -> list[Topic]:
    return find_topics(items, PERIOD_START, PERIOD_END, rules)


def test_similar_requests_group_together_and_dissimilar_ones_do_not() -> None:
    items = [
        *requests(SQUARE_DANCE, "dance"),
        *requests(STREET_LIGHTS, "light"),
        *requests(UNRELATED, "other"),
    ]

    found = {frozenset(topic.request_ids) for topic in topics_of(items)}

    assert found == {
        frozenset(f"dance{i}" for i in range(len(SQUARE_DANCE))),
        frozenset(f"light{i}" for i in range(len(STREET_LIGHTS))),
    }


def test_a_group_smaller_than_min_requests_is_not_a_topic() -> None:
    items = [*requests(SQUARE_DANCE[:2], "dance"), *requests(UNRELATED, "other")]

    assert topics_of(items) == []
    assert len(topics_of(items, TopicRules(min_requests=2))) == 1


def test_a_group_from_fewer_than_min_reporters_is_not_a_topic() -> None:
    one_resident = ["the-same-resident"] * len(SQUARE_DANCE)
    items = [*requests(SQUARE_DANCE, "dance", one_resident), *requests(UNRELATED, "other")]

    assert topics_of(items) == []
    assert len(topics_of(items, TopicRules(min_reporters=1))) == 1


def test_anonymous_requests_count_as_one_reporter() -> None:
    anonymous = [""] * len(SQUARE_DANCE)
    items = [*requests(SQUARE_DANCE, "dance", anonymous), *requests(UNRELATED, "other")]

    assert topics_of(items) == []
    (topic,) = topics_of(items, TopicRules(min_reporters=1))
    assert topic.reporters == 1


def test_more_distinct_reporters_at_equal_count_make_a_hotter_topic() -> None:
    few = ["resident-a", "resident-a", "resident-a", "resident-b"]
    items = [
        *requests(SQUARE_DANCE[:4], "dance", few),
        *requests(STREET_LIGHTS, "light"),
    ]

    dance, lights = sorted(topics_of(items), key=lambda topic: topic.request_ids[0])
    assert dance.count == lights.count == 4
    assert (dance.reporters, lights.reporters) == (2, 4)
    assert lights.heat > dance.heat


def test_ten_reporters_weigh_more_than_one_reporter_writing_ten_times() -> None:
    rules = TopicRules()

    assert heat_index(10, 10, 1.0, rules) > 3 * heat_index(10, 1, 1.0, rules)


def test_heat_grows_with_count_reporters_and_growth() -> None:
    rules = TopicRules()
    base = heat_index(6, 3, 1.0, rules)

    assert heat_index(7, 3, 1.0, rules) > base
    assert heat_index(6, 4, 1.0, rules) > base
    assert heat_index(6, 3, 2.0, rules) > base
    assert heat_index(6, 3, 0.5, rules) < base


def test_growth_reflects_the_previous_period() -> None:
    items = [
        *requests(SQUARE_DANCE, "dance"),
        *requests(SQUARE_DANCE[:2], "before", at=IN_PREVIOUS_PERIOD),
        # Too early to be in the previous period (a week before the period starts).
        *requests(SQUARE_DANCE[2:], "long-ago", at=IN_PREVIOUS_PERIOD - timedelta(days=7)),
        # In the previous period but about something else.
        *requests(STREET_LIGHTS[:1], "other-before", at=IN_PREVIOUS_PERIOD),
        *requests(UNRELATED, "other"),
    ]

    (topic,) = topics_of(items)

    assert topic.count == 5
    assert topic.previous_count == 2
    assert set(topic.previous_request_ids) == {"before0", "before1"}
    assert topic.growth == pytest.approx((5 + 1) / (2 + 1))
    steady = topics_of([*items, *requests(SQUARE_DANCE[2:], "more-before", at=IN_PREVIOUS_PERIOD)])
    assert steady[0].growth == pytest.approx(1.0)
    assert steady[0].heat < topic.heat


def test_requests_outside_the_period_are_not_counted() -> None:
    items = [
        *requests(SQUARE_DANCE[:3], "dance"),
        *requests(SQUARE_DANCE[3:], "at-end", at=PERIOD_END),  # the end is excluded
        *requests(STREET_LIGHTS[:2], "after", at=PERIOD_END + timedelta(days=1)),
        *requests(UNRELATED, "other"),
    ]

    (topic,) = topics_of(items)

    assert topic.count == 3
    assert set(topic.request_ids) == {"dance0", "dance1", "dance2"}


def test_topics_are_ordered_by_heat() -> None:
    items = [
        *requests(STREET_LIGHTS[:3], "light"),
        *requests(SQUARE_DANCE, "dance"),
        *requests(UNRELATED, "other"),
    ]

    found = topics_of(items)

    assert [topic.count for topic in found] == [5, 3]
    assert found[0].heat > found[1].heat


def test_the_most_central_request_comes_first() -> None:
    texts = ["投诉幸福花园小区广场舞噪音"] * 3 + [
        "幸福花园小区广场舞噪音，另外停车位也不够，物业不管"
    ]
    items = [*requests(texts, "dance"), *requests(UNRELATED, "other")]

    (topic,) = topics_of(items)

    assert topic.request_ids[-1] == "dance3"


def test_the_label_names_the_group_with_its_distinctive_words() -> None:
    items = [*requests(STREET_LIGHTS, "light"), *requests(UNRELATED, "other")]

    (topic,) = topics_of(items)

    assert "路灯" in topic.label.split(" ")
    assert len(topic.label.split(" ")) <= TopicRules().label_words


def test_support_and_places_are_totalled() -> None:
    items = [
        TopicRequest(
            id=index,
            text=text,
            reporter=f"resident-{index}",
            reported_at=IN_PERIOD,
            place="440703001" if index < 2 else "440703002",
            support=index,
        )
        for index, text in enumerate(STREET_LIGHTS)
    ]

    (topic,) = topics_of([*items, *requests(UNRELATED, "other")])

    assert topic.support == 0 + 1 + 2 + 3
    assert set(topic.places) == {"440703001", "440703002"}


def test_is_alert_at_the_threshold() -> None:
    def topic_of_heat(heat: float) -> Topic:
        return Topic(
            request_ids=("a",),
            label="",
            count=1,
            previous_count=0,
            growth=2.0,
            reporters=1,
            support=0,
            heat=heat,
        )

    rules = TopicRules(alert_heat=12.0)
    assert is_alert(topic_of_heat(12.0), rules)
    assert not is_alert(topic_of_heat(11.9), rules)
    assert is_alert(topic_of_heat(TopicRules().alert_heat))
    assert not is_alert(topic_of_heat(TopicRules().alert_heat - 0.1))


def test_no_requests_no_topics() -> None:
    assert topics_of([]) == []
    assert topics_of(requests(["，。！", "...", "？"], "punctuation")) == []


def test_requests_in_the_same_place_are_more_alike() -> None:
    def in_places(places: Sequence[str]) -> list[TopicRequest]:
        return [
            TopicRequest(
                id=index, text=text, reporter=f"r{index}", reported_at=IN_PERIOD, place=place
            )
            for index, (text, place) in enumerate(zip(SQUARE_DANCE[:3], places, strict=True))
        ]

    strict = TopicRules(similarity=0.5, same_place_bonus=0.3)
    same_grid, other_grids = in_places(["g1"] * 3), in_places(["g1", "g2", "g3"])
    unrelated = requests(UNRELATED, "other")

    assert len(topics_of([*same_grid, *unrelated], strict)) == 1
    assert topics_of([*other_grids, *unrelated], strict) == []
    no_bonus = TopicRules(similarity=0.5, same_place_bonus=0.0)
    assert topics_of([*same_grid, *unrelated], no_bonus) == []
