"""The map page (/analytics/map/): a shell for its script with the chosen figure's definition,
the unit and period, and the API addresses; only units of the user's area; bad filters refused
by field with 400; nobody without an area gets it."""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils.html import escape

from tests.clients import logged_in
from wangge.analytics.definitions import FIGURES


def _config(page) -> dict:
    marker = 'id="analytics-map-config" type="application/json">'
    text = page.content.decode()
    start = text.index(marker) + len(marker)
    return json.loads(text[start : text.index("</script>", start)])


def test_a_leader_opens_the_map_of_a_figure_with_its_definition(cast):
    tree = cast.tree
    page = logged_in(cast.leader).get(
        reverse("analytics:map"),
        {"unit": tree.town.code, "figure": "satisfaction_rate", "first": "2026-01-01"},
    )
    assert page.status_code == 200
    assert escape(str(FIGURES["satisfaction_rate"].definition)) in page.content.decode()
    config = _config(page)
    assert config["unit"] == tree.town.code and config["figure"] == "satisfaction_rate"
    assert config["first"] == "2026-01-01"
    assert config["mapUrl"] == "/api/v1/analytics/map"
    assert config["heatUrl"] == "/api/v1/analytics/heat"
    assert config["listUrl"] == f"{reverse('cases:list')}?unit=__code__"
    # Every figure of the case loop can be chosen, each with its definition for the script.
    assert set(config["figures"]) == {k for k, f in FIGURES.items() if f.compute is None}
    assert 'name="map-mode" value="heat"' in page.content.decode()


def test_the_map_opens_on_the_users_first_area_by_default(cast):
    page = logged_in(cast.community_staff).get(reverse("analytics:map"))
    assert page.status_code == 200
    assert _config(page)["unit"] == cast.tree.community.code
    assert _config(page)["figure"] == "reported"


def test_bad_filters_are_refused_beside_the_field(cast):
    client = logged_in(cast.community_staff)
    for query, field in (
        ({"unit": cast.tree.other_community.code}, "unit"),
        ({"figure": "no_such_figure"}, "figure"),
        ({"first": "2026-02-10", "last": "2026-02-01"}, "last"),
        ({"category": "NOWHERE"}, "category"),
    ):
        page = client.get(reverse("analytics:map"), query)
        assert page.status_code == 400, query
        assert page.context["form"].errors[field], query
        assert b"analytics-map-config" not in page.content


def test_someone_without_an_area_may_not_open_the_map(cast):
    assert logged_in(cast.grid_worker_a).get(reverse("analytics:map")).status_code == 403
    assert logged_in(cast.outsider).get(reverse("analytics:map")).status_code == 403
