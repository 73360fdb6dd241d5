"""Refusals of the information-report services; pages and the API map them once.

`str()` is a message for a person; `field` names the field at fault so a form can put the
message beside it and the API can name it in a 422.
"""

from __future__ import annotations

from django.utils.translation import gettext

from wangge.core.refusals import Refusal


class InfoReportError(Refusal):
    """Every refusal of this app."""


class NotAllowed(InfoReportError):
    def default_message(self) -> str:
        return gettext("You are not allowed to do this.")


class NotFound(InfoReportError):
    """No such report, or none the user may see: the two are not told apart."""

    def default_message(self) -> str:
        return gettext("No such record.")


class Invalid(InfoReportError):
    """A value that cannot be stored; `field` names it."""


class Conflict(InfoReportError):
    """The report is not in a state that allows this (closed, signed for already …)."""
