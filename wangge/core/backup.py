"""Backups of a whole installation into one archive, and restores from it.

An archive is a gzip-compressed tar holding the database (SQLite: a copy made with SQLite's
online backup API, consistent while the server writes; PostgreSQL: `pg_dump --format=custom`),
every file under MEDIA_ROOT (case photos, registry imports) and `manifest.json`: the vendor, the
applied migrations, the row count of every table, the size and SHA-256 of every member. A restore
unpacks and checks everything into a staging directory before it touches the database, so a
damaged archive changes nothing. Tables are found by introspection, never by importing an app.

The data keys are not in the archive (an archive holding them would undo the encryption at rest);
the manifest keeps fingerprints of them so a restore can warn when the keys configured differ.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core import clock

FORMAT = "wangge-backup/1"
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, in the user's language."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    tables: dict[str, int]
    files: int
    file_bytes: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class RestoreSummary:
    expected: dict[str, int]
    counted: dict[str, int | None]  # None: the table is missing after the restore
    files: int
    file_bytes: int
    pending_migrations: list[str] = field(default_factory=list)
    keys_differ: bool = False

    @property
    def mismatched(self) -> list[str]:
        return [name for name, rows in self.expected.items() if self.counted.get(name) != rows]


@dataclass(frozen=True)
class _DatabaseState:
    tables: dict[str, int]
    migrations: dict[str, list[str]]


def default_backup_path(directory: Path | None = None) -> Path:
    """`wangge-YYYYMMDD-HHMMSS.tar.gz` (local time) in `directory`, by default var/backups/."""
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M%S")
    return (directory or Path(settings.VAR_DIR) / "backups") / f"wangge-{stamp}.tar.gz"


# --- backup -------------------------------------------------------------------------------------


def make_backup(destination: Path, progress: Progress) -> BackupSummary:
    """Write the archive to `destination` (a new file, readable by its owner only). It appears
    complete or not at all: it is written beside under a temporary name, then renamed."""
    vendor = _vendor()
    if destination.exists():
        raise BackupError(_("%(path)s already exists.") % {"path": destination})
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        # The database copy is made beside the archive: /tmp may be a small memory disk.
        with tempfile.TemporaryDirectory(prefix=".wangge-backup-", dir=destination.parent) as work:
            database_member = DATABASE_MEMBERS[vendor]
            progress(_("Copying the database…"))
            copy = Path(work) / database_member
            state = _copy_sqlite(copy) if vendor == "sqlite" else _dump_postgresql(copy)
            progress(_("Adding the uploaded files…"))
            partial.unlink(missing_ok=True)
            partial.touch(mode=0o600)  # personal data: readable by the owner only
            with (
                partial.open("wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar,
            ):
                members = {database_member: _add_file(tar, database_member, copy)}
                files = file_bytes = 0
                for path, name in _media_files():
                    added = _add_file(tar, name, path)
                    if added is not None:  # None: deleted while the backup ran
                        members[name] = added
                        files, file_bytes = files + 1, file_bytes + added["size"]
                manifest = {
                    "format": FORMAT,
                    "created_at": clock.now().isoformat(),
                    "vendor": vendor,
                    "database": database_member,
                    "migrations": state.migrations,
                    "tables": state.tables,
                    "files": {"count": files, "bytes": file_bytes},
                    "keys": _key_fingerprints(),
                    "members": members,
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
            partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(destination, destination.stat().st_size, state.tables, files, file_bytes)


def _copy_sqlite(target: Path) -> _DatabaseState:
    live = Path(connection.settings_dict["NAME"])
    if not live.is_file():
        raise BackupError(_("The database %(path)s does not exist.") % {"path": live})
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 20)
    with (
        closing(sqlite3.connect(live, timeout=timeout)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        # One step: SQLite copies a consistent snapshot (WAL included) while writers go on.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        with closing(copy.cursor()) as cursor:
            return _database_state(cursor)


def _dump_postgresql(target: Path) -> _DatabaseState:
    pg_dump = _program("pg_dump")
    # A separate connection holds a repeatable-read transaction whose snapshot pg_dump shares,
    # so the counts in the manifest are those of the dump even while the server writes.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            state = _database_state(cursor)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ]
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return state


def _database_state(cursor: Any) -> _DatabaseState:
    """Row counts of every table and the applied migrations, read through `cursor`."""
    names = connection.introspection.table_names(cursor)
    tables = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
        tables[name] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return _DatabaseState(tables, migrations)


def _media_files() -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for file_name in sorted(files):
            path = Path(directory, file_name)
            if path.is_file() and not path.is_symlink():
                yield path, f"{MEDIA}/{path.relative_to(root).as_posix()}"


class _Hashing:
    """A file read through, hashing what tarfile copies from it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any] | None:
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        return None
    with stream:
        info = tarfile.TarInfo(name)
        stat = os.fstat(stream.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        hashing = _Hashing(stream)
        tar.addfile(info, hashing)  # type: ignore[arg-type]
    return {"size": info.size, "sha256": hashing.sha256.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


# --- restore ------------------------------------------------------------------------------------


def restore_backup(archive: Path, *, replace: bool, progress: Progress) -> RestoreSummary:
    """Check the whole archive, then replace the database and add the uploaded files.

    Refused, with nothing changed: a damaged archive, one of the other database vendor or with
    migrations this code does not know (made by a newer version), and a database that already
    has tables unless `replace` is given."""
    vendor = _vendor()
    if not archive.is_file():
        raise BackupError(_("%(path)s is not a file.") % {"path": archive})
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".wangge-restore-", dir=media_root.parent) as work:
        staging = Path(work)
        progress(_("Checking the archive…"))
        manifest = _unpack(archive, staging)
        if manifest["vendor"] != vendor:
            raise BackupError(
                _("The archive holds a %(archive)s database, but this installation uses %(ours)s.")
                % {"archive": VENDOR_NAMES[manifest["vendor"]], "ours": VENDOR_NAMES[vendor]}
            )
        unknown = _unknown_migrations(manifest["migrations"])
        if unknown:
            raise BackupError(
                _(
                    "The archive was made by a newer version of Wangge (migrations unknown here: "
                    "%(migrations)s). Install that version first."
                )
                % {"migrations": ", ".join(unknown)}
            )
        present = _current_tables()
        if present and not replace:
            raise BackupError(
                _(
                    "The database already has %(count)d tables. Restoring replaces all of its "
                    "contents; run again with --yes to do so."
                )
                % {"count": len(present)}
            )
        progress(_("Restoring the database…"))
        database = staging / manifest["database"]
        if vendor == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database, leftovers=sorted(set(present) - set(manifest["tables"])))
        progress(_("Restoring the uploaded files…"))
        for name in manifest["members"]:
            if name.startswith(f"{MEDIA}/"):
                target = media_root.joinpath(*PurePosixPath(name).parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(staging / name, target)
    connection.close()
    counted: dict[str, int | None] = dict.fromkeys(manifest["tables"])
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for name in manifest["tables"]:
            if name in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
                counted[name] = cursor.fetchone()[0]
    return RestoreSummary(
        expected=manifest["tables"],
        counted=counted,
        files=manifest["files"]["count"],
        file_bytes=manifest["files"]["bytes"],
        pending_migrations=_pending_migrations(),
        keys_differ=_keys_differ(manifest.get("keys", {})),
    )


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract every member into `staging`, hashing it; the manifest, checked against them."""
    found: dict[str, dict[str, Any]] = {}
    manifest_data = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = member.name
                if name in found or (name == MANIFEST and manifest_data is not None):
                    raise _damaged(_("%(name)s appears twice") % {"name": name})
                if not member.isfile() or not _is_safe_member(name):
                    raise _damaged(_("unexpected member %(name)s") % {"name": name})
                stream = tar.extractfile(member)
                assert stream is not None  # a regular file
                if name == MANIFEST:
                    manifest_data = stream.read()
                    continue
                target = staging.joinpath(*PurePosixPath(name).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as output:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        output.write(chunk)
                found[name] = {"size": member.size, "sha256": digest.hexdigest()}
            # Read on to the gzip trailer, so its CRC also covers what follows the last member.
            while tar.fileobj.read(CHUNK):
                pass
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise _damaged(str(error)) from None
    if manifest_data is None:
        raise _damaged(_("no manifest"))
    try:
        manifest = json.loads(manifest_data)
        valid = (
            manifest["format"] == FORMAT
            and manifest["vendor"] in DATABASE_MEMBERS
            and manifest["database"] == DATABASE_MEMBERS[manifest["vendor"]]
            and isinstance(manifest["tables"], dict)
            and isinstance(manifest["migrations"], dict)
            and isinstance(manifest["members"], dict)
        )
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise _damaged(_("the manifest is not one of a Wangge backup"))
    for name in sorted(set(manifest["members"]) | set(found)):
        if manifest["members"].get(name) != found.get(name):
            raise _damaged(_("%(name)s does not match its checksum") % {"name": name})
    if manifest["database"] not in found:
        raise _damaged(_("no database"))
    return manifest


def _damaged(reason: str) -> BackupError:
    return BackupError(
        _("The archive is damaged or not a Wangge backup (%(reason)s); nothing was changed.")
        % {"reason": reason}
    )


def _is_safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in {"", ".", ".."} for part in path.parts):
        return False
    if path.parts[0] == MEDIA:
        return len(path.parts) > 1
    return name == MANIFEST or name in DATABASE_MEMBERS.values()


def _unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)  # squashed migrations stand for the ones they replace
    return [
        f"{app}.{name}"
        for app, names in sorted(applied.items())
        for name in names
        if (app, name) not in known
    ]


def _current_tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _restore_sqlite(database: Path) -> None:
    live = Path(connection.settings_dict["NAME"])
    live.parent.mkdir(parents=True, exist_ok=True)
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 20)
    connection.close()
    # The backup API in reverse: the live file is rewritten page by page under SQLite's own
    # locking (WAL included), never swapped under a server that has it open.
    with (
        closing(sqlite3.connect(database)) as source,
        closing(sqlite3.connect(live, timeout=timeout)) as target,
    ):
        source.backup(target)


def _restore_postgresql(database: Path, leftovers: list[str]) -> None:
    pg_restore = _program("pg_restore")
    # Tables the archive does not have (made by newer migrations) would keep `migrate` from
    # recreating them, and their foreign keys would stop pg_restore dropping the others.
    if leftovers:
        with connection.cursor() as cursor:
            for name in leftovers:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)} CASCADE")
    connection.close()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",  # replaced entirely or not at all
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(database),
        ]
    )


def _pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# --- shared -------------------------------------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(program)s was not found. Install the PostgreSQL client programs "
                "(Debian: apt-get install postgresql-client) of the server's version or newer."
            )
            % {"program": name}
        )
    return path


def _run(command: list[str]) -> None:
    """Run a PostgreSQL client program; the password goes in the environment, never in argv."""
    database = connection.settings_dict
    options = database.get("OPTIONS", {})
    given = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    environment = {**os.environ, **{key: str(value) for key, value in given.items() if value}}
    # The program is found by shutil.which and every argument is ours: no shell, no user input.
    done = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": done.stderr.strip()[-2000:]}
        )


def _fingerprint(key: str) -> str:
    return hashlib.sha256(f"wangge backup key check\0{key}".encode()).hexdigest()[:16]


def _key_fingerprints() -> dict[str, Any]:
    return {
        "data": [_fingerprint(key) for key in settings.DATA_KEYS],
        "index": _fingerprint(settings.INDEX_KEY),
    }


def _keys_differ(archived: dict[str, Any]) -> bool:
    """Whether personal data in the archive may be under keys this installation lacks."""
    if not archived:
        return False
    ours = _key_fingerprints()
    return archived.get("index") != ours["index"] or not set(archived.get("data", [])) <= set(
        ours["data"]
    )
