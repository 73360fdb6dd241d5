"""Exporting the grid map gives back what was imported: same features, same geometry, the kept
properties, and a file that imports again without changing anything."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LAT0, LON0, SIDE, square
from tests.org.geojson_samples import COMMUNITY, OTHER_COMMUNITY, collection, grid_feature
from wangge.org.models import MapVersion
from wangge.org.queries import export_grids
from wangge.org.services import import_grids, set_unit_active


def by_code(document: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(document["features"], key=lambda feature: feature["properties"]["code"])


def test_the_export_lists_every_active_grid_by_code_with_its_parent_and_kind(tree):
    exported = export_grids()
    assert exported["type"] == "FeatureCollection"
    assert [f["properties"] for f in exported["features"]] == [
        {
            "code": grid.code,
            "name": grid.name,
            "parent_code": grid.parent.code,
            "kind": "full_time",
        }
        for grid in sorted((tree.grid_a, tree.grid_b, tree.grid_c), key=lambda grid: grid.code)
    ]
    by_code = {f["properties"]["code"]: f for f in exported["features"]}
    assert by_code[tree.grid_a.code]["geometry"] == square(LON0, LAT0)


def test_the_export_within_a_community_holds_only_its_grids(tree):
    exported = export_grids(within=tree.other_community)
    assert [f["properties"]["code"] for f in exported["features"]] == [tree.grid_c.code]


def test_a_retired_grid_is_not_exported(tree):
    set_unit_active(None, tree.grid_b, is_active=False)
    codes = [f["properties"]["code"] for f in export_grids()["features"]]
    assert tree.grid_b.code not in codes


def test_importing_the_export_changes_nothing(tree):
    version = MapVersion.objects.get().version
    summary = import_grids(None, json.dumps(export_grids(), ensure_ascii=False).encode())
    assert summary.created == summary.updated == []
    assert len(summary.unchanged) == 3
    assert MapVersion.objects.get().version == version


def test_geometry_and_other_properties_come_back_exactly(tree):
    with_hole = square(LON0 + 3 * SIDE, LAT0)
    with_hole["coordinates"].append(
        [[113.112, 22.582], [113.113, 22.582], [113.113, 22.583], [113.112, 22.582]]
    )
    three_d = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[113.2, 22.6, 5], [113.201, 22.6, 5], [113.201, 22.601, 6], [113.2, 22.6, 5]]],
            [[[113.21, 22.6], [113.211, 22.6], [113.211, 22.601], [113.21, 22.6]]],
        ],
    }
    source = collection(
        grid_feature("Z1", with_hole, name="带洞", kind="part_time", 备注="菜市场", n=[1, 2.5]),
        grid_feature("Z2", three_d, name="立体", parent_code=OTHER_COMMUNITY, nested={"a": None}),
    )
    import_grids(None, source)
    exported = export_grids()
    assert [f for f in exported["features"] if f["properties"]["code"] in {"Z1", "Z2"}] == [
        {
            "type": "Feature",
            "properties": {
                "code": "Z1",
                "name": "带洞",
                "parent_code": COMMUNITY,
                "kind": "part_time",
                "备注": "菜市场",
                "n": [1, 2.5],
            },
            "geometry": with_hole,
        },
        {
            "type": "Feature",
            "properties": {
                "code": "Z2",
                "name": "立体",
                "parent_code": OTHER_COMMUNITY,
                "kind": "full_time",
                "nested": {"a": None},
            },
            "geometry": three_d,
        },
    ]


# --- Any map survives the round trip ----------------------------------------------------------

# Text a JSON file can carry (UTF-8) and a PostgreSQL jsonb value can hold (no NUL).
characters = st.characters(codec="utf-8", exclude_characters="\x00")
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    # PostgreSQL's jsonb keeps numbers as decimals, so a float of 1e16 or more would come back
    # as an integer; coordinates never get near that, and kept properties rarely do.
    | st.floats(-1e15, 1e15, allow_nan=False)
    | st.text(characters, max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(characters, max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
extra_keys = st.text(characters, min_size=1, max_size=10).filter(
    lambda key: key not in {"code", "name", "parent_code", "kind"}
)
names = st.text(characters, min_size=1, max_size=20).filter(
    lambda name: name == name.strip() and name
)


@st.composite
def grid_maps(draw: st.DrawFn) -> dict[str, Any]:
    """A random tiling south of the fixture's grids: columns and rows cut at random places,
    so neighbours share their borders exactly and nothing overlaps."""
    xs = sorted(draw(st.sets(st.floats(113.0, 113.2), min_size=2, max_size=5)))
    ys = sorted(draw(st.sets(st.floats(22.3, 22.5), min_size=2, max_size=4)))
    cells = [(x0, x1, y0, y1) for x0, x1 in pairwise(xs) for y0, y1 in pairwise(ys)]
    codes = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True),
            min_size=len(cells),
            max_size=len(cells),
            unique=True,
        )
    )
    features = []
    for code, (x0, x1, y0, y1) in zip(codes, cells, strict=True):
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        properties = {
            "code": code,
            "name": draw(names),
            "parent_code": draw(st.sampled_from([COMMUNITY, OTHER_COMMUNITY])),
            "kind": draw(st.sampled_from(["full_time", "part_time"])),
            **draw(st.dictionaries(extra_keys, json_values, max_size=3)),
        }
        geometry = {"type": "Polygon", "coordinates": [ring]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return collection(*features)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(grid_map=grid_maps())
def test_any_map_comes_back_from_export_as_it_was_imported(tree, grid_map):
    savepoint = transaction.savepoint()
    try:
        import_grids(None, json.dumps(grid_map, ensure_ascii=False).encode())
        exported = export_grids()
        new = [f for f in by_code(exported) if f["properties"]["code"] not in fixture_codes(tree)]
        assert new == by_code(grid_map)
        again = import_grids(None, exported)
        assert again.created == again.updated == []
    finally:
        transaction.savepoint_rollback(savepoint)


def fixture_codes(tree: Any) -> set[str]:
    return {tree.grid_a.code, tree.grid_b.code, tree.grid_c.code}
