"""A case's event log (`cases_caseevent`) is append-only in the database itself: events are
only ever appended (0008, which cleared stored actor labels, runs before this). See
`wangge.core.append_only` for what the triggers do and do not stop."""

from django.db import migrations

from wangge.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_actor_labels_read_in_language")]

    operations = [append_only("cases_caseevent")]
