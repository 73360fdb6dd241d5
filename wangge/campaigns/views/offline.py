"""The service worker, served under /campaigns/ so that its scope covers the helpers' pages
(a script under /static/ could only control /static/)."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

_SCRIPT = Path(__file__).resolve().parent.parent / "static" / "campaigns" / "sw.js"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_SCRIPT.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/campaigns/"
    return response
