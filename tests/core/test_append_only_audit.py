"""The three logs — the audit log, a case's events, the reveals of personal data — are
append-only in the database: a row written through the services can be neither changed nor
removed, whether through the ORM or through raw SQL on the application's connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction

from conftest import Cast
from tests.cases.loop_helpers import file_case
from tests.people.helpers import person_in
from wangge.core import audit
from wangge.people.services import reveal

REWRITTEN = "rewritten"


@dataclass
class Logged:
    row: models.Model
    field: str  # a text field an attempt rewrites

    @property
    def model(self) -> type[models.Model]:
        return type(self.row)

    @property
    def table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def stored(self) -> dict[str, Any]:
        return self.model.objects.filter(pk=self.row.pk).values().get()


def an_audit_entry(cast: Cast) -> Logged:
    return Logged(audit.record(cast.administrator, "core.test", summary="an entry"), "summary")


def a_case_event(cast: Cast) -> Logged:
    case = file_case(cast.grid_worker_a)
    return Logged(case.events.get(), "note")


def a_reveal(cast: Cast) -> Logged:
    person = person_in(cast.tree.grid_a)
    reveal(cast.grid_worker_a, person, "phone", "联系家属")
    return Logged(person.reveals.get(), "reason")


LOGS = {"audit entry": an_audit_entry, "case event": a_case_event, "reveal": a_reveal}


def save_a_changed_copy(logged: Logged) -> None:
    setattr(logged.row, logged.field, REWRITTEN)
    logged.row.save()


def update_the_queryset(logged: Logged) -> None:
    logged.model.objects.filter(pk=logged.row.pk).update(**{logged.field: REWRITTEN})


def delete_the_instance(logged: Logged) -> None:
    logged.row.delete()


def delete_the_queryset(logged: Logged) -> None:
    logged.model.objects.filter(pk=logged.row.pk).delete()


def update_in_sql(logged: Logged) -> None:
    column = connection.ops.quote_name(logged.field)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {logged.table} SET {column} = %s WHERE id = %s",  # noqa: S608
            [REWRITTEN, logged.row.pk],
        )


def delete_in_sql(logged: Logged) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {logged.table} WHERE id = %s", [logged.row.pk])  # noqa: S608


def empty_the_table_in_sql(logged: Logged) -> None:
    """TRUNCATE … CASCADE on PostgreSQL (the tables referring to the log go too); SQLite has no
    TRUNCATE, and a DELETE without WHERE stands for it."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"DELETE FROM {logged.table}")  # noqa: S608
            return
        # Foreign-key checks still pending from this test's inserts would refuse the TRUNCATE
        # before any trigger ran.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {logged.table} CASCADE")


ATTEMPTS = [
    save_a_changed_copy,
    update_the_queryset,
    delete_the_instance,
    delete_the_queryset,
    update_in_sql,
    delete_in_sql,
    empty_the_table_in_sql,
]


@pytest.fixture(params=LOGS.values(), ids=LOGS.keys())
def logged(request: pytest.FixtureRequest, cast: Cast) -> Logged:
    return request.param(cast)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda attempt: attempt.__name__)
def test_a_logged_row_can_be_neither_changed_nor_removed(
    logged: Logged, attempt: Callable[[Logged], None]
) -> None:
    before = logged.stored()

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        attempt(logged)

    assert logged.stored() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_logs_stay_append_only_after_the_test_suite_flushes_the_database() -> None:
    """The flush between committing tests drops the triggers for a moment (root conftest.py)."""
    call_command("flush", interactive=False, verbosity=0)
    entry = Logged(audit.record(None, "core.test", summary="after the flush"), "summary")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        update_the_queryset(entry)

    assert entry.stored()["summary"] == "after the flush"
