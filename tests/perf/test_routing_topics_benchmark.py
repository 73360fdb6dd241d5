"""Benchmark: hot topics on the public message set (2020 Teddy Cup, `popular_messages.csv`:
4,326 messages to a city government, January 2019 to January 2020 with a few older ones, each
with its author, time and support count; see ../shared/data/README.md).

Run with `pytest tests/perf/test_routing_topics_benchmark.py -s -p no:randomly`. Prints, with
the default rules, the top 10 topics of the whole span as one period (4,3xx messages: also the
timing at scale), of the busiest month, and of the month with the hottest topic: heat, count,
distinct reporters, growth over the previous period of equal length, support total, label and
the subjects of the two most central messages, so the groups can be read and judged. Then the
time to group 5,000 requests (the messages and a second copy of 674 of them). Only correctness
is asserted: every topic meets the rules; timings are printed, never asserted."""

from __future__ import annotations

import csv
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from wangge.routing.text import request_text
from wangge.routing.topics import Topic, TopicRequest, TopicRules, find_topics, is_alert

# The shared data set sits next to the repository (../shared/data); it is not shipped.
MESSAGES = Path(__file__).resolve().parents[2].parent / "shared/data/messages/popular_messages.csv"
TOP = 10
SCALE = 5_000


def _reported_at(value: str) -> datetime:
    value = value.strip()
    for layout in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, layout)
        except ValueError:
            continue
    raise ValueError(f"unreadable time {value!r}")


def _messages() -> tuple[list[TopicRequest], dict[int, str]]:
    csv.field_size_limit(10_000_000)
    with MESSAGES.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    requests = [
        TopicRequest(
            id=int(row["留言编号"]),
            text=request_text(row["留言主题"], row["留言详情"]),
            reporter=row["留言用户"].strip(),
            reported_at=_reported_at(row["留言时间"]),
            support=int(row["点赞数"] or 0),
        )
        for row in rows
    ]
    return requests, {int(row["留言编号"]): row["留言主题"].strip() for row in rows}


def _month(day: datetime) -> tuple[datetime, datetime]:
    start = day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def _timed_topics(
    requests: list[TopicRequest], start: datetime, end: datetime, rules: TopicRules
) -> tuple[list[Topic], float, int]:
    began = time.perf_counter()
    topics = find_topics(requests, start, end, rules)
    seconds = time.perf_counter() - began
    in_period = sum(1 for r in requests if start <= r.reported_at < end)
    return topics, seconds, in_period


def _print_topics(
    title: str, topics: list[Topic], seconds: float, in_period: int, subjects: dict[int, str]
) -> None:
    rules = TopicRules()
    alerts = sum(1 for topic in topics if is_alert(topic, rules))
    print(
        f"\n== {title}: {in_period} messages, {len(topics)} topics, {alerts} alerts "
        f"(heat ≥ {rules.alert_heat:g}); grouped in {seconds:.2f} s"
    )
    print(f"{'heat':>6} {'count':>5} {'repor':>5} {'prev':>4} {'growth':>6} {'support':>7}  label")
    for topic in topics[:TOP]:
        print(
            f"{topic.heat:6.1f} {topic.count:5d} {topic.reporters:5d} {topic.previous_count:4d} "
            f"{topic.growth:6.2f} {topic.support:7d}  {topic.label}"
        )
        for request_id in topic.request_ids[:2]:
            print(f"{'':38}· {subjects[request_id]}")


def _check(topics: list[Topic], rules: TopicRules) -> None:
    assert all(topic.count >= rules.min_requests for topic in topics)
    assert all(topic.reporters >= rules.min_reporters for topic in topics)
    assert [topic.heat for topic in topics] == sorted((t.heat for t in topics), reverse=True)


def test_hot_topics_of_the_public_messages() -> None:
    if not MESSAGES.exists():
        pytest.skip("needs ../shared/data/messages (the 2020 Teddy Cup messages)")
    rules = TopicRules()
    requests, subjects = _messages()

    months = Counter(_month(r.reported_at) for r in requests)
    first, last = min(months)[0], max(months)[1]
    topics, seconds, in_period = _timed_topics(requests, first, last, rules)
    _check(topics, rules)
    _print_topics(
        f"all messages, {first:%Y-%m} to {last:%Y-%m}", topics, seconds, in_period, subjects
    )

    busiest = max(months, key=lambda month: months[month])
    topics, seconds, in_period = _timed_topics(requests, *busiest, rules)
    _check(topics, rules)
    _print_topics(
        f"busiest month, {busiest[0]:%Y-%m} (vs the month before)",
        topics,
        seconds,
        in_period,
        subjects,
    )

    print("\n== each month with at least 100 messages: topics, alerts, the hottest")
    by_month: dict[tuple[datetime, datetime], list[Topic]] = {}
    for month in sorted(m for m, count in months.items() if count >= 100):
        found = find_topics(requests, *month, rules)
        _check(found, rules)
        by_month[month] = found
        alerts = sum(1 for topic in found if is_alert(topic, rules))
        hottest = (
            f"{found[0].heat:6.1f} {found[0].count:3d} msgs {found[0].reporters:3d} reporters "
            f"{subjects[found[0].request_ids[0]]}"
            if found
            else "none"
        )
        print(
            f"{month[0]:%Y-%m} {months[month]:4d} msgs {len(found):3d} topics {alerts:2d} alerts"
            f"  {hottest}"
        )
    hottest = max(by_month, key=lambda m: by_month[m][0].heat if by_month[m] else 0.0)
    if hottest != busiest:
        topics, seconds, in_period = _timed_topics(requests, *hottest, rules)
        _print_topics(
            f"month with the hottest topic, {hottest[0]:%Y-%m} (vs the month before)",
            topics,
            seconds,
            in_period,
            subjects,
        )

    # Scale: 5,000 requests in one period (the messages, then second copies with new ids).
    extra = [
        TopicRequest(
            id=-r.id,
            text=r.text,
            reporter=r.reporter,
            reported_at=r.reported_at,
            support=r.support,
        )
        for r in requests[: max(0, SCALE - len(requests))]
    ]
    scaled = [*requests, *extra]
    began = time.perf_counter()
    topics = find_topics(scaled, first, last, rules)
    seconds = time.perf_counter() - began
    print(
        f"\n== scale: {len(scaled)} requests in one period grouped in {seconds:.2f} s "
        f"({len(topics)} topics), one core"
    )
