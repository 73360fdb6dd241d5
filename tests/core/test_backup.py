"""`wangge backup` and `wangge restore`: an archive restored into a fresh database gives back
every row of every table and every uploaded file, byte for byte; a damaged archive, one of the
other database vendor or of a newer version, and a database that is not empty (without --yes)
are refused with nothing changed.

The data is committed (the backup reads it from another connection, or pg_dump), so these
tests are transactional and put the migrations' rows back afterwards (serialized_rollback).
The fresh database is restored by the real `wangge` command in a child process: a temporary
SQLite file, or a throw-away PostgreSQL database beside the test database.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from tests.cases.loop_helpers import RESIDENT, drive_to, file_case, upload
from tests.people.helpers import house_in, person_in
from wangge.cases.workflow import CaseState
from wangge.org.locate import forget_index

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WANGGE = Path(sys.executable).with_name("wangge")


@pytest.fixture(autouse=True)
def _fresh_grid_index() -> Iterator[None]:
    # The flush between committing tests reuses map version numbers.
    forget_index()
    yield
    forget_index()


@pytest.fixture
def world(cast) -> None:
    """Rows in every app (units, roles, cases with their events and photos, people in a house
    with encrypted ID numbers and phones) and the files they uploaded."""
    drive_to(cast, CaseState.CLOSED)
    file_case(RESIDENT, attachments=[upload(None, name="井盖.jpg")])
    house = house_in(cast.tree.grid_a)
    person_in(cast.tree.grid_a, house=house)
    person_in(cast.tree.grid_a, "李建国", phone="13900139000")


@pytest.fixture
def archive(world, tmp_path) -> Path:
    _skip_without_client_programs()
    path = tmp_path / "backup.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def test_a_backup_restored_into_a_fresh_database_gives_back_every_row_and_file(world, tmp_path):
    _skip_without_client_programs()
    path = tmp_path / "backup.tar.gz"
    output = io.StringIO()

    call_command("backup", str(path), stdout=output)
    with fresh_database(tmp_path) as fresh:
        restored = fresh.wangge("restore", str(path))

        assert str(path) in output.getvalue()
        assert restored.stderr == ""  # no warning: same data keys, every count matching
        source = table_rows(_source_cursor)
        assert len(source) > 40 and source["cases_attachment"] and source["people_person"]
        assert fresh.table_rows() == source
    assert media_files(fresh.media_root) == media_files(Path(settings.MEDIA_ROOT))
    assert len(media_files(fresh.media_root)) == 2


def test_the_manifest_describes_the_archive(archive):
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]

    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"] == {
        name: len(rows) for name, rows in table_rows(_source_cursor).items()
    }
    applied = sorted(table_rows(_source_cursor)["django_migrations"])  # (id, app, name, applied)
    assert manifest["migrations"]["cases"] == [
        name for _id, app, name, _at in applied if app == "cases"
    ]
    assert manifest["files"]["count"] == 2
    assert set(manifest["members"]) == {manifest["database"], *_media_members()}


def test_restore_with_yes_replaces_what_changed_since_the_backup(archive, cast):
    before = table_rows(_source_cursor)
    file_case(RESIDENT, description="备份之后的案件")
    output = io.StringIO()

    call_command("restore", str(archive), "--yes", stdout=output)

    assert table_rows(_source_cursor) == before
    assert "every count matching" in output.getvalue()


def test_a_damaged_archive_is_refused_and_nothing_changes(archive):
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    before, files = table_rows(_source_cursor), media_files(Path(settings.MEDIA_ROOT))

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(archive), "--yes", stdout=io.StringIO())

    assert table_rows(_source_cursor) == before
    assert media_files(Path(settings.MEDIA_ROOT)) == files


def test_a_database_that_is_not_empty_is_refused_without_yes(archive):
    before = table_rows(_source_cursor)

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), stdout=io.StringIO())

    assert table_rows(_source_cursor) == before


def test_an_archive_of_the_other_database_vendor_is_refused(archive, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    doctored = rewrite(archive, tmp_path / "other.tar.gz", vendor=other)
    before = table_rows(_source_cursor)

    with pytest.raises(CommandError, match="database, but this installation uses"):
        call_command("restore", str(doctored), "--yes", stdout=io.StringIO())

    assert table_rows(_source_cursor) == before


def test_an_archive_from_a_newer_version_is_refused(archive, tmp_path):
    doctored = rewrite(archive, tmp_path / "newer.tar.gz", future_migration="0999_from_the_future")

    with pytest.raises(CommandError, match=r"newer version .*cases\.0999_from_the_future"):
        call_command("restore", str(doctored), "--yes", stdout=io.StringIO())


def test_an_archive_from_an_older_version_is_restored_and_asks_for_migrate(world, tmp_path):
    _skip_without_client_programs()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, app, name, applied FROM django_migrations ORDER BY id DESC")
        latest = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE id = %s", [latest[0]])
    try:
        call_command("backup", str(tmp_path / "older.tar.gz"), stdout=io.StringIO())
        output = io.StringIO()
        call_command("restore", str(tmp_path / "older.tar.gz"), "--yes", stdout=output)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)",
                latest,
            )

    assert "run `wangge migrate`" in output.getvalue()


def test_a_missing_pg_dump_is_named(world, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite backups need no client program")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError, match="pg_dump was not found"):
        call_command("backup", str(tmp_path / "backup.tar.gz"), stdout=io.StringIO())

    assert not (tmp_path / "backup.tar.gz").exists()


# --- the fresh database and what it holds -------------------------------------------------------


class FreshSite:
    """An empty database and var/ directory, used through the `wangge` command."""

    def __init__(self, var_dir: Path, database_url: str, connect: Callable[[], Any]) -> None:
        self.var_dir, self.database_url, self.connect = var_dir, database_url, connect
        self.media_root = var_dir / "media"

    def wangge(self, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wangge.settings",
            "WANGGE_VAR_DIR": str(self.var_dir),
            "WANGGE_DATABASE_URL": self.database_url,
            "WANGGE_DATA_KEYS": ",".join(settings.DATA_KEYS),
            "WANGGE_INDEX_KEY": settings.INDEX_KEY,
        }
        done = subprocess.run(
            [str(WANGGE), *args], env=environment, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        return done

    def table_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with closing(self.connect()) as database:
            return table_rows(lambda: closing(database.cursor()))


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[FreshSite]:
    var_dir = tmp_path / "fresh"
    if connection.vendor == "sqlite":
        path = var_dir / "wangge.sqlite3"
        yield FreshSite(var_dir, f"sqlite:///{path}", lambda: sqlite3.connect(path))
        return
    name = f"wangge_restore_{os.getpid()}"
    with psycopg.connect(**_postgres_parameters("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            parameters = _postgres_parameters(name)
            yield FreshSite(
                var_dir, _postgres_url(parameters), lambda: psycopg.connect(**parameters)
            )
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _postgres_parameters(name: str) -> dict[str, Any]:
    """The test database's server and account, for database `name`."""
    given = connection.settings_dict
    return {
        "dbname": name,
        "host": given["HOST"] or "127.0.0.1",
        "port": given["PORT"] or 5432,
        "user": given["USER"] or "postgres",
        "password": given["PASSWORD"] or None,
    }


