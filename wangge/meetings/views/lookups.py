"""The records a page names in its URL, for the user asking, or 404: an unknown id and one
outside the user's communities are not told apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from wangge.core.models import User
from wangge.meetings.exceptions import NotFound

T = TypeVar("T")


def actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def or_404(getter: Callable[[Any, Any], T], request: HttpRequest, pk: Any) -> T:
    try:
        return getter(request.user, pk)
    except NotFound:
        raise Http404(str(pk)) from None


def serve_attachment(attachment: Any) -> Any:
    """A stored upload, as a download (PDF) or inline (a re-encoded photo)."""
    from django.http import FileResponse

    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
