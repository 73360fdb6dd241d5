"""The working clock from 2000 to 2040: working days from the State Council calendar
(`chinese-calendar`, Monday to Friday outside its years) and the city's CalendarDay rows."""

from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays as published
from django.db import migrations

FIRST, LAST = date(2000, 1, 1), date(2040, 12, 31)


def fill(apps, schema_editor):
    WorkClock = apps.get_model("analytics", "WorkClock")
    CalendarDay = apps.get_model("core", "CalendarDay")
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    years = range(min(published).year, max(published).year + 1)
    rows, before, day = [], 0, FIRST
    while day <= LAST:
        if day in overrides:
            working = overrides[day]
        elif day.year in years:
            working = chinese_calendar.is_workday(day)
        else:
            working = day.weekday() < 5
        rows.append(WorkClock(day=day, workdays_before=before, is_workday=working))
        before += working
        day += timedelta(days=1)
    WorkClock.objects.bulk_create(rows, batch_size=2000)


def empty(apps, schema_editor):
    apps.get_model("analytics", "WorkClock").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_rollups_facts_and_work_clock"),
        ("core", "0006_append_only_audit_log"),
    ]

    operations = [migrations.RunPython(fill, empty)]
