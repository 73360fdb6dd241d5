"""Importing the grid map from GeoJSON: every problem is named, nothing is half-written, and a
file imported twice changes nothing the second time.

The tree (root conftest): 石冲社区 holds grids A and B, two squares sharing an edge; 东成社区
holds grid C further north. New grids in these tests sit east of B.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation

from conftest import LAT0, LON0, SIDE, square
from tests.org.geojson_samples import (
    NEW_CODE,
    OTHER_COMMUNITY,
    collection,
    grid_feature,
    snapshot,
)
from wangge.core.models import AuditEntry
from wangge.org.exceptions import FeatureError, GeoJSONInvalid, NotAllowed
from wangge.org.models import MapVersion, OrgUnit
from wangge.org.roles import Role, UnitKind
from wangge.org.services import grant_role, import_grids, set_unit_active


def refused(source: Any, actor: Any = None) -> list[FeatureError]:
    """Import a bad file; assert that nothing at all was written; return the errors."""
    before = snapshot()
    with pytest.raises(GeoJSONInvalid) as caught:
        import_grids(actor, source)
    assert snapshot() == before
    return caught.value.errors


def only_error(source: Any) -> FeatureError:
    errors = refused(source)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.fixture(autouse=True)
def _english():
    # Messages are English msgids; the Chinese catalogue must not change what tests read.
    with translation.override("en"):
        yield


# --- The file as a whole ----------------------------------------------------------------------


def test_a_file_that_is_not_json_is_refused_with_the_place_of_the_mistake(tree):
    error = only_error(b'{"type": "FeatureCollection", "features": [}')
    assert error.index is None
    assert "not JSON" in error.message
    assert "line 1, column 44" in error.message


def test_nan_is_not_json(tree):
    feature = json.dumps(grid_feature()).replace(str(LAT0), "NaN", 1)
    error = only_error(json.dumps(collection()).replace("[]", f"[{feature}]"))
    assert "NaN is not a JSON number" in error.message


def test_a_file_saved_as_gbk_is_recognised(tree):
    text = json.dumps(collection(grid_feature()), ensure_ascii=False)
    error = only_error(text.encode("gbk"))
    assert "GBK" in error.message
    assert "UTF-8" in error.message


def test_a_file_in_another_encoding_is_refused_as_not_utf8(tree):
    error = only_error(b'{"type": "FeatureCollection", "features": [], "x": "\xff\xfe"}')
    assert "not UTF-8" in error.message
    assert "byte 53" in error.message


def test_a_utf8_file_with_a_byte_order_mark_is_read(tree):
    source = b"\xef\xbb\xbf" + json.dumps(collection(grid_feature())).encode()
    assert import_grids(None, source).created == [NEW_CODE]


def test_a_map_built_in_python_is_read_as_the_same_file_would_be(tree):
    geometry = square(LON0 + SIDE + SIDE, LAT0)
    as_tuples = {**geometry, "coordinates": [[tuple(p) for p in geometry["coordinates"][0]]]}
    import_grids(None, collection(grid_feature(geometry=as_tuples)))
    assert OrgUnit.objects.get(code=NEW_CODE).boundary == geometry
    assert import_grids(None, collection(grid_feature(geometry=as_tuples))).unchanged == [NEW_CODE]


def test_nan_from_python_is_refused_too(tree):
    geometry = square(LON0 + SIDE + SIDE, LAT0)
    geometry["coordinates"][0][1] = [float("nan"), LAT0]
    assert (
        "NaN is not a JSON number"
        in only_error(collection(grid_feature(geometry=geometry))).message
    )


def test_an_empty_file_is_refused(tree):
    assert "empty" in only_error(b"  \n").message


@pytest.mark.parametrize(
    ("document", "said"),
    [
        ({"type": "Feature", "geometry": None, "properties": {}}, 'type is "Feature"'),
        ([1, 2], "holds a JSON list"),
        ({"type": "FeatureCollection"}, '"features" list'),
    ],
)
def test_only_a_feature_collection_is_accepted(tree, document, said):
    error = only_error(json.dumps(document))
    assert error.index is None
    assert said in error.message


def test_an_empty_feature_collection_changes_nothing(tree):
    version = MapVersion.objects.get().version
    summary = import_grids(None, collection())
    assert (summary.created, summary.updated, summary.unchanged) == ([], [], [])
    assert MapVersion.objects.get().version == version


# --- Geometry ---------------------------------------------------------------------------------


def test_a_feature_without_geometry_is_refused(tree):
    feature = grid_feature()
    feature["geometry"] = None
    error = only_error(collection(feature))
    assert (error.index, error.code) == (1, NEW_CODE)
    assert "no geometry" in error.message


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [LON0, LAT0]},
        {"type": "LineString", "coordinates": [[LON0, LAT0], [LON0 + 0.01, LAT0]]},
    ],
)
def test_only_polygons_are_accepted(tree, geometry):
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert geometry["type"] in error.message
    assert "only Polygon and MultiPolygon" in error.message


def test_a_ring_that_is_not_closed_is_refused_naming_its_ends(tree):
    geometry = square(LON0 + 2 * SIDE, LAT0)
    geometry["coordinates"][0][-1] = [LON0 + 2 * SIDE, LAT0 + 0.001]
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert "Ring 1 is not closed" in error.message
    assert str(LAT0 + 0.001) in error.message


def test_a_ring_needs_four_positions(tree):
    ring = [[LON0, LAT0], [LON0 + 0.01, LAT0], [LON0, LAT0]]
    error = only_error(
        collection(grid_feature(geometry={"type": "Polygon", "coordinates": [ring]}))
    )
    assert "Ring 1 has 3 positions" in error.message


def test_a_ring_that_crosses_itself_is_refused_with_the_crossing(tree):
    x, y = LON0 + 2 * SIDE, LAT0
    bowtie = [[x, y], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y + 0.01], [x, y]]
    error = only_error(
        collection(grid_feature(geometry={"type": "Polygon", "coordinates": [bowtie]}))
    )
    assert "Ring 1 crosses itself near" in error.message
    assert "113.105" in error.message  # the crossing, in the middle of the square


def test_a_ring_that_encloses_no_area_is_refused(tree):
    x, y = LON0 + 2 * SIDE, LAT0
    flat = [[x, y], [x + 0.01, y], [x + 0.02, y], [x, y]]
    error = only_error(
        collection(grid_feature(geometry={"type": "Polygon", "coordinates": [flat]}))
    )
    assert "encloses no area" in error.message


def test_a_hole_outside_its_shell_is_refused(tree):
    geometry = square(LON0 + 2 * SIDE, LAT0)
    geometry["coordinates"].append(square(LON0 + 5 * SIDE, LAT0, 0.001)["coordinates"][0])
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert "a hole lies outside the outer ring" in error.message


def test_a_multipolygon_whose_parts_overlap_is_refused(tree):
    first = square(LON0 + 2 * SIDE, LAT0)["coordinates"]
    second = square(LON0 + 2.5 * SIDE, LAT0)["coordinates"]
    geometry = {"type": "MultiPolygon", "coordinates": [first, second]}
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert "Two of its polygons overlap" in error.message


def test_a_multipolygon_of_separate_parts_is_accepted(tree):
    first = square(LON0 + 2 * SIDE, LAT0, SIDE / 4)["coordinates"]
    second = square(LON0 + 2.5 * SIDE, LAT0, SIDE / 4)["coordinates"]
    geometry = {"type": "MultiPolygon", "coordinates": [first, second]}
    import_grids(None, collection(grid_feature(geometry=geometry)))
    assert OrgUnit.objects.get(code=NEW_CODE).boundary == geometry


def test_a_coordinate_that_is_not_a_number_is_named(tree):
    geometry = square(LON0 + 2 * SIDE, LAT0)
    geometry["coordinates"][0][2] = ["113.11", LAT0 + SIDE]
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert "Ring 1, position 3" in error.message
    assert 'longitude "113.11" is not a number' in error.message


@pytest.mark.parametrize(
    ("position", "said"),
    [([181.5, LAT0], "longitude 181.5 is outside -180..180"), ([LON0, 95], "latitude 95")],
)
def test_coordinates_off_the_globe_are_named(tree, position, said):
    geometry = square(LON0 + 2 * SIDE, LAT0)
    geometry["coordinates"][0][1] = position
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert "Ring 1, position 2" in error.message
    assert said in error.message


def test_the_ring_of_a_multipolygon_is_named_with_its_polygon(tree):
    first = square(LON0 + 2 * SIDE, LAT0, SIDE / 4)["coordinates"]
    second = square(LON0 + 2.5 * SIDE, LAT0, SIDE / 4)["coordinates"]
    second[0][0][1] = 91
    geometry = {"type": "MultiPolygon", "coordinates": [first, second]}
    error = only_error(collection(grid_feature(geometry=geometry)))
    assert "Polygon 2, ring 1, position 1" in error.message


# --- Properties -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [..., "  ", None])
def test_a_grid_needs_a_code(tree, code):
    error = only_error(collection(grid_feature(code=code)))
    assert error.index == 1
    assert "no code" in error.message


@pytest.mark.parametrize("name", [..., "", None])
def test_a_grid_needs_a_name(tree, name):
    error = only_error(collection(grid_feature(name=name)))
    assert (error.index, error.code) == (1, NEW_CODE)
    assert "no name" in error.message


def test_a_code_that_is_neither_text_nor_a_whole_number_is_refused(tree):
    error = only_error(collection(grid_feature(code=4407.5)))
    assert "code must be text" in error.message


def test_a_code_written_as_a_number_is_read_as_text(tree):
    summary = import_grids(None, collection(grid_feature(code=440703006107003)))
    assert summary.created == ["440703006107003"]


def test_a_code_used_twice_in_the_file_is_refused_on_the_second_use(tree):
    second = grid_feature(geometry=square(LON0 + 3 * SIDE, LAT0), name="另一个")
    error = only_error(collection(grid_feature(), second))
    assert (error.index, error.code) == (2, NEW_CODE)
    assert "also used by feature 1" in error.message


def test_a_code_of_a_community_cannot_be_taken_by_a_grid(tree):
    error = only_error(collection(grid_feature(code=OTHER_COMMUNITY)))
    assert error.code == OTHER_COMMUNITY
    assert "already used by 东成社区, a Community, not a grid" in error.message


def test_an_unknown_parent_is_refused(tree):
    error = only_error(collection(grid_feature(parent_code="440703999999")))
    assert (error.index, error.code) == (1, NEW_CODE)
    assert "parent_code 440703999999 matches no unit" in error.message


def test_a_grid_needs_a_parent_code(tree):
    error = only_error(collection(grid_feature(parent_code=...)))
    assert "no parent_code" in error.message


def test_a_grid_cannot_stand_under_a_subdistrict(tree):
    error = only_error(collection(grid_feature(parent_code=tree.town.code)))
    assert "环市街道 is a Subdistrict; a grid belongs to a community or a village" in error.message


def test_a_grid_cannot_join_a_retired_community(tree):
    set_unit_active(None, tree.other_community, is_active=False)
    error = only_error(collection(grid_feature(parent_code=OTHER_COMMUNITY)))
    assert "no longer active" in error.message


def test_an_unknown_grid_kind_is_refused_listing_the_kinds(tree):
    error = only_error(collection(grid_feature(kind="night_shift")))
    assert "kind night_shift is unknown" in error.message
    assert "full_time (专职网格), part_time (兼职网格)" in error.message


def test_a_grid_kind_may_be_given_by_code_or_by_name(tree):
    second = grid_feature("440703006107004", square(LON0 + 3 * SIDE, LAT0), kind="兼职网格")
    import_grids(None, collection(grid_feature(kind="part_time"), second))
    kinds = dict(OrgUnit.objects.filter(kind=UnitKind.GRID).values_list("code", "grid_kind__code"))
    assert kinds[NEW_CODE] == kinds["440703006107004"] == "part_time"


# --- Overlaps ---------------------------------------------------------------------------------


def test_a_grid_overlapping_an_existing_grid_is_refused_with_the_area(tree):
    # Shifted 10 % west, the new square covers a strip of grid B about 0.001° wide.
    error = only_error(collection(grid_feature(geometry=square(LON0 + 1.9 * SIDE, LAT0))))
    assert "overlaps the grid 440703006107002 石冲社区第二网格" in error.message
    # 0.001° of longitude × 0.01° of latitude at 22.58°N is about 102.8 m × 1106.5 m.
    area = float(error.message.split(" by ")[1].split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(102.8 * 1106.5, rel=0.01)


def test_two_features_that_overlap_each_other_are_refused_on_the_later_one(tree):
    first = grid_feature(geometry=square(LON0 + 3 * SIDE, LAT0))
    second = grid_feature("440703006107004", square(LON0 + 3.5 * SIDE, LAT0), name="第四")
    error = only_error(collection(first, second))
    assert (error.index, error.code) == (2, "440703006107004")
    assert f"overlaps feature 1 (code {NEW_CODE})" in error.message


def test_an_overlap_within_the_tolerance_is_a_drawing_sliver_and_accepted(tree, settings):
    settings.GRID_OVERLAP_TOLERANCE_M2 = 200.0
    # 1e-6° west: a sliver of about 0.1 m × 1106 m ≈ 114 m² over grid B.
    import_grids(None, collection(grid_feature(geometry=square(LON0 + 2 * SIDE - 1e-6, LAT0))))
    assert OrgUnit.objects.filter(code=NEW_CODE).exists()


def test_grids_that_only_share_a_border_do_not_overlap(tree, settings):
    settings.GRID_OVERLAP_TOLERANCE_M2 = 0.0
    import_grids(None, collection(grid_feature()))
    assert OrgUnit.objects.filter(code=NEW_CODE).exists()


def test_redrawing_a_shared_border_is_not_an_overlap_with_the_old_drawing(tree):
    # Grid A grows east by half, grid B shrinks: against the old B they would overlap.
    wider_a = {
        "type": "Polygon",
        "coordinates": [
            [[LON0, LAT0], [LON0 + 1.5 * SIDE, LAT0], [LON0 + 1.5 * SIDE, LAT0 + SIDE],
             [LON0, LAT0 + SIDE], [LON0, LAT0]]
        ],
    }  # fmt: skip
    narrower_b = {
        "type": "Polygon",
        "coordinates": [
            [[LON0 + 1.5 * SIDE, LAT0], [LON0 + 2 * SIDE, LAT0], [LON0 + 2 * SIDE, LAT0 + SIDE],
             [LON0 + 1.5 * SIDE, LAT0 + SIDE], [LON0 + 1.5 * SIDE, LAT0]]
        ],
    }  # fmt: skip
    summary = import_grids(
        None,
        collection(
            grid_feature(tree.grid_a.code, wider_a, name=tree.grid_a.name),
            grid_feature(tree.grid_b.code, narrower_b, name=tree.grid_b.name),
        ),
    )
    assert summary.updated == [tree.grid_a.code, tree.grid_b.code]


def test_a_retired_grid_is_off_the_map_and_overlaps_nothing(tree):
    set_unit_active(None, tree.grid_b, is_active=False)
    import_grids(None, collection(grid_feature(geometry=square(LON0 + 1.5 * SIDE, LAT0))))
    assert OrgUnit.objects.filter(code=NEW_CODE).exists()


# --- Every problem at once --------------------------------------------------------------------


def test_every_problem_in_the_file_is_reported_in_feature_order(tree):
    good = grid_feature("440703006107005", square(LON0 + 5 * SIDE, LAT0), name="好的")
    errors = refused(
        collection(
            grid_feature(parent_code="NOPE"),
            good,
            grid_feature("440703006107006", {"type": "Point", "coordinates": [1, 2]}, name=""),
            grid_feature(tree.community.code, square(LON0 + 7 * SIDE, LAT0)),
        )
    )
    assert [(e.index, e.code) for e in errors] == [
        (1, NEW_CODE),
        (3, "440703006107006"),
        (3, "440703006107006"),
        (4, tree.community.code),
    ]
    assert {"no name" in errors[1].message, "no name" in errors[2].message} == {True, False}
    assert {"Point" in errors[1].message, "Point" in errors[2].message} == {True, False}
    assert str(errors[0]).startswith(f"Feature 1 (code {NEW_CODE}): ")


def test_one_bad_feature_among_many_good_ones_writes_nothing(tree):
    features = [
        grid_feature(f"G{number:04d}", square(LON0 + 0.002 * number, LAT0 - 0.01, 0.002))
        for number in range(300)
    ]
    features[150]["geometry"]["coordinates"][0][0] = [LON0, 91]
    errors = refused(collection(*features))
    assert [(error.index, error.code) for error in errors] == [(151, "G0150")]


# --- Writing ----------------------------------------------------------------------------------


def test_a_new_grid_is_created_under_its_community_with_its_boundary_as_given(tree):
    geometry = square(LON0 + 2 * SIDE, LAT0)
    summary = import_grids(None, collection(grid_feature(geometry=geometry)))
    grid = OrgUnit.objects.get(code=NEW_CODE)
    assert summary.created == [NEW_CODE]
    assert grid.kind == UnitKind.GRID
    assert grid.parent == tree.community
    assert grid.path == f"{tree.community.path}{grid.pk}/"
    assert grid.depth == tree.community.depth + 1
    assert grid.grid_kind.code == "full_time"
    assert grid.boundary == geometry


def test_other_properties_are_kept(tree):
    extra = {"area_note": "含菜市场", "households": 812, "tags": ["老旧小区"]}
    import_grids(None, collection(grid_feature(**extra)))
    assert OrgUnit.objects.get(code=NEW_CODE).properties == extra


def test_a_changing_import_bumps_the_map_version_once_and_is_audited_once(tree):
    version = MapVersion.objects.get().version
    second = grid_feature("440703006107004", square(LON0 + 3 * SIDE, LAT0), name="第四")
    import_grids(None, collection(grid_feature(), second))
    assert MapVersion.objects.get().version == version + 1
    entry = AuditEntry.objects.get(action="org.grids.import")
    assert (entry.data["created"], entry.data["updated"], entry.data["unchanged"]) == (2, 0, 0)
    assert entry.actor_label == "system"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tree):
    source = collection(
        grid_feature(), grid_feature(tree.grid_a.code, square(LON0, LAT0), name="石冲一格")
    )
    first = import_grids(None, source)
    assert (first.created, first.updated) == ([NEW_CODE], [tree.grid_a.code])
    units, audits, version = snapshot()
    second = import_grids(None, json.dumps(source))
    assert (second.created, second.updated) == ([], [])
    assert second.unchanged == [NEW_CODE, tree.grid_a.code]
    assert snapshot() == (units, audits + 1, version)


def test_a_changed_grid_is_updated_in_place(tree):
    summary = import_grids(
        None,
        collection(
            grid_feature(tree.grid_a.code, square(LON0, LAT0), name="石冲一格", kind="part_time")
        ),
    )
    grid = OrgUnit.objects.get(pk=tree.grid_a.pk)
    assert summary.updated == [tree.grid_a.code]
    assert (grid.name, grid.grid_kind.code) == ("石冲一格", "part_time")
    assert grid.updated_at > tree.grid_a.updated_at


def test_a_grid_given_another_parent_moves_there(tree):
    feature = grid_feature(
        tree.grid_b.code, square(LON0 + SIDE, LAT0), name="移走", parent_code=OTHER_COMMUNITY
    )
    import_grids(None, collection(feature))
    grid = OrgUnit.objects.get(pk=tree.grid_b.pk)
    assert grid.parent == tree.other_community
    assert grid.path == f"{tree.other_community.path}{grid.pk}/"
    assert OrgUnit.objects.filter(path__descendant_of=tree.other_community.path, pk=grid.pk)
    assert not OrgUnit.objects.filter(path__descendant_of=tree.community.path, pk=grid.pk)


def test_a_retired_grid_in_the_file_is_back_on_the_map(tree):
    set_unit_active(None, tree.grid_b, is_active=False)
    feature = grid_feature(tree.grid_b.code, square(LON0 + SIDE, LAT0), name=tree.grid_b.name)
    summary = import_grids(None, collection(feature))
    assert summary.updated == [tree.grid_b.code]
    assert OrgUnit.objects.get(pk=tree.grid_b.pk).is_active


def test_grids_left_out_of_the_file_stay_as_they_are(tree):
    import_grids(None, collection(grid_feature()))
    assert OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True).count() == 4


def test_thousands_of_grids_are_imported_in_one_go(tree):
    # More codes than one query looks up at once, to cover the chunked look-ups.
    features = [
        grid_feature(
            f"N{row:02d}{column:02d}",
            square(LON0 + column * 0.001, LAT0 - 0.1 + row * 0.001, 0.001),
            name=f"{row}-{column}",
        )
        for row in range(50)
        for column in range(45)
    ]
    assert len(import_grids(None, collection(*features)).created) == 2250
    assert len(import_grids(None, collection(*features)).unchanged) == 2250


# --- Who may import ---------------------------------------------------------------------------


def test_a_grid_worker_may_not_import_grids(cast):
    before = snapshot()
    with pytest.raises(NotAllowed):
        import_grids(cast.grid_worker_a, collection(grid_feature()))
    assert snapshot() == before


def test_a_leader_may_not_change_the_map(cast):
    with pytest.raises(NotAllowed):
        import_grids(cast.leader, collection(grid_feature()))


def test_an_administrator_of_another_subtree_may_not_add_grids_here(cast):
    grant_role(None, cast.outsider, cast.tree.other_community, Role.ADMINISTRATOR)
    before = snapshot()
    with pytest.raises(NotAllowed, match="石冲社区"):
        import_grids(cast.outsider, collection(grid_feature()))
    assert snapshot() == before


def test_an_administrator_may_not_move_a_grid_out_of_a_community_they_do_not_manage(cast):
    grant_role(None, cast.outsider, cast.tree.other_community, Role.ADMINISTRATOR)
    feature = grid_feature(
        cast.tree.grid_b.code, square(LON0 + SIDE, LAT0), name="移走", parent_code=OTHER_COMMUNITY
    )
    with pytest.raises(NotAllowed):
        import_grids(cast.outsider, collection(feature))


def test_an_administrator_may_reimport_grids_they_do_not_manage_when_unchanged(cast):
    grant_role(None, cast.outsider, cast.tree.other_community, Role.ADMINISTRATOR)
    unchanged = grid_feature(cast.tree.grid_a.code, square(LON0, LAT0), name=cast.tree.grid_a.name)
    summary = import_grids(cast.outsider, collection(unchanged))
    assert summary.unchanged == [cast.tree.grid_a.code]


def test_an_administrator_imports_grids_in_their_district_and_is_named_in_the_audit_log(cast):
    import_grids(cast.administrator, collection(grid_feature()))
    assert AuditEntry.objects.get(action="org.grids.import").actor == cast.administrator
