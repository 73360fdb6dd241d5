"""The log of reveals of personal data (`people_reveal`) is append-only in the database itself:
who saw whose whole ID or phone number, or opened sensitive tags, cannot be rewritten; nothing
in the application changes or removes a reveal. See `wangge.core.append_only` for what the
triggers do and do not stop."""

from django.db import migrations

from wangge.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("people", "0003_fewer_indexes")]

    operations = [append_only("people_reveal")]
