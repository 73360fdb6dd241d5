"""Refusals of the Open311 adapter itself (a bad date, a missing api_key), each carrying the
HTTP status the spec's error list reports. The case services' own refusals are mapped to the
same list in one place, `views.open311_endpoint`."""

from __future__ import annotations


class Open311Error(Exception):
    status = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(Open311Error):
    """A parameter was refused; the description starts with the parameter's Open311 name."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Forbidden(Open311Error):
    status = 403


class NotFound(Open311Error):
    status = 404


class MethodNotAllowed(Open311Error):
    status = 405
