"""The analytics screen part of the authorization table's world (tests/security/world.py): the
map of figures, the heat map and the big screen (pages /analytics/map/ and /analytics/screen/,
API analytics/map, analytics/heat and analytics/screen). None of their routes names an object in
its path: each answers the caller's own area (empty of the other subtree's cases), so the table
tries them as the scoped reads they are and checks their bodies for the world's secrets; the
world's cases in grid A are what they must not show. `pages(ids)` lists the two pages for the
every-page sweep (tests/e2e/test_every_page.py) as (name, account, path, selector to wait for)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

PARAM_SOURCES: dict[str, str] = {}


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    return {}


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        ("analytics-map", "leader", reverse("analytics:map"), "#figure-map[data-ready='true']"),
        ("analytics-screen", "leader", reverse("analytics:screen"), "#screen[data-refreshes]"),
    ]
