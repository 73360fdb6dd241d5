"""Refusals raised by the org services; each adapter maps them once (page, API, CLI)."""

from __future__ import annotations

from dataclasses import dataclass


class OrgError(Exception):
    """Base of every refusal in this app; `str()` is a message a person can read."""


class NotAllowed(OrgError):
    pass


class NotFound(OrgError):
    pass


class InvalidUnit(OrgError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class FeatureError:
    """One problem with one feature of an uploaded GeoJSON file."""

    index: int | None  # 1-based position of the feature in the file; None for the whole file
    code: str
    message: str

    def __str__(self) -> str:
        from django.utils.translation import gettext as _

        if self.index is None:
            return self.message
        if self.code:
            return _("Feature %(index)s (code %(code)s): %(message)s") % {
                "index": self.index,
                "code": self.code,
                "message": self.message,
            }
        return _("Feature %(index)s: %(message)s") % {"index": self.index, "message": self.message}


class GeoJSONInvalid(OrgError):
    """The file was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: list[FeatureError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors[:5]))
