"""Helpers for the Open311 tests: keys made with the real service, and the two formats read
back (XML with ElementTree, so a document that is not well-formed fails the test)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import pytest

from wangge.core.apikeys import create_api_key

BASE = "/open311/v2"


@pytest.fixture
def integration_key(cast) -> str:
    """The key of a third-party app: an account of its own with no role anywhere."""
    _key, raw = create_api_key(None, "city app")
    return raw


@pytest.fixture
def grid_worker_key(cast) -> str:
    _key, raw = create_api_key(None, "grid worker a's phone", user=cast.grid_worker_a)
    return raw


def xml_of(response) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own answer, under test)


def json_of(response) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def record(element: ElementTree.Element) -> dict[str, str]:
    """The text of each child of one XML record (a service, a request, an error)."""
    return {child.tag: child.text or "" for child in element}
