"""The django-ninja API under /api/v1/, assembled from each app's router.

Refusals raised by services are mapped to HTTP answers here, once for every app.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import django_auth

from wangge.org.api import router as org_router
from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit, NotAllowed, NotFound

api = NinjaAPI(
    title="Wangge API",
    version="1",
    description="网格化服务管理平台接口 · Grid governance platform API",
    urls_namespace="api",
    auth=django_auth,
)
api.add_router("/", org_router)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, error: NotAllowed) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=403)


@api.exception_handler(InvalidUnit)
def _invalid_unit(request: HttpRequest, error: InvalidUnit) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"loc": ["body", error.field], "msg": error.message}]}, status=422
    )


@api.exception_handler(GeoJSONInvalid)
def _geojson_invalid(request: HttpRequest, error: GeoJSONInvalid) -> HttpResponse:
    errors = [
        {"feature": e.index, "code": e.code, "msg": e.message, "text": str(e)} for e in error.errors
    ]
    return api.create_response(request, {"detail": errors}, status=422)
