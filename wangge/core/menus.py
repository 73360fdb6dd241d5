"""Entries that apps offer to the home workbench and the main menu.

Core knows no app by name: each app config may define `home_entries(request)`,
`nav_entries(request)`, `work_panels(request)` and `case_panels(request, case, actions)`, and
these functions collect them by their `order` (default 100), then in INSTALLED_APPS order.

Case notes, one line an app adds to a case in the dispatch console's lists, come from
`case_notes(request, cases) -> {case pk: text}` (`case_notes` below joins them).

A case panel, shown on a case's page by an app built on the cases (routing's suggestion), is
`{"template", "order", …}`: the page includes `template` with the entry as `panel`.

A work panel, shown on "my work" below the cases, is
`{"title", "url", "count", "items": [{"title", "detail", "url", "is_overdue"}], "order"}`:
`count` is the whole number waiting, `items` the first few, most urgent first.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest


def app_entries(request: HttpRequest, hook: str, **context: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, hook, None)
        if provider is not None:
            entries.extend(provider(request, **context))
    return sorted(entries, key=lambda entry: entry.get("order", 100))


def case_notes(request: HttpRequest, cases: list[Any]) -> dict[int, str]:
    """The apps' one-line notes on `cases` (routing's suggested category), joined per case."""
    notes: dict[int, list[str]] = {}
    if not cases:
        return {}
    for config in apps.get_app_configs():
        provider = getattr(config, "case_notes", None)
        if provider is not None:
            for pk, text in provider(request, cases).items():
                notes.setdefault(pk, []).append(text)
    return {pk: " · ".join(texts) for pk, texts in notes.items()}
