"""The project's URLs plus `bare/`: the cheapest useful Django write, one row per request,
through the same middleware and WSGI server as the real endpoints. Intake figures are read
beside it, so a slow machine shows up in both and the ratio stays meaningful."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wangge.core.models import AuditEntry
from wangge.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def bare(request: HttpRequest) -> JsonResponse:
    """Parse the JSON body, insert one row, answer 201 with its id."""
    body = json.loads(request.body or b"{}")
    entry = AuditEntry.objects.create(
        at=timezone.now(),
        action="bench.bare",
        summary=str(body.get("description", ""))[:500],
    )
    return JsonResponse({"id": entry.pk}, status=201)


urlpatterns = [*project_urlpatterns, path("bare/", bare, name="bench-bare")]
