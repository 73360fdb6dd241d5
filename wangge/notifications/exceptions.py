"""Refusals raised by the notification services; each adapter maps them once (page, API, CLI)."""

from __future__ import annotations


class NotificationsError(Exception):
    """Base of every refusal in this app; `str()` is a message a person can read."""


class NotAllowed(NotificationsError):
    pass


class WebhookInvalid(NotificationsError):
    """A webhook field holds a value that cannot be used; `field` names it for the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class DeliveryNotFailed(NotificationsError):
    """Only a delivery that has failed for good can be sent again by hand."""
