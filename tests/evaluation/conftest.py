"""Fixtures of the evaluation tests: a story of five cases of grid A in March 2026, driven
through the real case services at frozen moments (see test_role_figures for what each does)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from tests.cases.loop_helpers import DEPARTMENT, act, file_case, upload
from wangge.analytics.queries import Period
from wangge.core.clock import frozen_at

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour, minute))


def step(actor, case, action, moment, **given):
    with frozen_at(moment):
        return act(actor, case, action, **given)


def finish(cast, case, moment):
    handler = cast.department_handler
    with frozen_at(moment):
        return act(handler, case, "finish", note="已修复", attachments=[upload(handler)])


@pytest.fixture
def story(cast):
    """Five cases of grid A; Monday 2 March 2026 onwards."""
    gw, dispatcher, handler = cast.grid_worker_a, cast.dispatcher, cast.department_handler
    with frozen_at(at(2, 9)):
        one = file_case(gw)
        two = file_case(gw, description="路灯一直闪")
        declined = file_case(gw, description="不是问题")
        waiting = file_case(gw, description="还没处理")
        deferred = file_case(cast.dispatcher, description="需要更换电缆")
    # One: dispatched on time, handled on time, verified on time, closed.
    step(dispatcher, one, "accept", at(2, 9, 10))
    step(dispatcher, one, "dispatch", at(2, 9, 30), department=DEPARTMENT)
    step(handler, one, "sign", at(2, 10))
    finish(cast, one, at(3, 10))
    step(gw, one, "verify", at(3, 11), note="亮了")
    step(dispatcher, one, "close", at(3, 11, 30))
    # Two: dispatched late and returned, dispatched again on time; verification failed late;
    # handled again after its deadline and verified on time; not closed.
    step(dispatcher, two, "accept", at(2, 9))
    step(dispatcher, two, "dispatch", at(2, 14, 30), department=DEPARTMENT)
    step(handler, two, "return", at(2, 15), reason="不属本部门")
    step(dispatcher, two, "dispatch", at(2, 15, 10), department=DEPARTMENT)
    step(handler, two, "sign", at(2, 15, 20))
    finish(cast, two, at(4, 9))
    step(gw, two, "fail_verification", at(6, 9), reason="还是闪")
    finish(cast, two, at(9, 9))
    step(gw, two, "verify", at(9, 10), note="好了")
    # Declined, and one still waiting for a decision.
    step(dispatcher, declined, "decline", at(2, 9, 20), reason="不属于受理范围")
    # Deferred: an extension granted.
    step(dispatcher, deferred, "accept", at(2, 9, 5))
    step(dispatcher, deferred, "dispatch", at(2, 9, 20), department=DEPARTMENT)
    step(handler, deferred, "sign", at(2, 9, 40))
    step(
        handler,
        deferred,
        "request_extension",
        at(3, 9),
        new_deadline=at(20, 17),
        reason="等电缆",
    )
    step(dispatcher, deferred, "approve_extension", at(3, 10))
    return {"one": one, "two": two, "declined": declined, "waiting": waiting, "deferred": deferred}
