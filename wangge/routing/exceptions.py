"""Refusals of the routing services; the CLI and pages map them once."""

from __future__ import annotations

from django.utils.translation import gettext

from wangge.core.refusals import Refusal


class RoutingError(Refusal):
    """Every refusal of this app."""


class NotAllowed(RoutingError):
    def default_message(self) -> str:
        return gettext("Only an administrator of the whole city may manage routing.")


class NotFound(RoutingError):
    def default_message(self) -> str:
        return gettext("No such model version.")


class Invalid(RoutingError):
    """Examples, a model file or a setting that cannot be used; the message says why."""
