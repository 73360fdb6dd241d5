"""The campaigns' part of the authorization table's world builds, and names a source for every
URL parameter of the campaigns' routes."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from tests.campaigns.authorization import PARAM_SOURCES, add_to_world

pytestmark = pytest.mark.django_db


def test_the_world_builds_with_a_source_for_every_parameter(cast):
    secrets: dict[str, str] = {}
    sources = add_to_world(cast, secrets)
    assert set(PARAM_SOURCES.values()) <= set(sources)
    assert all(secrets.values())
    names = set()
    for prefix in ("campaigns", "public_campaigns"):
        resolver = get_resolver().namespace_dict[prefix][1]
        for pattern in resolver.url_patterns:
            names.update(pattern.pattern.converters)
    assert names <= set(PARAM_SOURCES)
