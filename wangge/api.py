"""The django-ninja API under /api/v1/, assembled from each app's router.

Every operation accepts a logged-in session (with Django's CSRF check on unsafe methods) or an
API key in the `X-API-Key` header (another system acting as one account, so every scope rule of
a person applies to it too). Refusals raised by services are mapped to HTTP answers here, once
for every app.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError
from ninja.params.models import BodyModel
from ninja.security import APIKeyHeader, django_auth

from wangge.analytics.api import router as analytics_router
from wangge.campaigns.api import router as campaigns_router
from wangge.cases import exceptions as case_errors
from wangge.cases.api import router as cases_router
from wangge.claims.api import router as claims_router
from wangge.core.api_schemas import Detail, FieldErrors
from wangge.core.apikeys import user_for_api_key
from wangge.core.models import User
from wangge.evaluation.api import router as evaluation_router
from wangge.info_reports.api import router as info_reports_router
from wangge.meetings.api import router as meetings_router
from wangge.notifications.api import router as notifications_router
from wangge.org.api import router as org_router
from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit, NotAllowed, NotFound
from wangge.people.api import router as people_router


class ApiKeyAuth(APIKeyHeader):
    """`X-API-Key: wg_…`. A request without the header is left to the session; one with a key
    that is wrong or revoked is refused outright (401), never treated as anonymous."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if key is None:
            return None
        user = user_for_api_key(key)
        if user is None:
            raise AuthenticationError(401, "Invalid API key")
        request.user = user
        return user


# The key is tried first: a system sends no cookie, and the session's CSRF check would refuse it.
api = NinjaAPI(
    title="Wangge API",
    version="1",
    description="网格化服务管理平台接口 · Grid governance platform API",
    urls_namespace="api",
    auth=[ApiKeyAuth(), django_auth],
)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _document_layer_answers(routers: list[Router]) -> None:
    """Document on every operation the answers this layer gives before the operation runs, so
    that every status a client can get is in the schema: 401 without a valid key or session,
    403 when a session's unsafe request fails the CSRF check (also sent to an anonymous POST,
    which has no CSRF cookie), 400 for a body that is not JSON, 422 for parameters or a body
    not matching the schema. An operation's own answer for a status is kept."""
    pending = list(routers)
    while pending:
        router = pending.pop()
        pending += [child for _prefix, child, *_rest in router._routers]  # nested routers
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                answers: dict[int, type] = {401: Detail}
                if set(operation.methods) - _SAFE_METHODS:
                    answers[403] = Detail
                if operation.models:
                    answers[422] = FieldErrors
                if any(issubclass(model, BodyModel) for model in operation.models):
                    answers[400] = Detail
                for status, schema in answers.items():
                    if status not in operation.response_models:
                        operation.response_models[status] = operation._create_response_model(schema)


_routers = [
    org_router,
    cases_router,
    notifications_router,
    people_router,
    claims_router,
    campaigns_router,
    meetings_router,
    info_reports_router,
    analytics_router,
    evaluation_router,
]
_document_layer_answers(_routers)
for _router in _routers:
    api.add_router("/", _router)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, error: NotAllowed) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=403)


def _field_errors(where: str, field: str, message: str) -> dict[str, Any]:
    return {"detail": [{"loc": [where, field], "msg": message}]}


@api.exception_handler(InvalidUnit)
def _invalid_unit(request: HttpRequest, error: InvalidUnit) -> HttpResponse:
    return api.create_response(
        request, _field_errors("body", error.field, error.message), status=422
    )


@api.exception_handler(GeoJSONInvalid)
def _geojson_invalid(request: HttpRequest, error: GeoJSONInvalid) -> HttpResponse:
    errors = [
        {"feature": e.index, "code": e.code, "msg": e.message, "text": str(e)} for e in error.errors
    ]
    return api.create_response(request, {"detail": errors}, status=422)


# --- cases ------------------------------------------------------------------------------------


_CASE_FIELD_ERRORS = (
    case_errors.CaseInvalid,
    case_errors.MissingRequirement,
    case_errors.CategoryInvalid,
)
# (refusal, status, code): a client tells the two kinds of 409 apart by the code.
_CASE_REFUSALS: tuple[tuple[type[case_errors.CaseError], int, str], ...] = (
    (case_errors.NotAllowed, 403, ""),
    (case_errors.NotFound, 404, ""),
    (case_errors.InvalidTransition, 409, "invalid_transition"),
    (case_errors.Conflict, 409, "conflict"),
)


def _case_answer(request: HttpRequest, error: case_errors.CaseError) -> HttpResponse:
    if isinstance(error, _CASE_FIELD_ERRORS):
        # A refused filter or cursor of a list is in the query string.
        where = "query" if request.method in ("GET", "HEAD") else "body"
        body = _field_errors(where, error.field, error.message)
        return api.create_response(request, body, status=422)
    for refusal, status, code in _CASE_REFUSALS:
        if isinstance(error, refusal):
            answer = {"detail": error.message, **({"code": code} if code else {})}
            return api.create_response(request, answer, status=status)
    return api.create_response(request, {"detail": error.message}, status=400)


api.add_exception_handler(case_errors.CaseError, _case_answer)
