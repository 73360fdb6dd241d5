"""The working-day calendar behind SLA clocks: State Council holidays, the fallback past them,
the administrator's table, office hours, and the deadline colours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.core import generations
from wangge.core.calendar import (
    DEFAULT_OFFICE_HOURS,
    GENERATION,
    add_working_days,
    add_working_hours,
    city_office_hours,
    deadline_state,
    is_official,
    is_workday,
    official_years,
    set_office_hours,
    working_hours_between,
)
from wangge.core.models import AuditEntry, CalendarDay

# Past the State Council data, whichever version of the package is installed.
LATER_YEAR = official_years().stop + 1


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


# --- which days are working days ------------------------------------------------------------


def test_official_years_are_exactly_the_years_the_package_knows():
    years = official_years()
    assert 2025 in years
    assert 2026 in years
    chinese_calendar.is_workday(date(years.stop - 1, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.stop, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.start - 1, 12, 31))
    assert is_official(date(2025, 10, 1))
    assert not is_official(date(LATER_YEAR, 1, 1))


def test_given_the_2025_national_day_golden_week_then_oct_1_to_8_are_holidays(db):
    for day in range(1, 9):
        holiday = date(2025, 10, day)
        assert not is_workday(holiday)
        assert chinese_calendar.get_holiday_detail(holiday)[0] is True
    assert is_workday(date(2025, 10, 9))


def test_given_the_2025_national_day_then_the_weekend_days_before_and_after_are_worked(db):
    sunday, saturday = date(2025, 9, 28), date(2025, 10, 11)
    assert (sunday.weekday(), saturday.weekday()) == (6, 5)
    assert is_workday(sunday) and chinese_calendar.is_workday(sunday)
    assert is_workday(saturday) and chinese_calendar.is_workday(saturday)


def test_given_the_2025_spring_festival_then_jan_28_to_feb_4_are_off_and_two_weekend_days_worked(
    db,
):
    for offset in range(8):
        day = date(2025, 1, 28) + timedelta(days=offset)
        assert not is_workday(day)
        assert chinese_calendar.get_holiday_detail(day) == (True, "Spring Festival")
    assert is_workday(date(2025, 1, 26))  # a Sunday
    assert is_workday(date(2025, 2, 8))  # a Saturday


def test_an_ordinary_weekend_is_not_worked(db):
    assert not is_workday(date(2025, 3, 15))
    assert not is_workday(date(2025, 3, 16))
    assert is_workday(date(2025, 3, 17))


def test_past_the_state_council_data_monday_to_friday_are_working_days(db):
    monday = first_monday(LATER_YEAR, 3)
    assert [is_workday(monday + timedelta(days=n)) for n in range(7)] == [True] * 5 + [False] * 2


def test_past_the_state_council_data_a_holiday_in_the_table_is_not_worked(db):
    monday = first_monday(LATER_YEAR, 3)
    CalendarDay.objects.create(date=monday, is_workday=False, name="local holiday")
    assert not is_workday(monday)
    assert add_working_days(at(monday - timedelta(days=3), 10), 1) == at(monday + timedelta(1), 10)


def test_a_table_entry_overrides_the_state_council_in_both_directions(db):
    CalendarDay.objects.create(date=date(2025, 10, 9), is_workday=False, name="local holiday")
    CalendarDay.objects.create(date=date(2025, 10, 8), is_workday=True, name="adjusted workday")
    assert not is_workday(date(2025, 10, 9))
    assert is_workday(date(2025, 10, 8))
    assert add_working_days(at(date(2025, 9, 30), 10), 2) == at(date(2025, 10, 10), 10)


def test_the_calendar_is_read_once_then_each_call_only_checks_it_is_unchanged(
    db, django_assert_num_queries
):
    start = at(date(2025, 9, 30), 10)
    add_working_days(start, 1)  # the process reads the holiday table and the office hours
    with django_assert_num_queries(1):
        add_working_days(start, 20)
    with django_assert_num_queries(1):
        add_working_hours(start, 100)
    with django_assert_num_queries(1):
        working_hours_between(start, start + timedelta(days=90))
    with django_assert_num_queries(1):
        deadline_state(start, start + timedelta(days=10), start + timedelta(days=1))


def test_a_holiday_added_after_the_calendar_was_read_counts_at_the_next_call(db):
    monday = at(date(2025, 3, 17), 10)
    assert add_working_days(monday, 1) == at(date(2025, 3, 18), 10)
    CalendarDay.objects.create(date=date(2025, 3, 18), is_workday=False, name="本地假日")
    assert add_working_days(monday, 1) == at(date(2025, 3, 19), 10)


# --- working days ---------------------------------------------------------------------------


def test_two_working_days_from_thursday_fall_on_monday(db):
    assert add_working_days(at(date(2025, 3, 13), 10), 2) == at(date(2025, 3, 17), 10)


def test_two_working_days_across_the_golden_week_skip_the_holidays(db):
    assert add_working_days(at(date(2025, 9, 30), 10), 2) == at(date(2025, 10, 10), 10)


def test_the_adjusted_sunday_counts_as_a_working_day(db):
    assert add_working_days(at(date(2025, 9, 26), 10), 1) == at(date(2025, 9, 28), 10)


def test_a_start_after_office_hours_counts_from_the_next_working_morning(db):
    friday_evening = at(date(2025, 3, 14), 18)
    assert add_working_days(friday_evening, 0) == at(date(2025, 3, 17), 8, 30)
    assert add_working_days(friday_evening, 2) == at(date(2025, 3, 19), 8, 30)


def test_a_start_at_lunch_counts_from_the_afternoon(db):
    assert add_working_days(at(date(2025, 3, 17), 12, 30), 1) == at(date(2025, 3, 18), 14)
    assert add_working_hours(at(date(2025, 3, 17), 12), 1) == at(date(2025, 3, 17), 15)


# --- working hours --------------------------------------------------------------------------


def test_working_hours_skip_lunch(db):
    assert add_working_hours(at(date(2025, 3, 17), 11), 2) == at(date(2025, 3, 17), 15)


def test_working_hours_continue_the_next_working_morning(db):
    assert add_working_hours(at(date(2025, 3, 17), 16, 30), 3) == at(date(2025, 3, 18), 10, 30)


def test_a_deadline_that_uses_up_the_afternoon_lands_at_closing_time(db):
    assert add_working_hours(at(date(2025, 3, 17), 15, 30), 2) == at(date(2025, 3, 17), 17, 30)


def test_working_hours_from_a_saturday_start_on_monday_morning(db):
    assert add_working_hours(at(date(2025, 3, 15), 10), 0.5) == at(date(2025, 3, 17), 9)


def test_hours_between_friday_afternoon_and_monday_morning_skip_the_weekend(db):
    hours = working_hours_between(at(date(2025, 3, 14), 16), at(date(2025, 3, 17), 9, 30))
    assert hours == pytest.approx(2.5)


def test_hours_between_are_zero_when_the_end_is_not_after_the_start(db):
    moment = at(date(2025, 3, 17), 10)
    assert working_hours_between(moment, moment) == 0
    assert working_hours_between(moment, moment - timedelta(hours=5)) == 0


def test_office_hours_can_be_changed(db):
    nine_to_six = ((time(9), time(18)),)
    start = at(date(2025, 3, 17), 17)
    assert add_working_hours(start, 2, office_hours=nine_to_six) == at(date(2025, 3, 18), 10)
    assert working_hours_between(start, at(date(2025, 3, 18), 10), office_hours=nine_to_six) == 2


def test_bad_office_hours_and_naive_datetimes_are_refused(db):
    with pytest.raises(ValueError, match="office hours"):
        add_working_hours(at(date(2025, 3, 17), 10), 1, office_hours=((time(14), time(12)),))
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2025, 3, 17, 10), 1)


def test_a_table_that_closes_a_whole_year_is_an_error_not_a_hang(db):
    start = date(LATER_YEAR, 1, 1)
    CalendarDay.objects.bulk_create(
        CalendarDay(date=start + timedelta(days=n), is_workday=False) for n in range(400)
    )
    generations.changed(GENERATION)  # bulk_create sends no signals
    with pytest.raises(ValueError, match="no working day"):
        add_working_days(at(start, 10), 1)


# --- deadline colours -----------------------------------------------------------------------


@pytest.fixture
def ten_working_hours(db) -> tuple[datetime, datetime]:
    started_at = at(date(2025, 3, 17), 8, 30)  # Monday: 7 office hours, then 3 on Tuesday
    due_at = add_working_hours(started_at, 10)
    assert due_at == at(date(2025, 3, 18), 11, 30)
    return started_at, due_at


def test_at_79_percent_of_the_working_time_a_case_is_green(ten_working_hours):
    started_at, due_at = ten_working_hours
    now = add_working_hours(started_at, 7.9)
    assert deadline_state(started_at, due_at, now) == "green"


def test_at_80_percent_of_the_working_time_a_case_turns_yellow(ten_working_hours):
    started_at, due_at = ten_working_hours
    now = add_working_hours(started_at, 8)
    assert deadline_state(started_at, due_at, now) == "yellow"
    assert deadline_state(started_at, due_at, due_at) == "yellow"


def test_past_the_due_time_a_case_is_red(ten_working_hours):
    started_at, due_at = ten_working_hours
    assert deadline_state(started_at, due_at, due_at + timedelta(minutes=1)) == "red"


def test_a_weekend_does_not_use_up_working_time(db):
    started_at = at(date(2025, 3, 14), 17)  # Friday, half an hour before closing
    due_at = add_working_hours(started_at, 7)
    assert deadline_state(started_at, due_at, at(date(2025, 3, 16), 23)) == "green"


# --- properties -----------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(LATER_YEAR, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=timezone.get_default_timezone())
)


@pytest.fixture
def local_days(db) -> None:
    """A local holiday and a worked Saturday past the State Council data, and a holiday over a
    State Council working day, so the properties cover the table as well."""
    monday = first_monday(LATER_YEAR, 5)
    CalendarDay.objects.create(date=monday, is_workday=False, name="local holiday")
    CalendarDay.objects.create(date=monday - timedelta(days=2), is_workday=True, name="worked")
    CalendarDay.objects.create(date=date(2025, 10, 9), is_workday=False, name="local holiday")


def is_in_office_hours(moment: datetime, *, closing_counts: bool) -> bool:
    local = timezone.localtime(moment)
    clock = local.timetz().replace(tzinfo=None)
    inside = any(
        opens <= clock < closes or (closing_counts and clock == closes)
        for opens, closes in DEFAULT_OFFICE_HOURS
    )
    return is_workday(local.date()) and inside


@PROPERTY_SETTINGS
@given(start=moments, hours=st.floats(min_value=0, max_value=300))
def test_hours_between_undoes_adding_hours(local_days, start, hours):
    deadline = add_working_hours(start, hours)
    assert deadline >= start
    assert working_hours_between(start, deadline) == pytest.approx(hours, abs=1e-6)


@PROPERTY_SETTINGS
@given(start=moments, hours=st.floats(min_value=0, max_value=300))
def test_an_hours_deadline_is_on_a_working_day_in_office_hours(local_days, start, hours):
    assert is_in_office_hours(add_working_hours(start, hours), closing_counts=True)


@PROPERTY_SETTINGS
@given(start=moments, days=st.integers(min_value=0, max_value=60))
def test_a_days_deadline_is_on_a_working_day_in_office_hours(local_days, start, days):
    deadline = add_working_days(start, days)
    assert is_in_office_hours(deadline, closing_counts=False)
    assert deadline >= start


# --- the administrator's table --------------------------------------------------------------


def test_the_admin_list_says_which_years_come_from_the_state_council(client, db):
    from conftest import make_user

    administrator = make_user("root")
    administrator.is_staff = administrator.is_superuser = True
    administrator.save(update_fields=["is_staff", "is_superuser"])
    CalendarDay.objects.create(date=date(LATER_YEAR, 1, 1), is_workday=False, name="New Year")
    client.force_login(administrator)
    response = client.get("/django-admin/core/calendarday/")
    assert response.status_code == 200
    text = response.content.decode()
    years = official_years()
    assert f"{years.start}–{years.stop - 1} come from the State Council" in text
    assert "Later years count Monday to Friday" in text
    assert "New Year" in text


def test_a_city_sets_its_office_hours_and_new_deadlines_count_them(db):
    start = at(date(2025, 3, 17), 9)
    assert add_working_hours(start, 4) == at(date(2025, 3, 17), 15)

    set_office_hours(None, ((time(13), time(18)), (time(9), time(12))))

    assert city_office_hours() == ((time(9), time(12)), (time(13), time(18)))
    assert add_working_hours(start, 4) == at(date(2025, 3, 17), 14)
    assert AuditEntry.objects.filter(action="calendar.office_hours").count() == 1


def test_overlapping_office_hours_are_refused_and_the_old_ones_kept(db):
    from wangge.core.calendar import DEFAULT_OFFICE_HOURS, city_office_hours, set_office_hours

    with pytest.raises(ValueError, match="non-overlapping"):
        set_office_hours(None, ((time(9), time(13)), (time(12), time(18))))

    assert city_office_hours() == DEFAULT_OFFICE_HOURS
