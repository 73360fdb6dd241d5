"""The real divisions the demo carries: 蓬江区, its 6 towns and subdistricts and its 139 villages
and communities, with their statistical codes and the names people use."""

from pathlib import Path

import pytest

from wangge.demo.divisions import (
    DISTRICT_CODE,
    display_name,
    divisions_from_statistics,
    load_divisions,
)
from wangge.org.roles import UnitKind

# The shared data set sits next to the repository (../shared/data); it is not shipped.
SHARED_DIVISIONS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "divisions"

NAMED_PLACES = [
    ("石冲社区", "440703006107", UnitKind.COMMUNITY),
    ("甘化社区", "440703002153", UnitKind.COMMUNITY),
    ("东成社区", "440703002129", UnitKind.COMMUNITY),
    ("雅怡社区", "440703002132", UnitKind.COMMUNITY),
    ("滨江社区", "440703101002", UnitKind.COMMUNITY),
    ("富冈社区", "440703005103", UnitKind.COMMUNITY),
    ("上巷村", "440703103213", UnitKind.VILLAGE),
    ("松园村", "440703103214", UnitKind.VILLAGE),
    ("长乔村", "440703103218", UnitKind.VILLAGE),
]


@pytest.mark.skipif(
    not SHARED_DIVISIONS.is_dir(),
    reason=f"the shared division tables are not here ({SHARED_DIVISIONS}); "
    "nothing to compare the packaged copy with",
)
def test_the_packaged_divisions_are_those_published_by_the_statistics_bureau():
    published = divisions_from_statistics(
        SHARED_DIVISIONS / "jiangmen_towns.csv", SHARED_DIVISIONS / "jiangmen_villages.csv"
    )
    assert load_divisions() == published


def test_the_district_has_6_towns_and_139_villages_and_communities():
    divisions = load_divisions()
    kinds = [division.kind for division in divisions]
    assert kinds.count(UnitKind.DISTRICT) == 1
    assert kinds.count(UnitKind.TOWN) + kinds.count(UnitKind.SUBDISTRICT) == 6
    assert kinds.count(UnitKind.COMMUNITY) + kinds.count(UnitKind.VILLAGE) == 139


def test_every_division_hangs_under_the_one_before_it_in_the_tree():
    divisions = load_divisions()
    codes = {division.code for division in divisions}
    assert len(codes) == len(divisions)
    assert divisions[0].code == DISTRICT_CODE
    seen: set[str] = set()
    for division in divisions:
        assert len(division.code) == 12
        assert division.code.isdigit()
        if division.parent_code:
            assert division.parent_code in seen  # parents come first
            prefix = 6 if division.kind in (UnitKind.TOWN, UnitKind.SUBDISTRICT) else 9
            assert division.code[:prefix] == division.parent_code[:prefix]
        seen.add(division.code)


@pytest.mark.parametrize(("name", "code", "kind"), NAMED_PLACES)
def test_places_named_in_reports_exist_with_their_real_codes(name, code, kind):
    by_name = {division.name: division for division in load_divisions()}
    assert by_name[name].code == code
    assert by_name[name].kind == kind


@pytest.mark.parametrize(
    ("statistical_name", "name", "kind"),
    [
        ("羊桥社区居委会", "羊桥社区", UnitKind.COMMUNITY),
        ("滨江社区居民委员会", "滨江社区", UnitKind.COMMUNITY),
        ("上巷村委会", "上巷村", UnitKind.VILLAGE),
        ("良村村委会", "良村村", UnitKind.VILLAGE),
        ("瑶村社区居委会", "瑶村社区", UnitKind.COMMUNITY),
    ],
)
def test_a_committee_name_becomes_the_name_of_its_place(statistical_name, name, kind):
    assert display_name(statistical_name) == (name, kind)


def test_a_name_that_is_not_a_committee_is_refused():
    with pytest.raises(ValueError, match="not a village or community"):
        display_name("白沙街道")
