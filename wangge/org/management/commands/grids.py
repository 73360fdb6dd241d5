"""`wangge grids import|export|locate|gaps`: the grid map from the command line.

    wangge grids import FILE.geojson     create or update grids; all or nothing
    wangge grids export [FILE]           the map as GeoJSON (standard output without FILE)
    wangge grids locate LON LAT          the grid containing a point
    wangge grids gaps [CODE]             land no grid covers, per community

Exit codes: 0 done; 1 refused (a file with problems) or, for `locate`, no grid contains the
point (so scripts can test it like grep); 2 bad input (an unreadable file, a code that matches
no unit, a longitude or latitude that is not a number on the globe).
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from shapely.geometry import shape

from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit
from wangge.org.locate import locate
from wangge.org.management.geojson_files import (
    EXIT_REFUSED,
    EXIT_USAGE,
    feature_collection_text,
    read_file,
    refuse_file,
    write_text,
)
from wangge.org.models import OrgUnit
from wangge.org.queries import CommunityCoverage, coverage_gaps, export_grids
from wangge.org.roles import ROOT_KINDS
from wangge.org.services import import_grids


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so the text is translated when the parser is made (argparse needs str).
        return _("Import, export and check the grid map; find the grid of a point.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser(
            "import", help=_("Create or update grids from a GeoJSON FeatureCollection.")
        )
        importing.add_argument("file", help=_("GeoJSON file (UTF-8), or - for standard input"))
        exporting = actions.add_parser("export", help=_("Write the grid map as GeoJSON."))
        exporting.add_argument(
            "file", nargs="?", help=_("File to write; standard output when left out")
        )
        exporting.add_argument("--within", metavar="CODE", help=_("Only the grids under a unit"))
        locating = actions.add_parser(
            "locate", help=_("Name the grid containing a point (exit code 1 when none does).")
        )
        locating.add_argument("lon", help=_("Longitude, WGS84"))
        locating.add_argument("lat", help=_("Latitude, WGS84"))
        gaps = actions.add_parser(
            "gaps", help=_("Show land no grid covers and grids spilling outside their community.")
        )
        gaps.add_argument("code", nargs="?", help=_("A unit's code; the whole tree when left out"))
        gaps.add_argument(
            "--geojson", action="store_true", help=_("Print the gaps and spills as GeoJSON")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self.import_file(options["file"])
        elif action == "export":
            self.export_file(options["file"], options["within"])
        elif action == "locate":
            self.locate_point(options["lon"], options["lat"])
        else:
            self.show_gaps(options["code"], as_geojson=options["geojson"])

    def import_file(self, name: str) -> None:
        source = read_file(name)
        try:
            summary = import_grids(None, source)
        except GeoJSONInvalid as error:
            raise refuse_file(self, error) from None
        self.stdout.write(
            _("Grids: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
            % {
                "created": len(summary.created),
                "updated": len(summary.updated),
                "unchanged": len(summary.unchanged),
            }
        )

    def export_file(self, name: str | None, within_code: str | None) -> None:
        within = _unit(within_code) if within_code else None
        collection = export_grids(within)
        write_text(self.stdout, name, feature_collection_text(collection))
        if name and name != "-":
            self.stdout.write(
                _("Wrote %(count)s grids to %(file)s.")
                % {"count": len(collection["features"]), "file": name}
            )

    def locate_point(self, lon_text: str, lat_text: str) -> None:
        lon = _coordinate(lon_text, _("longitude"), 180)
        lat = _coordinate(lat_text, _("latitude"), 90)
        located = locate(lon, lat)
        if located is None:
            self.stdout.write(
                _("No grid contains the point (%(lon)s, %(lat)s).") % {"lon": lon, "lat": lat}
            )
            raise SystemExit(EXIT_REFUSED)
        self.stdout.write(f"{located.code} {located.name}")
        if located.ancestors:
            self.stdout.write(" › ".join(unit["name"] for unit in located.ancestors))

    def show_gaps(self, code: str | None, *, as_geojson: bool) -> None:
        if code:
            units = [_unit(code)]
        else:
            units = list(OrgUnit.objects.filter(parent__isnull=True, kind__in=ROOT_KINDS))
        try:
            report = [coverage for unit in units for coverage in coverage_gaps(unit)]
        except InvalidUnit as error:
            raise CommandError(error.message, returncode=EXIT_USAGE) from None
        if as_geojson:
            write_text(self.stdout, None, feature_collection_text(_coverage_features(report)))
            return
        if not report:
            self.stdout.write(_("There are no communities or villages to check."))
        for coverage in report:
            self._write_coverage(coverage)

    def _write_coverage(self, coverage: CommunityCoverage) -> None:
        title = f"{coverage.code} {coverage.name}"
        if not coverage.has_boundary:
            self.stdout.write(
                _("%(unit)s: has no boundary, so its coverage cannot be measured.")
                % {"unit": title}
            )
            return
        if coverage.is_covered:
            self.stdout.write(_("%(unit)s: fully covered by its grids.") % {"unit": title})
        else:
            self.stdout.write(
                _("%(unit)s: %(gap)s m² of %(area)s m² not covered by any grid.")
                % {"unit": title, "gap": _m2(coverage.gap_m2), "area": _m2(coverage.area_m2)}
            )
        for number, gap in enumerate(coverage.gaps, 1):
            self.stdout.write(
                "  "
                + _("gap %(number)s: %(area)s m² around %(point)s")
                % {"number": number, "area": _m2(gap.area_m2), "point": _point_in(gap.geometry)}
            )
        for spill in coverage.spills:
            self.stdout.write(
                "  "
                + _("grid %(grid)s spills %(area)s m² outside the community")
                % {"grid": f"{spill.code} {spill.name}", "area": _m2(spill.area_m2)}
            )
        if coverage.grids_without_boundary:
            self.stdout.write(
                "  "
                + _("grids without a boundary: %(codes)s")
                % {"codes": ", ".join(coverage.grids_without_boundary)}
            )


def _unit(code: str) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(
            _("No unit has the code %(code)s.") % {"code": code}, returncode=EXIT_USAGE
        )
    return unit


def _coordinate(text: str, axis: str, limit: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:
        raise CommandError(
            _("The %(axis)s %(value)s is not a number within -%(limit)s..%(limit)s.")
            % {"axis": axis, "value": text, "limit": limit},
            returncode=EXIT_USAGE,
        )
    return value


def _m2(area: float | None) -> str:
    return f"{area or 0:,.1f}"


def _point_in(geometry: dict[str, Any]) -> str:
    point = shapely.point_on_surface(shape(geometry))
    return f"({point.x:.6f}, {point.y:.6f})"


def _coverage_features(report: list[CommunityCoverage]) -> dict[str, Any]:
    features = []
    for coverage in report:
        community = {"community_code": coverage.code, "community_name": coverage.name}
        features.extend(
            {
                "type": "Feature",
                "properties": {**community, "problem": "gap", "area_m2": round(gap.area_m2, 1)},
                "geometry": gap.geometry,
            }
            for gap in coverage.gaps
        )
        features.extend(
            {
                "type": "Feature",
                "properties": {
                    **community,
                    "problem": "spill",
                    "grid_code": spill.code,
                    "grid_name": spill.name,
                    "area_m2": round(piece.area_m2, 1),
                },
                "geometry": piece.geometry,
            }
            for spill in coverage.spills
            for piece in spill.pieces
        )
    return {"type": "FeatureCollection", "features": features}
