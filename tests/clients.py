"""Test clients shared by the page and API tests."""

from __future__ import annotations

from django.test import Client


def logged_in(user) -> Client:
    """A browser logged in as `user` that reads messages in English (the msgids)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client
