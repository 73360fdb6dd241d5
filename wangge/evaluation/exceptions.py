"""Refusals of the evaluation services; pages and the API map them once.

`str()` is a message for a person; `field` names the field at fault so a form can put the
message beside it and the API can name it in a 422 (`Locked` and `Conflict` are 409s)."""

from __future__ import annotations

from django.utils.translation import gettext

from wangge.core.refusals import Refusal


class EvaluationError(Refusal):
    """Every refusal of this app."""


class NotAllowed(EvaluationError):
    def default_message(self) -> str:
        return gettext("You are not allowed to do this.")


class NotFound(EvaluationError):
    """No such record, or none the user may see: the two are not told apart."""

    def default_message(self) -> str:
        return gettext("No such record.")


class Invalid(EvaluationError):
    """A value that cannot be stored; `field` names it."""


class Locked(EvaluationError):
    """The round is published: nothing in it changes any more."""

    def default_message(self) -> str:
        return gettext("This round is published: its results are locked and cannot change.")


class Conflict(EvaluationError):
    """Something already exists that this would duplicate (an open appeal, a round)."""
