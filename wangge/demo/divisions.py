"""The real divisions of 蓬江区 that the demo loads: the district, its 6 towns and subdistricts
and its 139 villages and communities, with their 12-digit statistical codes.

The codes and names are public facts (National Bureau of Statistics 2023 统计用区划代码); the
package carries them in `data/pengjiang_divisions.csv` so that the demo needs nothing outside
the package. `divisions_from_statistics` rebuilds that file from the published tables, which is
how it was made and how a test checks it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from wangge.org.roles import UnitKind

DISTRICT_CODE = "440703000000"
DISTRICT_NAME = "蓬江区"
COUNTY_CODE6 = DISTRICT_CODE[:6]
DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "pengjiang_divisions.csv"
FIELDS = ("code", "name", "kind", "parent_code", "statistical_name")

# The statistics name the committee (居委会/村委会), residents and reports name the place.
# Longest suffix first: 社区居民委员会 also ends in 委员会.
_COMMITTEE_SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("社区居民委员会", "社区", UnitKind.COMMUNITY),
    ("社区居委会", "社区", UnitKind.COMMUNITY),
    ("居民委员会", "社区", UnitKind.COMMUNITY),
    ("居委会", "社区", UnitKind.COMMUNITY),
    ("村民委员会", "村", UnitKind.VILLAGE),
    ("村委会", "村", UnitKind.VILLAGE),
)
_TOWN_KINDS = {"镇": UnitKind.TOWN, "街道": UnitKind.SUBDISTRICT}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    kind: str
    parent_code: str  # "" for the district
    statistical_name: str

    @property
    def is_area(self) -> bool:
        """A village or community: the level grids are drawn in."""
        return self.kind in (UnitKind.COMMUNITY, UnitKind.VILLAGE)


def display_name(statistical_name: str) -> tuple[str, str]:
    """'羊桥社区居委会' → ('羊桥社区', community); '上巷村委会' → ('上巷村', village)."""
    for suffix, replacement, kind in _COMMITTEE_SUFFIXES:
        if statistical_name.endswith(suffix):
            return statistical_name[: -len(suffix)] + replacement, kind
    raise ValueError(f"not a village or community committee: {statistical_name}")


def load_divisions(path: Path = DIVISIONS_CSV) -> list[Division]:
    """The divisions in tree order: the district, then each town followed by its areas."""
    with path.open(encoding="utf-8", newline="") as file:
        return [Division(**{field: row[field] for field in FIELDS}) for row in csv.DictReader(file)]


def divisions_from_statistics(towns_csv: Path, villages_csv: Path) -> list[Division]:
    """Extract 蓬江区 from the published Jiangmen tables (jiangmen_towns/villages.csv)."""
    with towns_csv.open(encoding="utf-8-sig", newline="") as file:
        towns = [row for row in csv.DictReader(file) if row["county_code12"] == DISTRICT_CODE]
    with villages_csv.open(encoding="utf-8-sig", newline="") as file:
        villages = [row for row in csv.DictReader(file) if row["county_code6"] == COUNTY_CODE6]
    divisions = [Division(DISTRICT_CODE, DISTRICT_NAME, UnitKind.DISTRICT, "", DISTRICT_NAME)]
    for town in sorted(towns, key=lambda row: row["code12"]):
        divisions.append(
            Division(
                town["code12"], town["name"], _TOWN_KINDS[town["type"]], DISTRICT_CODE, town["name"]
            )
        )
        for village in sorted(villages, key=lambda row: row["code12"]):
            if village["town_code12"] != town["code12"]:
                continue
            name, kind = display_name(village["name"])
            divisions.append(
                Division(village["code12"], name, kind, town["code12"], village["name"])
            )
    return divisions


def write_divisions(divisions: list[Division], path: Path = DIVISIONS_CSV) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(FIELDS)
        for division in divisions:
            writer.writerow([getattr(division, field) for field in FIELDS])


if __name__ == "__main__":  # python -m wangge.demo.divisions ../shared/data/divisions
    import sys

    source = Path(sys.argv[1])
    write_divisions(
        divisions_from_statistics(source / "jiangmen_towns.csv", source / "jiangmen_villages.csv")
    )
