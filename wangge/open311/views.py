"""The GeoReport v2 endpoints: plain Django views over the case services and queries.

Every endpoint answers in XML (also when no extension is given: XML is the spec's required
format) or JSON (`.json`), checks `jurisdiction_id` against OPEN311_JURISDICTION_ID when that
is set, and turns every refusal into the spec's error list in `open311_endpoint`, the one place
where refusals are mapped. POST is authenticated by its api_key, not by a session, so it is
exempt from CSRF.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wangge.cases.exceptions import CaseError, CaseInvalid, MissingRequirement, NotAllowed
from wangge.cases.exceptions import NotFound as CaseNotFound
from wangge.cases.services import report_case
from wangge.core import clock
from wangge.core.apikeys import user_for_api_key
from wangge.core.models import User
from wangge.open311 import queries
from wangge.open311.exceptions import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    Open311Error,
)
from wangge.open311.formats import DEFAULT_FORMAT, Format, render, render_errors
from wangge.open311.mapping import (
    SPECIFICATION,
    definition_of,
    moment,
    open311_field,
    parse_moment,
    request_of,
    service_notice,
    service_of,
    submission_from,
)

# The spec: a search "may not span more than 90 days", and defaults to the last 90.
MAX_SPAN = timedelta(days=90)
IDEMPOTENCY_KEY_MAX = 255

View = Callable[..., HttpResponse]


def _params(request: HttpRequest) -> QueryDict:
    """The query string, and for a POST the form body over it (api_key may be in either)."""
    if request.method != "POST":
        return request.GET
    merged = request.GET.copy()
    for key, values in request.POST.lists():
        merged.setlist(key, values)
    return merged


def _check_jurisdiction(params: QueryDict) -> None:
    expected = settings.OPEN311_JURISDICTION_ID
    given = params.get("jurisdiction_id", "").strip()
    if expected and given and given != expected:
        raise NotFound(
            "jurisdiction_id: "
            + _("This server does not serve the jurisdiction “%(id)s”.") % {"id": given[:64]}
        )


def _refuse_nul(params: QueryDict, path: dict[str, Any]) -> None:
    # PostgreSQL cannot hold a NUL in text, not even in a query's parameters: refuse it before
    # any query sees it.
    for key, values in [*params.lists(), *((name, [str(v)]) for name, v in path.items())]:
        if "\x00" in key or any("\x00" in value for value in values):
            raise BadRequest(
                key.replace("\x00", ""), _("This text holds characters that are not allowed.")
            )


def _refusal(error: Exception) -> tuple[int, str]:
    """The HTTP status and description of a refusal, or raise it again if it is not one."""
    if isinstance(error, Open311Error):
        return error.status, error.description
    if isinstance(error, CaseInvalid | MissingRequirement):
        return 400, f"{open311_field(error.field)}: {error.message}"
    if isinstance(error, CaseNotFound):
        return 404, _("No such service request.")
    if isinstance(error, NotAllowed):
        return 403, error.message
    if isinstance(error, CaseError):
        return 400, error.message
    if isinstance(error, SuspiciousOperation | MultiPartParserError):
        return 400, _("The request could not be read.")
    raise error


def open311_endpoint(*methods: str) -> Callable[[View], View]:
    """Wrap a view(request, params, fmt, ...) as an endpoint answering `methods`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def endpoint(
            request: HttpRequest, *args: Any, fmt: Format | None = None, **kwargs: Any
        ) -> HttpResponse:
            chosen: Format = fmt or DEFAULT_FORMAT
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(_("Use %(methods)s.") % {"methods": ", ".join(methods)})
                params = _params(request)
                _refuse_nul(params, kwargs)
                _check_jurisdiction(params)
                return view(request, params, chosen, *args, **kwargs)
            except (Open311Error, CaseError, SuspiciousOperation, MultiPartParserError) as error:
                status, description = _refusal(error)
            response = render_errors(chosen, status, [description])
            if status == 405:
                response["Allow"] = ", ".join(methods)
            return response

        return csrf_exempt(endpoint)

    return decorate


def _key_user(params: QueryDict, *, required: bool) -> User | None:
    raw = params.get("api_key", "").strip()
    if not raw:
        if required:
            raise Forbidden("api_key: " + _("A valid API key is required to create a request."))
        return None
    user = user_for_api_key(raw)
    if user is None:
        raise Forbidden("api_key: " + _("This API key is not valid."))
    return user


def _listed(params: QueryDict, name: str) -> list[str]:
    """A parameter that may be comma separated, repeated, or both."""
    return [
        part.strip() for value in params.getlist(name) for part in value.split(",") if part.strip()
    ]


