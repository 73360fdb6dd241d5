"""503 Service Unavailable, with Retry-After, when the database cannot be reached.

While PostgreSQL restarts (or SQLite stays locked past its timeout), every request that touches
the database raises OperationalError or InterfaceError. Unhandled, that is a 500 with a stack
trace in the log for each request, and load balancers and clients read it as a bug in the app.
It is a passing condition instead: this middleware answers 503 and asks the client to come back,
and the next request opens a fresh connection by itself (settings: `CONN_HEALTH_CHECKS`).

Only exceptions raised by views (and API operations, which django-ninja re-raises when DEBUG is
off) reach `process_exception`; other database errors (IntegrityError, DataError …) stay bugs.
The page is written here, not rendered from a template: base.html's context reads the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
_JSON_PATH_PREFIXES = ("/api/",)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for the API and clients asking for JSON, a small page otherwise."""
    message = _("The service is briefly unavailable. Please try again in a moment.")
    if request.path.startswith(_JSON_PATH_PREFIXES) or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        page = format_html(
            '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>503</title></head><body><p>{}</p></body></html>",
            get_language() or "zh-hans",
            message,
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost or refused database connection into `unavailable_response`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE_ERRORS):
            return None
        # One line, no traceback: during an outage every request lands here.
        logger.warning("database unavailable (%s): %s", request.path, exception)
        return unavailable_response(request)
