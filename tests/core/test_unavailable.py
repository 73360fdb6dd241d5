import os
import subprocess
import sys
from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError

from tests.clients import logged_in
from wangge.core.apikeys import create_api_key

MIDDLEWARE = "wangge.core.unavailable.DatabaseUnavailableMiddleware"
EXECUTE = "django.db.backends.utils.CursorWrapper.execute"


@pytest.fixture(autouse=True)
def _middleware_installed(settings):
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def test_an_api_call_answers_503_with_retry_after_when_the_database_is_down(client, cast):
    _key, raw = create_api_key(None, "city app", user=cast.dispatcher)

    with mock.patch(EXECUTE, side_effect=OperationalError("connection refused")):
        response = client.get("/api/v1/cases", HTTP_X_API_KEY=raw)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a moment."
    }


def test_a_page_answers_a_503_page_when_the_connection_is_lost(cast):
    browser = logged_in(cast.dispatcher)

    with mock.patch(EXECUTE, side_effect=InterfaceError("connection already closed")):
        response = browser.get("/cases/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert "Please try again in a moment." in response.content.decode()


def test_other_database_errors_stay_errors(cast):
    browser = logged_in(cast.dispatcher)
    browser.raise_request_exception = True

    with (
        mock.patch(EXECUTE, side_effect=IntegrityError("duplicate key")),
        pytest.raises(IntegrityError),
    ):
        browser.get("/cases/")


def test_requests_are_answered_as_usual_when_the_database_answers(client, cast):
    _key, raw = create_api_key(None, "city app", user=cast.dispatcher)

    response = client.get("/api/v1/cases", HTTP_X_API_KEY=raw)

    assert response.status_code == 200


def test_a_request_stuck_behind_a_lock_is_answered_503_once_the_statement_timeout_passes(
    client, db
):
    """A database that hangs (here: a table locked by another session, as a migration would)
    must not hold the request until gunicorn kills the worker: the web server's statement
    timeout (wsgi.py, WANGGE_DB_STATEMENT_TIMEOUT) cancels the statement, and it is a 503."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; SQLite waits its own busy timeout")
    import psycopg

    params = connection.get_connection_params()
    holder = psycopg.connect(
        **{key: value for key, value in params.items() if key not in ("cursor_factory", "context")}
    )
    try:
        holder.execute("LOCK TABLE cases_category IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 300")

        response = client.get("/public/report/")

        assert response.status_code == 503
        assert response["Retry-After"] == "5"
    finally:
        holder.rollback()
        holder.close()


def test_the_web_server_bounds_statements_and_commands_do_not(tmp_path):
    """In a child process, as gunicorn and `wangge` would start (settings read once)."""
    program = (
        "import os, sys\n"
        "if sys.argv[1] == 'web':\n"
        "    import wangge.wsgi\n"
        "else:\n"
        "    import django; django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.DATABASES['default']['OPTIONS'].get('options', 'none'))\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("WANGGE_DB_STATEMENT_TIMEOUT", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "wangge.settings",
        "WANGGE_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "WANGGE_VAR_DIR": str(tmp_path),
    }

    def options(process: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", program, process],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env=env,
        )
        return done.stdout.strip()

    assert options("web") == "-c statement_timeout=20000"
    assert options("command") == "none"
