"""`wangge grids import|export|locate|gaps` and `wangge org boundaries`: thin commands over the
services, with exit codes scripts can rely on (0 done, 1 refused or not found, 2 bad input)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from conftest import LAT0, LON0, SIDE, square
from tests.org.geojson_samples import collection, grid_feature, snapshot
from wangge.cli import main
from wangge.org.models import OrgUnit


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_json(path: Path, document: dict, encoding: str = "utf-8") -> Path:
    path.write_bytes(json.dumps(document, ensure_ascii=False).encode(encoding))
    return path


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- import -----------------------------------------------------------------------------------


def test_importing_a_file_prints_what_changed(tree, tmp_path):
    path = write_json(tmp_path / "grids.geojson", collection(grid_feature()))
    out, _err = run("grids", "import", str(path))
    assert out.strip() == "Grids: 1 created, 0 updated, 0 unchanged."
    assert OrgUnit.objects.filter(code="440703006107003").exists()


def test_a_refused_file_prints_every_problem_and_exits_with_1(tree, tmp_path):
    source = collection(grid_feature(parent_code="NOPE"), grid_feature("X2", name=""))
    path = write_json(tmp_path / "bad.geojson", source)
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("grids", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert refused.value.returncode == 1
    assert "nothing was written" in str(refused.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Feature 1 (code 440703006107003): ")
    assert any(line.startswith("Feature 2 (code X2): ") and "no name" in line for line in lines)
    assert snapshot() == before


def test_a_missing_file_exits_with_2(tree, tmp_path):
    with pytest.raises(CommandError) as refused:
        run("grids", "import", str(tmp_path / "nope.geojson"))
    assert refused.value.returncode == 2
    assert "nope.geojson" in str(refused.value)


def test_a_file_is_read_from_standard_input_when_named_dash(tree, monkeypatch):
    data = json.dumps(collection(grid_feature())).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out, _err = run("grids", "import", "-")
    assert "1 created" in out


# --- export -----------------------------------------------------------------------------------


def test_the_export_goes_to_standard_output_as_readable_utf8(tree):
    out, _err = run("grids", "export")
    assert "石冲社区第一网格" in out  # not \\u escapes
    document = json.loads(out)
    assert [f["properties"]["code"] for f in document["features"]] == sorted(
        [tree.grid_a.code, tree.grid_b.code, tree.grid_c.code]
    )
    assert len(out.splitlines()) == 5  # one feature a line


def test_an_exported_file_imports_again_without_changes(tree, tmp_path):
    path = tmp_path / "map.geojson"
    out, _err = run("grids", "export", str(path), "--within", tree.community.code)
    assert out.strip() == f"Wrote 2 grids to {path}."
    out, _err = run("grids", "import", str(path))
    assert out.strip() == "Grids: 0 created, 0 updated, 2 unchanged."


def test_exporting_within_an_unknown_unit_exits_with_2(tree):
    with pytest.raises(CommandError) as refused:
        run("grids", "export", "--within", "NOPE")
    assert refused.value.returncode == 2


# --- locate -----------------------------------------------------------------------------------


def test_locate_prints_the_grid_and_its_ancestors(tree):
    out, _err = run("grids", "locate", str(LON0 + SIDE / 2), str(LAT0 + SIDE / 2))
    assert out.splitlines() == [
        f"{tree.grid_a.code} 石冲社区第一网格",
        "蓬江区 › 环市街道 › 石冲社区",
    ]


def test_locate_says_when_no_grid_contains_the_point_and_exits_with_1(tree):
    out = io.StringIO()
    with pytest.raises(SystemExit) as ended:
        call_command("grids", "locate", "-73.9", "40.7", stdout=out)
    assert ended.value.code == 1
    assert out.getvalue().strip() == "No grid contains the point (-73.9, 40.7)."


@pytest.mark.parametrize(
    ("lon", "lat", "said"),
    [("abc", "22", "longitude abc"), ("113", "95", "latitude 95"), ("nan", "22", "longitude")],
)
def test_a_bad_longitude_or_latitude_exits_with_2(lon, lat, said, capsys):
    # Through the `wangge` command itself, as a script would run it (no database needed).
    assert main(["wangge", "grids", "locate", lon, lat]) == 2
    assert said in capsys.readouterr().err


# --- gaps -------------------------------------------------------------------------------------


def test_gaps_says_which_communities_have_no_boundary(tree):
    out, _err = run("grids", "gaps")
    said = "has no boundary, so its coverage cannot be measured."
    assert out.splitlines() == sorted(
        [f"{tree.community.code} 石冲社区: {said}", f"{tree.other_community.code} 东成社区: {said}"]
    )


def test_gaps_of_a_community_lists_each_gap_and_spill(tree, tmp_path):
    outline = square(LON0, LAT0, 1.5 * SIDE)  # covers A, half of B, and land north of them
    feature = {"type": "Feature", "properties": {"code": tree.community.code}, "geometry": outline}
    path = write_json(tmp_path / "outline.geojson", collection(feature))
    assert run("org", "boundaries", str(path))[0].strip() == "Boundaries: 1 updated, 0 unchanged."
    out, _err = run("grids", "gaps", tree.community.code)
    lines = out.splitlines()
    assert lines[0].startswith(f"{tree.community.code} 石冲社区: ")
    assert "m² not covered by any grid" in lines[0]
    assert lines[1].startswith("  gap 1: ")
    assert lines[2].startswith(f"  grid {tree.grid_b.code} 石冲社区第二网格 spills ")


def test_gaps_can_be_written_as_geojson(tree, tmp_path):
    feature = {
        "type": "Feature",
        "properties": {"code": tree.community.code},
        "geometry": square(LON0, LAT0, 1.5 * SIDE),
    }
    run("org", "boundaries", str(write_json(tmp_path / "o.geojson", collection(feature))))
    out, _err = run("grids", "gaps", tree.community.code, "--geojson")
    problems = [f["properties"]["problem"] for f in json.loads(out)["features"]]
    assert problems == ["gap", "spill"]


@pytest.mark.parametrize("code", ["NOPE", "440703006107001"])
def test_gaps_of_an_unknown_unit_or_a_grid_exit_with_2(tree, code):
    with pytest.raises(CommandError) as refused:
        run("grids", "gaps", code)
    assert refused.value.returncode == 2


# --- org boundaries ---------------------------------------------------------------------------


def test_a_refused_boundary_file_exits_with_1(tree, tmp_path):
    feature = {"type": "Feature", "properties": {"code": "NOPE"}, "geometry": square(LON0, LAT0)}
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "org",
            "boundaries",
            str(write_json(tmp_path / "b.geojson", collection(feature))),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert refused.value.returncode == 1
    assert "Feature 1 (code NOPE): Its code NOPE matches no unit." in err.getvalue()


def test_locate_many_adds_the_grid_to_every_row_of_a_csv(tree, tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "名称,经度,纬度\n"
        f"甲,{LON0 + SIDE / 2},{LAT0 + SIDE / 2}\n"
        f"乙,{LON0 + 1.5 * SIDE},{LAT0 + SIDE / 2}\n"
        "丙,100.0,10.0\n",
        encoding="gb18030",  # as Excel on Chinese Windows saves it
    )
    out, _err = run("grids", "locate-many", str(ledger))
    assert out.splitlines() == [
        "名称,经度,纬度,grid_code,grid_name",
        f"甲,{LON0 + SIDE / 2},{LAT0 + SIDE / 2},{tree.grid_a.code},{tree.grid_a.name}",
        f"乙,{LON0 + 1.5 * SIDE},{LAT0 + SIDE / 2},{tree.grid_b.code},{tree.grid_b.name}",
        "丙,100.0,10.0,,",
    ]


def test_locate_many_names_the_bad_row_and_writes_nothing(tree, tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"lon,lat\n{LON0},{LAT0}\nabc,{LAT0}\n", encoding="utf-8")
    target = tmp_path / "located.csv"
    with pytest.raises(CommandError, match="Row 3: The longitude abc is not a number") as refused:
        run("grids", "locate-many", str(ledger), "--out", str(target))
    assert refused.value.returncode == 2
    assert not target.exists()


def test_locate_many_says_which_column_is_missing(tree, tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("x_coord,lat\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no lon / lng / longitude / x / 经度 column"):
        run("grids", "locate-many", str(ledger))
