"""The analytics hotspots part of the authorization table's world (tests/security/world.py):
its objects and secrets, how its routes' path parameters are filled, and (optionally) ROUTE_BODIES,
REFUSED_AS_INVALID, OWN_TABLES, PUBLIC, VISIBLE_TO_EVERY_ROLE and OWN_ROWS entries for its
routes, merged into the table's own (tests/security/test_authorization_table.py); `pages(ids)`
lists the app's pages for the every-page sweep (tests/e2e/test_every_page.py) as (name, account,
path, selector to wait for or "").

The hot spots' routes name a place (a unit code) and a category: grid A and the category of
the world's cases, whose descriptions and addresses are the world's secrets already. The list
(`analytics/hotspots/`, `api/v1/analytics/hotspots`) names no object: another subtree's user
gets their own area's list (grid A asked for by `unit=` is refused: 400 on the page, 404 in the
API); the cases behind grid A's hot spot are not found (404) for them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.cases.loop_helpers import DEPARTMENT_CATEGORY

PARAM_SOURCES: dict[str, str] = {
    "place_code": "hotspots_place_code",
    "category_code": "hotspots_category_code",
}


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    return {
        "hotspots_place_code": cast.tree.grid_a.code,
        "hotspots_category_code": DEPARTMENT_CATEGORY,
    }


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    place, category = ids["hotspots_place_code"], ids["hotspots_category_code"]
    return [
        ("analytics-hotspots", "leader", reverse("analytics:hotspots"), ".hotspot-filters"),
        (
            "analytics-hotspot-cases",
            "leader",
            reverse("analytics:hotspot_cases", args=[place, category]),
            "",
        ),
        ("analytics-topics", "leader", reverse("analytics:topics"), ""),
    ]
