"""When a stage is due: working hours and working days through the Chinese working-day calendar
(weekends, the 2025 National Day golden week), and wall-clock hours for emergencies."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from wangge.cases.deadlines import due_at, stage_due_at
from wangge.cases.queries import category_by_code


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def test_given_a_friday_when_two_working_days_are_allowed_then_due_on_tuesday(db):
    friday = at(date(2025, 11, 21), 10)
    assert due_at(Decimal(2), "working_days", friday) == at(date(2025, 11, 25), 10)


def test_given_friday_afternoon_when_four_working_hours_are_allowed_then_due_monday_morning(db):
    friday = at(date(2025, 11, 21), 16)
    # 1.5 hours on Friday, the other 2.5 from Monday 08:30.
    assert due_at(Decimal(4), "working_hours", friday) == at(date(2025, 11, 24), 11)


def test_given_national_day_eve_when_two_working_days_are_allowed_then_golden_week_is_skipped(
    db,
):
    eve = at(date(2025, 9, 30), 10)
    assert due_at(2, "working_days", eve) == at(date(2025, 10, 10), 10)


def test_given_the_eve_of_national_day_when_working_hours_run_out_then_they_resume_on_oct_9(db):
    eve = at(date(2025, 9, 30), 16, 30)
    assert due_at(Decimal(4), "working_hours", eve) == at(date(2025, 10, 9), 11, 30)


def test_given_a_holiday_night_when_calendar_hours_are_allowed_then_the_holiday_does_not_count(db):
    night = at(date(2025, 10, 1), 22)
    assert due_at(Decimal(4), "hours", night) == at(date(2025, 10, 2), 2)
    assert due_at(Decimal("0.5"), "hours", night) == at(date(2025, 10, 1), 22, 30)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(0, "working_days"), (Decimal(-1), "working_hours"), (Decimal("1.5"), "working_days"),
     (1, "fortnights")],
)  # fmt: skip
def test_given_a_bad_amount_or_unit_then_due_at_refuses(db, amount, unit):
    with pytest.raises(ValueError):
        due_at(amount, unit, at(date(2025, 11, 21), 10))


def test_given_a_naive_start_then_due_at_refuses(db):
    with pytest.raises(ValueError):
        due_at(1, "hours", datetime(2025, 11, 21, 10))


def test_given_a_complaint_reported_before_national_day_then_each_stage_is_due_in_working_time(
    db, django_assert_num_queries
):
    complaint = category_by_code("R0501")  # 噪音扰民, 投诉: 2 working hours, 2, 15 working days
    reported = at(date(2025, 9, 30), 16)
    stage_due_at(complaint, "accept", reported)  # the process reads the calendar once
    # Then each stage only checks that the calendar has not changed (one key read).
    with django_assert_num_queries(3):
        accept = stage_due_at(complaint, "accept", reported)
        dispatch = stage_due_at(complaint, "dispatch", reported)
        handle = stage_due_at(complaint, "handle", reported)
    # 1.5 working hours on Sep 30, the last half hour after the golden week.
    assert accept == at(date(2025, 10, 9), 9)
    assert dispatch == accept
    # Oct 9, 10, 11 (an adjusted working Saturday), then 12 more working days.
    assert handle == at(date(2025, 10, 28), 16)


def test_given_a_gas_leak_at_night_then_it_is_due_in_wall_clock_hours(db):
    gas_leak = category_by_code("E0503")
    night = at(date(2025, 10, 3), 23)
    assert stage_due_at(gas_leak, "accept", night) == at(date(2025, 10, 3), 23, 30)
    assert stage_due_at(gas_leak, "handle", night) == at(date(2025, 10, 4), 3)


def test_given_an_unknown_stage_then_stage_due_at_refuses(db):
    with pytest.raises(ValueError):
        stage_due_at(category_by_code("R0501"), "verify", at(date(2025, 11, 21), 10))  # type: ignore[arg-type]
