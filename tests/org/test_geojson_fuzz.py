"""Hostile map files: whatever a GeoJSON upload holds — random bytes, text in GBK, JSON of any
shape, features with nonsense geometry or properties — the grid import either writes every
feature or refuses with errors naming the feature, and never writes part of a file or fails
with anything but its own refusal."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.org.geojson_samples import NEW_CODE, collection, grid_feature, snapshot
from wangge.org.exceptions import GeoJSONInvalid
from wangge.org.services import import_grids

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
COORDINATE = st.one_of(
    st.floats(min_value=112.9, max_value=113.2),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-1000, max_value=1000),
    st.text(max_size=3),
)
RINGS = st.lists(st.lists(st.lists(COORDINATE, min_size=0, max_size=3), max_size=8), max_size=3)


def import_or_refusal(tree, source):
    """None when the import refused (nothing written), else its summary; anything else fails."""
    before = snapshot()
    try:
        return import_grids(None, source)
    except GeoJSONInvalid as refused:
        assert str(refused) or refused.errors
        assert snapshot() == before
        return None


@FUZZ
@given(content=st.binary(max_size=1500))
def test_random_bytes_are_refused_without_a_write(tree, content):
    import_or_refusal(tree, content)


@FUZZ
@given(text=st.text(max_size=300), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_random_text_in_any_encoding_is_refused_without_a_write(tree, text, encoding):
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:
        return
    import_or_refusal(tree, content)


@FUZZ
@given(document=JSON_VALUES)
def test_json_of_any_shape_is_refused_without_a_write(tree, document):
    import_or_refusal(tree, json.dumps(document).encode())


@FUZZ
@given(
    rings=RINGS,
    kind=st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "", None]),
    code=st.one_of(st.just(NEW_CODE), JSON_VALUES),
    name=JSON_VALUES,
)
def test_features_with_nonsense_are_refused_or_written_whole(tree, rings, kind, code, name):
    coordinates = [rings] if kind == "MultiPolygon" else rings
    feature = grid_feature(code, {"type": kind, "coordinates": coordinates}, name=name)
    try:
        source = json.dumps(collection(feature), allow_nan=True).encode()
    except (TypeError, ValueError):
        return
    import_or_refusal(tree, source)
