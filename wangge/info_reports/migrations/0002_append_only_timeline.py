"""A report's timeline (`info_reports_entry`) is append-only in the database itself: entries
are only ever added. See `wangge.core.append_only` for what the triggers do and do not stop."""

from django.db import migrations

from wangge.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("info_reports", "0001_reports_kinds_timeline")]

    operations = [append_only("info_reports_entry")]
