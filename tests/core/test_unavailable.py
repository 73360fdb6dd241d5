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
