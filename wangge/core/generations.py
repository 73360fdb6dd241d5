"""Small, rarely changed tables kept in each process's memory, never served stale.

A `ProcessCache` holds what its loader read, with the `Generation` token of the data at that
moment. Each use reads the token (one primary-key lookup) and reloads only when it differs, so
a change committed by any process is seen by every process at its next use, and the cache
never outlives a rolled-back change (tokens are random, never reused).

Writers call `changed(name)` inside the transaction that changes the data; for models,
`follow(Model, name)` does it on every save and delete. Bulk writes (`QuerySet.update`,
`bulk_create`) send no signals: code that uses them calls `changed` itself, and so does a data
migration that should be seen by processes already running. A name gets its first token at its
first use. A unit of work that uses several caches opens a `snapshot()`: one query then reads
every token, and the caches check against it.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_TABLE = "core_generation"
# The tokens of the snapshot open in this thread (or task), if any.
_snapshot: ContextVar[dict[str, int] | None] = ContextVar("generation_snapshot", default=None)


def changed(name: str) -> None:
    """Give `name` a new token: every process reloads its copy at its next use."""
    new_token = secrets.randbits(62)
    table = connection.ops.quote_name(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, token) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (name) DO UPDATE SET token = excluded.token",
            [name, new_token],
        )
    tokens = _snapshot.get()
    if tokens is not None:
        tokens[name] = new_token


@contextlib.contextmanager
def snapshot() -> Iterator[None]:
    """Read every token once for the block: caches used inside it check against these (a change
    made inside the block counts too). Nested snapshots share the outer one."""
    if _snapshot.get() is not None:
        yield
        return
    table = connection.ops.quote_name(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, token FROM {table}")  # noqa: S608
        tokens = dict(cursor.fetchall())
    reset = _snapshot.set(tokens)
    try:
        yield
    finally:
        _snapshot.reset(reset)


def token(name: str) -> int:
    """The current token of `name` (given one if it has none yet); within a snapshot, the
    snapshot's."""
    tokens = _snapshot.get()
    if tokens is not None and name in tokens:
        return tokens[name]
    found = _read_token(name)
    if tokens is not None:
        tokens[name] = found
    return found


def _read_token(name: str) -> int:
    table = connection.ops.quote_name(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE name = %s", [name])  # noqa: S608
        row = cursor.fetchone()
        if row is None:
            # Two processes may get here at once: the first insert wins, both read it.
            cursor.execute(
                f"INSERT INTO {table} (name, token) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (name) DO NOTHING",
                [name, secrets.randbits(62)],
            )
            cursor.execute(f"SELECT token FROM {table} WHERE name = %s", [name])  # noqa: S608
            row = cursor.fetchone()
    return row[0]


def follow(model: type[Model], name: str) -> None:
    """Change `name`'s token whenever a `model` row is saved or deleted."""

    def on_change(sender: type[Model], **kwargs: Any) -> None:
        changed(name)

    dispatch_uid = f"generation:{name}:{model._meta.label}"
    post_save.connect(on_change, sender=model, weak=False, dispatch_uid=f"{dispatch_uid}:save")
    post_delete.connect(on_change, sender=model, weak=False, dispatch_uid=f"{dispatch_uid}:del")


class ProcessCache(Generic[T]):
    """What `load()` returns, read again only when the token of `name` has changed. The value is
    shared by every thread of the process: treat it as read-only."""

    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.name = name
        self._load = load
        self._held: tuple[int, T] | None = None  # replaced whole, so threads never see half

    def get(self) -> T:
        current = token(self.name)  # read before loading: a change in between reloads next time
        held = self._held
        if held is not None and held[0] == current:
            return held[1]
        value = self._load()
        self._held = (current, value)
        return value
