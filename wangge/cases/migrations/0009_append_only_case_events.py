"""A case's event log is append-only in the database itself.

Triggers refuse every UPDATE and DELETE of a row of `cases_caseevent` (on PostgreSQL also a
TRUNCATE of the table), so neither the ORM nor raw SQL on the application's connection can rewrite
a case's history. Events are only ever appended (0008, which cleared stored actor labels, runs
before this); a refusal is an IntegrityError on both databases (SQLite: RAISE(ABORT); PostgreSQL:
SQLSTATE 23001, restrict_violation).

What the triggers do not stop is DDL: whoever owns the table can drop them, as this migration's
reverse does. On PostgreSQL, run the application as a role that neither owns the tables nor holds
TRUNCATE on them, and migrate as the owner, to close that too. SQLite rebuilds a table to alter it
(a new table, the rows copied, the old one dropped), which loses its triggers: a later migration
that alters this table must create them again, and tests/core/test_append_only_audit.py fails on
SQLite until it does.

The test suite empties its database between committing tests (DELETE on SQLite, TRUNCATE on
PostgreSQL); the root conftest.py drops and restores the triggers around that flush, in the same
transaction. That is the test harness, not a switch the application has.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "cases_caseevent"
FUNCTION = f"{TABLE}_refuse_change"  # PostgreSQL

CREATE = {
    "sqlite": [
        f"CREATE TRIGGER {TABLE}_refuse_{verb.lower()} BEFORE {verb} ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {verb} refused'); END"
        for verb in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION USING ERRCODE = 'restrict_violation', "
        "MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused'; END $$",
        f"CREATE TRIGGER {TABLE}_refuse_change BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
        f"CREATE TRIGGER {TABLE}_refuse_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    ],
}
DROP = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {TABLE}_refuse_{verb}" for verb in ("update", "delete")],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TABLE}_refuse_{kind} ON {TABLE}"
        for kind in ("change", "truncate")
    ]
    + [f"DROP FUNCTION IF EXISTS {FUNCTION}()"],
}


def _run(statements: dict[str, list[str]], schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"Wangge keeps {TABLE} append-only on SQLite and PostgreSQL only")
    for sql in statements[vendor]:
        schema_editor.execute(sql, params=None)


def refuse_changes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(CREATE, schema_editor)


def allow_changes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(DROP, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_actor_labels_read_in_language")]

    operations = [migrations.RunPython(refuse_changes, allow_changes)]
