"""The audit log (`core_auditentry`) is append-only in the database itself: nothing in the
application changes or removes an entry (`core.audit.record` only inserts). See
`wangge.core.append_only` for what the triggers do and do not stop."""

from django.db import migrations

from wangge.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0005_rate_counters")]

    operations = [append_only("core_auditentry")]
