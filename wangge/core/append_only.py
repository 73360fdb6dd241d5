"""Append-only tables, enforced by the database: the migration operation that adds the triggers.

Triggers refuse every UPDATE and DELETE of a row (on PostgreSQL also a TRUNCATE of the table),
so neither the ORM nor raw SQL on the application's connection can rewrite a log; a refusal is
an IntegrityError on both databases (SQLite: RAISE(ABORT); PostgreSQL: SQLSTATE 23001,
restrict_violation). What triggers do not stop is DDL: whoever owns the table can drop them, as
the operation's reverse does. On PostgreSQL, run the application as a role that neither owns the
tables nor holds TRUNCATE on them, and migrate as the owner. SQLite rebuilds a table to alter it,
which loses its triggers: a later migration that alters such a table must add them again
(tests/core/test_append_only_audit.py fails on SQLite until it does).

The test suite empties its database between committing tests; the root conftest.py drops and
restores the triggers around that flush, in one transaction. That is the test harness, not a
switch the application has.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _statements(table: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    function = f"{table}_refuse_change"  # PostgreSQL
    create = {
        "sqlite": [
            f"CREATE TRIGGER {table}_refuse_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            for verb in ("UPDATE", "DELETE")
        ],
        "postgresql": [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION USING ERRCODE = 'restrict_violation', "
            "MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused'; END $$",
            f"CREATE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ],
    }
    drop = {
        "sqlite": [
            f"DROP TRIGGER IF EXISTS {table}_refuse_{verb}" for verb in ("update", "delete")
        ],
        "postgresql": [
            f"DROP TRIGGER IF EXISTS {table}_refuse_{kind} ON {table}"
            for kind in ("change", "truncate")
        ]
        + [f"DROP FUNCTION IF EXISTS {function}()"],
    }
    return create, drop


def append_only(table: str) -> migrations.RunPython:
    """The operation that makes `table` append-only (and, reversed, ordinary again)."""
    create, drop = _statements(table)

    def run(statements: dict[str, list[str]], schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(f"{table} is kept append-only on SQLite and PostgreSQL only")
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(
        lambda apps, schema_editor: run(create, schema_editor),
        lambda apps, schema_editor: run(drop, schema_editor),
    )