def _flag(params: QueryDict, name: str) -> bool:
    return params.get(name, "").strip().lower() in ("true", "1")


# --- the endpoints ------------------------------------------------------------------------------

GET = ("GET", "HEAD")


@open311_endpoint(*GET)
def discovery(request: HttpRequest, params: QueryDict, fmt: Format) -> HttpResponse:
    changeset = moment(queries.services_changed_at())
    url = request.build_absolute_uri(reverse("open311:discovery")).removesuffix("discovery")
    document = {
        "changeset": changeset,
        "contact": _("The administrators of this platform."),
        "key_service": _(
            "API keys are issued by the administrators of this platform (wangge apikey create)."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", document)


@open311_endpoint(*GET)
def services(request: HttpRequest, params: QueryDict, fmt: Format) -> HttpResponse:
    return render(fmt, "services", [service_of(category) for category in queries.services()])


@open311_endpoint(*GET)
def service_definition(
    request: HttpRequest, params: QueryDict, fmt: Format, code: str
) -> HttpResponse:
    category = queries.service(code)
    if category is None:
        raise NotFound("service_code: " + _("Unknown service “%(code)s”.") % {"code": code[:32]})
    return render(fmt, "service_definition", definition_of(category))


@open311_endpoint(*GET, "POST")
def service_requests(request: HttpRequest, params: QueryDict, fmt: Format) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, params, fmt)
    user = _key_user(params, required=False)
    filters = _filters(params)
    timeline = _flag(params, "extensions")
    cases = queries.service_requests(user, filters, timeline=timeline)
    document = [
        request_of(
            case,
            reason=case.status_reason or "",
            events=case.timeline if timeline else None,
            with_notes=user is not None,
        )
        for case in cases
    ]
    return render(fmt, "service_requests", document)


def _filters(params: QueryDict) -> queries.RequestFilters:
    numbers = _listed(params, "service_request_id")
    if len(numbers) > queries.MAX_REQUESTS:
        raise BadRequest(
            "service_request_id",
            _("At most %(count)d ids may be asked for at once.") % {"count": queries.MAX_REQUESTS},
        )
    statuses = _listed(params, "status")
    if any(status not in ("open", "closed") for status in statuses):
        raise BadRequest("status", _("Use open, closed, or both separated by a comma."))
    start_text, end_text = params.get("start_date", ""), params.get("end_date", "")
    start = parse_moment(start_text, "start_date") if start_text.strip() else None
    end = parse_moment(end_text, "end_date") if end_text.strip() else None
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if start > end:
        raise BadRequest("start_date", _("The start_date must not be after the end_date."))
    if end - start > MAX_SPAN:
        raise BadRequest(
            "end_date",
            _("The dates may span at most %(days)d days.") % {"days": MAX_SPAN.days},
        )
    return queries.RequestFilters(
        numbers=numbers,
        service_codes=_listed(params, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
    )


def _create_request(request: HttpRequest, params: QueryDict, fmt: Format) -> HttpResponse:
    user = _key_user(params, required=True)
    assert user is not None
    submission = submission_from(params)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise BadRequest(
            "Idempotency-Key",
            _("At most %(count)d characters are allowed.") % {"count": IDEMPOTENCY_KEY_MAX},
        )
    intake = report_case(user, submission.report, idempotency=(str(user.pk), key) if key else None)
    case = intake.case
    document = [
        {
            "service_request_id": case.number,
            # Requests are filed at once, so the token is the request's id itself.
            "token": case.number,
            "service_notice": service_notice(case.category),
            "account_id": submission.account_id,
        }
    ]
    return render(fmt, "service_requests", document, status=201 if intake.created else 200)


@open311_endpoint(*GET)
def service_request(
    request: HttpRequest, params: QueryDict, fmt: Format, number: str
) -> HttpResponse:
    user = _key_user(params, required=False)
    timeline = _flag(params, "extensions")
    case = queries.service_request(user, number, timeline=timeline)
    document = request_of(
        case,
        reason=case.status_reason or "",
        events=case.timeline if timeline else None,
        with_notes=user is not None,
    )
    return render(fmt, "service_requests", [document])


@open311_endpoint(*GET)
def token(request: HttpRequest, params: QueryDict, fmt: Format, token: str) -> HttpResponse:
    user = _key_user(params, required=False)
    case = queries.service_request(user, token)
    return render(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])


@open311_endpoint(*GET, "POST")
def unknown(request: HttpRequest, params: QueryDict, fmt: Format, path: str = "") -> HttpResponse:
    raise NotFound(_("There is no such Open311 resource."))
