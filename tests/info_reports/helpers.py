"""Builders for the information-report tests, all through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.cases.loop_helpers import photo_bytes
from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.info_reports import services
from wangge.info_reports.models import InfoKind, InfoReport

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
FIRE = "fire"  # shipped: first report within 60 minutes, written within 120


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    with clock.frozen_at(moment):
        yield moment


def kind(code: str = FIRE) -> InfoKind:
    return InfoKind.objects.get(code=code)


def photo(actor: Any, name: str = "现场.jpg") -> Any:
    return store_attachment(actor, photo_bytes(), name=name)


def first_report(
    actor: Any, *, known_minutes_ago: float = 10, kind_code: str = FIRE, **given: Any
) -> InfoReport:
    """A first report filed now, about something learned of `known_minutes_ago` minutes ago."""
    known_at = clock.now() - timedelta(minutes=known_minutes_ago)
    values: dict[str, Any] = {
        "kind": kind(kind_code),
        "title": "石冲路民房起火",
        "description": "一栋三层民房二楼起火，已拨打119",
        "happened_at": known_at - timedelta(minutes=5),
        "known_at": known_at,
        "address": "石冲路12号",
        "injured": 1,
    }
    values.update(given)
    return services.submit_first_report(actor, services.FirstReport(**values))


def follow_up(actor: Any, report: InfoReport, text: str = "火势已控制", **given: Any) -> Any:
    kind_ = given.pop("kind", "continued")
    return services.add_follow_up(actor, report, kind_, services.FollowUp(text=text, **given))
