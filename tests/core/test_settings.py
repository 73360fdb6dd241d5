"""The embedded defaults: SQLite in WAL mode, a generated secret key in var/, DEBUG off."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    program = (
        "import json, wangge.settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'key': s.SECRET_KEY, "
        "'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME'])}))"
    )
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("WANGGE_")
    } | {"WANGGE_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_defaults_are_sqlite_under_var_with_a_kept_secret_key_and_debug_off(tmp_path):
    first = load_settings(tmp_path)
    second = load_settings(tmp_path)
    assert first.returncode == 0, first.stderr
    values = __import__("json").loads(first.stdout)
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "var" / "wangge.sqlite3")
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    assert values["key"] == __import__("json").loads(second.stdout)["key"]


def test_a_bad_database_url_stops_start_up_with_the_variable_named(tmp_path):
    result = load_settings(tmp_path, WANGGE_DATABASE_URL="mysql://nobody@nowhere/x")
    assert result.returncode != 0
    assert "WANGGE_DATABASE_URL" in result.stderr


def test_sqlite_runs_in_wal_mode(db):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; the setting is what makes files use it.
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_passwords_are_hashed_with_argon2():
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
