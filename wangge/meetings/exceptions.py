"""Refusals of the meetings services; pages and the API map them once.

`str()` is a message for a person, translated when shown; `field` names the field at fault so a
form can put the message beside it and the API can name it in a 422.
"""

from __future__ import annotations

from django.utils.translation import gettext

from wangge.core.refusals import Refusal


class MeetingsError(Refusal):
    """Every refusal of this app."""


class NotAllowed(MeetingsError):
    def default_message(self) -> str:
        return gettext("You are not allowed to do this.")


class NotFound(MeetingsError):
    """No such record, or none the user may see: the two are not told apart."""

    def default_message(self) -> str:
        return gettext("No such record.")


class Invalid(MeetingsError):
    """A value that cannot be stored; `field` names it."""


class Conflict(MeetingsError):
    """The record is not in a state that allows this (a closed vote, a held meeting …)."""
