"""One way for every app's API router to answer its services' refusals, so that the statuses
and the 422's shape cannot drift apart between apps: each router adds
`answer_refusals(AppError, {NotFound: 404, NotAllowed: 403, Conflict: 409})` as a decorator.
Only the app's own refusals are caught; another app's propagate untouched."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError, ValidationError

from wangge.core.refusals import Refusal

View = Callable[..., Any]


def answer_refusals(
    base: type[Refusal],
    statuses: Mapping[type[Refusal], int],
    body_fields: Mapping[str, str] | None = None,
) -> Callable[[View], View]:
    """A decorator answering a `base` refusal with the status of the first of `statuses` it is
    an instance of (most specific first), its message as the detail; any other `base` refusal
    is a 422 naming the field at fault (renamed by `body_fields` where the API calls it
    otherwise) in the body, or in the query for GET and HEAD, as pydantic's own refusals do."""
    renamed: Mapping[str, str] = body_fields or {}

    def decorate(view: View) -> View:
        @wraps(view)
        def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                return view(request, *args, **kwargs)
            except base as error:
                for kind, status in statuses.items():
                    if isinstance(error, kind):
                        raise HttpError(status, error.message) from None
                where = "query" if request.method in ("GET", "HEAD") else "body"
                field = renamed.get(error.field, error.field) or "__all__"
                raise ValidationError([{"loc": [where, field], "msg": error.message}]) from None

        return answer

    return decorate
