"""The figures' measures computed straight from the cases, one case at a time in Python: the
check the rollups are held to (tests only; the product computes them once, in SQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.utils import timezone

from wangge.analytics.definitions import REPEAT_WINDOW_DAYS, STATES
from wangge.analytics.queries import Period
from wangge.cases.models import Case, SupervisionOrder
from wangge.core.calendar import WorkingCalendar
from wangge.org.models import OrgUnit


def case_measures(case: Case, orders: list[SupervisionOrder], others: list[Case]) -> Counter:
    counted = case.state != "merged"
    accepted = case.state not in ("reported", "declined", "merged")
    late_response = case.responded_at is not None and case.responded_at > case.accept_due_at
    handled = case.handled_at is not None
    late_handling = (
        handled and case.handle_due_at is not None and case.handled_at > case.handle_due_at
    )
    timed = counted and handled and case.dispatched_at is not None
    timed = timed and case.dispatched_at <= case.handled_at
    seconds = 0
    if timed:
        hours = WorkingCalendar().working_hours_between(case.dispatched_at, case.handled_at)
        seconds = round(hours * 3600)
    repeat = False
    if counted:
        since = case.reported_at - timedelta(days=REPEAT_WINDOW_DAYS)
        for other in others:
            earlier = (other.reported_at, other.pk) < (case.reported_at, case.pk)
            same = (
                case.reporter_phone_index
                and other.reporter_phone_index == case.reporter_phone_index
            ) or (case.address and other.address == case.address)
            if same and earlier and other.reported_at >= since:
                repeat = True
    flags = {
        "reported": counted,
        **{f"s_{state}": case.state == state for state in STATES},
        "responded_in_time": counted
        and case.responded_at is not None
        and case.responded_at <= case.accept_due_at,
        "accepted": accepted,
        "accepted_on_time": accepted
        and case.responded_at is not None
        and case.responded_at <= case.accept_due_at,
        "dispatched": counted and case.dispatched_at is not None,
        "handled": counted and handled,
        "handled_on_time": counted
        and handled
        and case.handle_due_at is not None
        and case.handled_at <= case.handle_due_at,
        "handle_timed": timed,
        "handle_seconds": seconds,
        "closed": case.state == "closed",
        "resolved": case.state == "closed" and case.is_resolved is True,
        "rated": counted and case.rating != "",
        "satisfied": counted and case.rating in ("satisfied", "basically_satisfied"),
        "overdue": counted
        and (late_response or late_handling or any(o.issued_by_id is None for o in orders)),
        "supervised": counted and bool(orders),
        "reopened": counted and case.reopen_count > 0,
        "closed_ever": counted and (case.state == "closed" or case.reopen_count > 0),
        "repeat_request": repeat,
    }
    return Counter({name: int(value) for name, value in flags.items()})


def reference_totals(period: Period, unit: OrgUnit | None = None) -> Counter:
    cases = list(Case.objects.order_by("pk"))
    orders: dict[int, list[SupervisionOrder]] = {}
    for order in SupervisionOrder.objects.all():
        orders.setdefault(order.case_id, []).append(order)
    areas = None
    if unit is not None:
        areas = set(
            OrgUnit.objects.filter(path__descendant_of=unit.path).values_list("pk", flat=True)
        )
    totals: Counter = Counter()
    for case in cases:
        if areas is not None and case.area_id not in areas:
            continue
        day: date = timezone.localdate(case.reported_at)
        if day in period:
            totals.update(case_measures(case, orders.get(case.pk, []), cases))
        if (
            case.state == "closed"
            and case.closed_at
            and timezone.localdate(case.closed_at) in period
        ):
            totals["closed_on_day"] += 1
    return +totals
