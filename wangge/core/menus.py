"""Entries that apps offer to the home workbench and the main menu.

Core knows no app by name: each app config may define `home_entries(request)`,
`nav_entries(request)` and `work_panels(request)`, and these functions collect them by their
`order` (default 100), then in INSTALLED_APPS order.

A work panel, shown on "my work" below the cases, is
`{"title", "url", "count", "items": [{"title", "detail", "url", "is_overdue"}], "order"}`:
`count` is the whole number waiting, `items` the first few, most urgent first.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest


def app_entries(request: HttpRequest, hook: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, hook, None)
        if provider is not None:
            entries.extend(provider(request))
    return sorted(entries, key=lambda entry: entry.get("order", 100))