def _postgres_url(parameters: dict[str, Any]) -> str:
    password = f":{parameters['password']}" if parameters["password"] else ""
    return (
        f"postgres://{parameters['user']}{password}@{parameters['host']}:{parameters['port']}"
        f"/{parameters['dbname']}"
    )


@contextmanager
def _source_cursor() -> Iterator[Any]:
    """A cursor of the plain driver on the test database: values as stored, not as Django
    converts them."""
    if connection.vendor == "sqlite":
        database: Any = sqlite3.connect(connection.settings_dict["NAME"])
    else:
        database = psycopg.connect(**_postgres_parameters(connection.settings_dict["NAME"]))
    with closing(database), closing(database.cursor()) as cursor:
        yield cursor


def table_rows(cursor_of: Callable[[], Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as stored (encrypted columns as their tokens), in a fixed
    order."""
    with cursor_of() as cursor:
        rows = {}
        for name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(name)}")  # noqa: S608
            rows[name] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
        return rows


def media_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def _media_members() -> set[str]:
    return {f"media/{name}" for name in media_files(Path(settings.MEDIA_ROOT))}


def rewrite(
    archive: Path, target: Path, *, vendor: str | None = None, future_migration: str = ""
) -> Path:
    """A copy of `archive` with consistent checksums but another vendor or an unknown
    migration: what another installation or a newer version would have written."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]
    manifest = json.loads(members.pop("manifest.json"))
    if vendor:
        database = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[vendor]
        members[database] = members.pop(manifest["database"])
        manifest["members"][database] = manifest["members"].pop(manifest["database"])
        manifest["vendor"], manifest["database"] = vendor, database
    if future_migration:
        manifest["migrations"]["cases"].append(future_migration)
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def _skip_without_client_programs() -> None:
    if connection.vendor == "postgresql" and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump and pg_restore (Debian: postgresql-client) are not installed")
