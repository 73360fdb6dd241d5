"""Refusals of the registry's services; pages, the API, the CLI and imports map them once.

`str()` is a message for a person, translated when shown; `field` names the field at fault so a
form or an import row can put the message beside it.
"""

from __future__ import annotations

from django.utils.translation import gettext

from wangge.core.refusals import Refusal


class PeopleError(Refusal):
    def default_message(self) -> str:
        return gettext("This cannot be done in the registry.")


class NotAllowed(PeopleError):
    def default_message(self) -> str:
        return gettext("You are not allowed to do this.")


class NotFound(PeopleError):
    """No such record, or none the user may see: the two are not told apart."""

    def default_message(self) -> str:
        return gettext("No such record.")


class Invalid(PeopleError):
    """A value that cannot be stored; `field` names it."""


class AlreadyRegistered(Invalid):
    """Another person already holds this document (one record per person)."""

    def __init__(self, person_id: int, message: str | None = None) -> None:
        super().__init__(message, field="document_number")
        self.person_id = person_id

    def default_message(self) -> str:
        return gettext("A person with this document number is already registered.")
