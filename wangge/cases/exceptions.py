"""Refusals raised by the case workflow and services; each adapter maps them once (page, API, CLI).

`str()` of every error is a message a person can read, translated into the language active when
it is shown (not when it is raised), so an error raised in a worker reads right in a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext

if TYPE_CHECKING:
    from wangge.cases.workflow import CaseAction, CaseState


class CaseError(Exception):
    """Base of every refusal in the case app; `message` (and `str()`) is for a person."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self._message = message

    def default_message(self) -> str:
        return gettext("This cannot be done to the case.")

    @property
    def message(self) -> str:
        return str(self._message) if self._message is not None else self.default_message()

    def __str__(self) -> str:
        return self.message


class NotAllowed(CaseError):
    """The user holds no role (and relation to the case) that the table asks for."""

    def default_message(self) -> str:
        return gettext("You are not allowed to do this to this case.")


class NotFound(CaseError):
    """No such case (or none the user may see: the two are not told apart)."""

    def default_message(self) -> str:
        return gettext("No such case.")


class InvalidTransition(CaseError):
    """The action is not in the table for the case's current state (None: no case yet)."""

    def __init__(self, action: str, state: str | None) -> None:
        super().__init__()
        self.action = action
        self.state = state

    def default_message(self) -> str:
        from wangge.cases.workflow import CaseAction, CaseState

        action = _label(CaseAction, self.action)
        if self.state is None:
            return gettext("The action “%(action)s” needs an existing case.") % {"action": action}
        return gettext("The action “%(action)s” is not possible on a case that is “%(state)s”.") % {
            "action": action,
            "state": _label(CaseState, self.state),
        }


class Conflict(CaseError):
    """Someone else acted on the same case at the same time, and won."""

    def default_message(self) -> str:
        return gettext(
            "Someone else changed this case at the same moment. Reload it and try again."
        )


class MissingRequirement(CaseError):
    """The action needs something the request did not give (`field` names it for forms/API)."""

    def __init__(self, field: str, message: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def default_message(self) -> str:
        return gettext("This action needs “%(field)s”.") % {"field": self.field}


def _label(choices: type[CaseAction] | type[CaseState], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class CategoryInvalid(CaseError):
    """A category field's value was refused (`field` names it); nothing was written."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class CaseInvalid(CaseError):
    """A field of a report or an action was refused (`field` names it); nothing was written."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
