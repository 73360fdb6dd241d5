"""Many rows of one table at once, the fastest way each database offers: ids handed out before
the rows are written (so that rows pointing to them can be written in the same breath), rows
inserted (COPY on PostgreSQL, one prepared statement over all the rows on SQLite), and values of
one column looked up in one query.

This is below the ORM on purpose: a million-row import cannot afford a model instance, a
`get_prep_value` and an INSERT per row. The callers (`writing`) give the values exactly as the
columns store them (an encrypted field's token, not its plain value) and own every rule; this
module only moves rows, inside the import's transaction like any other write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Model


class Table:
    """The named `columns` of `model`'s table, for inserting rows of values in that order."""

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.columns = tuple(columns)
        fields = {field.column: field for field in model._meta.concrete_fields}
        types = [fields[column].db_type(connection) for column in self.columns]
        # The types psycopg sends the values as: the columns' own, without length or precision.
        self._types = [kind.split("(")[0].strip() for kind in types]
        quote = connection.ops.quote_name
        self._table = quote(self.name)
        self._names = ", ".join(quote(column) for column in self.columns)
        self.is_postgresql = connection.vendor == "postgresql"
        self._sequence: str | None = None

    def day(self, value: date | None) -> Any:
        """A date as this database takes it in a row (SQLite: ISO text, as Django stores it)."""
        if value is None or self.is_postgresql:
            return value
        return value.isoformat()

    def moment(self, value: datetime) -> Any:
        """A datetime as this database takes it in a row (SQLite: Django's UTC text)."""
        if self.is_postgresql:
            return value
        return connection.ops.adapt_datetimefield_value(value)

    def new_ids(self, count: int) -> Sequence[int]:
        """`count` ids no other row has or will get, for rows inserted with their id given."""
        if count == 0:
            return ()
        with connection.cursor() as cursor:
            if self.is_postgresql:
                if self._sequence is None:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.name])
                    self._sequence = cursor.fetchone()[0]
                # One round trip for the lot; the ids need not be consecutive.
                cursor.execute(
                    "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                    [self._sequence, count],
                )
                return cursor.fetchone()[0]
            # SQLite: the import's transaction holds the write lock (BEGIN IMMEDIATE), so no one
            # else inserts meanwhile; AUTOINCREMENT never reuses an id, hence sqlite_sequence.
            cursor.execute(
                "SELECT max(coalesce(max(id), 0), coalesce((SELECT seq FROM sqlite_sequence "  # noqa: S608
                f"WHERE name = %s), 0)) FROM {self._table}",
                [self.name],
            )
            first = cursor.fetchone()[0] + 1
        return range(first, first + count)

    def present(self, column: str, values: Iterable[str]) -> set[str]:
        """Which of `values` some row holds in `column` (a column of non-empty strings with a
        partial unique index on them, such as a blind index)."""
        values = list(values)
        if not values:
            return set()
        name = connection.ops.quote_name(column)
        with connection.cursor() as cursor:
            if self.is_postgresql:
                # "<> ''" lets PostgreSQL use the partial index: past a hundred values it does
                # not prove that from the list itself, and scans the whole table instead.
                cursor.execute(
                    f"SELECT {name} FROM {self._table} WHERE {name} = ANY(%s) AND {name} <> ''",  # noqa: S608
                    [values],
                )
            else:
                cursor.execute(
                    f"SELECT {name} FROM {self._table} "  # noqa: S608
                    f"WHERE {name} IN (SELECT value FROM json_each(%s)) AND {name} <> ''",
                    [json.dumps(values)],
                )
            return {value for (value,) in cursor.fetchall()}

    def write(self, raw: Any, rows: Iterable[Sequence[Any]]) -> None:
        """Insert the rows through `raw`, the DB-API connection under Django's (so that another
        thread may do it); a broken constraint raises the driver's IntegrityError and inserts
        nothing."""
        if self.is_postgresql:
            copy_sql = f"COPY {self._table} ({self._names}) FROM STDIN (FORMAT BINARY)"
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                copy.set_types(self._types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["?"] * len(self.columns))
        raw.executemany(
            f"INSERT INTO {self._table} ({self._names}) VALUES ({marks})",  # noqa: S608
            rows,
        )


class BackgroundInserts:
    """The inserts of one chunk, run on a second thread while the main one checks the next
    chunk: the database and Python each keep a core busy instead of taking turns.

    It is the same connection and transaction, so only one thread may use it at a time: every
    other database call of the import waits for the inserts in flight first (`wait`), which
    also raises their error (as Django's, IntegrityError for a broken constraint) in the
    import's own thread, inside its transaction.

    On PostgreSQL the foreign keys of `tables` (deferred to the commit, as Django makes them)
    are checked at the end of each insert instead, for the import's duration: the same checks,
    but beside Python rather than all at once at the commit, where nothing else can go on
    (measured: 6-8 % faster). `close` defers them again.
    """

    def __init__(self, tables: Sequence[type[Model]] = ()) -> None:
        self._tables = [model._meta.db_table for model in tables]
        self._checked_now: list[str] = []
        self._queued: list[tuple[Table, Iterable[Sequence[Any]]]] = []
        self._thread: ThreadPoolExecutor | None = None
        self._running: Future[None] | None = None

    def insert(self, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """Queue rows for `table` (see `Table.write`); written in order at the next `start`.
        `rows` may be a generator: it is then run on the writing thread, so it must not use
        the database."""
        self._queued.append((table, rows))

    def start(self) -> None:
        """Write what is queued, on the second thread."""
        self.wait()
        queued, self._queued = self._queued, []
        if not queued:
            return
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-import")
            self._check_keys_now()
        self._running = self._thread.submit(self._write, connection.connection, queued)

    def wait(self) -> None:
        """Until the inserts in flight are written; their error, if any, is raised here."""
        running, self._running = self._running, None
        if running is not None:
            with connection.wrap_database_errors:
                running.result()

    def close(self, *, failed: bool = False) -> None:
        """Wait for the inserts in flight (raising their error unless the import `failed`
        already, which then goes on), and end the thread."""
        try:
            self.wait()
            if self._checked_now and not failed:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET CONSTRAINTS {', '.join(self._checked_now)} DEFERRED")
        except Exception:
            if not failed:
                raise
        finally:
            if self._thread is not None:
                self._thread.shutdown()

    def _check_keys_now(self) -> None:
        if connection.vendor != "postgresql" or not self._tables:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT format('%%I.%%I', namespace.nspname, key.conname) FROM pg_constraint key "
                "JOIN pg_namespace namespace ON namespace.oid = key.connamespace "
                "WHERE key.contype = 'f' AND key.condeferrable AND key.condeferred "
                "AND key.conrelid = ANY(%s::regclass[])",
                [self._tables],
            )
            self._checked_now = [name for (name,) in cursor.fetchall()]
            if self._checked_now:
                cursor.execute(f"SET CONSTRAINTS {', '.join(self._checked_now)} IMMEDIATE")

    @staticmethod
    def _write(raw: Any, queued: list[tuple[Table, Iterable[Sequence[Any]]]]) -> None:
        for table, rows in queued:
            table.write(raw, rows)
