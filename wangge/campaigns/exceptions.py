"""Refusals of the campaigns' services; pages and the API map them once.

`str()` is a message for a person, translated when shown; `field` names the field at fault (an
answer is named `answer_<question id>`) so a form can put the message beside it.
"""

from __future__ import annotations

from django.utils.translation import gettext

from wangge.core.refusals import Refusal


class CampaignError(Refusal):
    def default_message(self) -> str:
        return gettext("This cannot be done in this campaign.")


class NotAllowed(CampaignError):
    def default_message(self) -> str:
        return gettext("You are not allowed to do this.")


class NotFound(CampaignError):
    """No such record, or none the user may see: the two are not told apart."""

    def default_message(self) -> str:
        return gettext("No such record.")


class Invalid(CampaignError):
    """A value that cannot be stored; `field` names it."""


class WrongState(CampaignError):
    """The campaign is not in a state that allows this (a draft cannot be visited …)."""


class RegistryRefused(Invalid):
    """The registry refused the change a visit asked for (its own validation or permission);
    nothing of the visit was written."""


class UuidTaken(CampaignError):
    """A visit with this client id was recorded by somebody else or for another target."""

    def default_message(self) -> str:
        return gettext("This visit id is already used by another visit.")
