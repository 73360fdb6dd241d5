"""`wangge grids import|export|locate|gaps`: the grid map from the command line.

    wangge grids import FILE.geojson     create or update grids; all or nothing
    wangge grids export [FILE]           the map as GeoJSON (standard output without FILE)
    wangge grids locate LON LAT          the grid containing a point
    wangge grids locate-many FILE.csv    the grid of every row of a CSV with lon and lat columns
    wangge grids gaps [CODE]             land no grid covers, per community

Exit codes: 0 done; 1 refused (a file with problems) or, for `locate`, no grid contains the
point (so scripts can test it like grep); 2 bad input (an unreadable file, a code that matches
no unit, a longitude or latitude that is not a number on the globe).
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import shapely
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from shapely.geometry import shape

from wangge.org.exceptions import GeoJSONInvalid, InvalidUnit
from wangge.org.locate import locate, locate_points
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
        locating_many = actions.add_parser(
            "locate-many",
            help=_(
                "Add the grid code and name to every row of a CSV file with lon and lat columns."
            ),
        )
        locating_many.add_argument(
            "file", help=_("CSV file (UTF-8 or GBK) with a header row, or - for standard input")
        )
        locating_many.add_argument(
            "--out", metavar="FILE", help=_("File to write; standard output when left out")
        )
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
        elif action == "locate-many":
            self.locate_rows(options["file"], options["out"])
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

    def locate_rows(self, name: str, out: str | None) -> None:
        """Every row is checked before anything is written, so a bad row leaves no half file."""
        header, rows = read_csv_rows(read_file(name))
        lon_column = _column(header, LON_HEADERS)
        lat_column = _column(header, LAT_HEADERS)
        points = [
            (
                _coordinate(_cell(row, lon_column), _("longitude"), 180, row=number),
                _coordinate(_cell(row, lat_column), _("latitude"), 90, row=number),
            )
            for number, row in enumerate(rows, start=2)  # row 1 is the header
        ]
        found = locate_points(points)
        output = io.StringIO()
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow([*header, "grid_code", "grid_name"])
        for row, located in zip(rows, found, strict=True):
            writer.writerow(
                [*row, located.code if located else "", located.name if located else ""]
            )
        write_text(self.stdout, out, output.getvalue())
        if out and out != "-":
            self.stdout.write(
                _("Located %(found)s of %(count)s rows; wrote %(file)s.")
                % {"found": sum(1 for item in found if item), "count": len(rows), "file": out}
            )

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


def _coordinate(text: str, axis: str, limit: int, row: int | None = None) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:
        problem = _("The %(axis)s %(value)s is not a number within -%(limit)s..%(limit)s.") % {
            "axis": axis,
            "value": text,
            "limit": limit,
        }
        if row is not None:
            problem = _("Row %(row)s: %(problem)s") % {"row": row, "problem": problem}
        raise CommandError(problem, returncode=EXIT_USAGE)
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


LON_HEADERS = ("lon", "lng", "longitude", "x", "经度")
LAT_HEADERS = ("lat", "latitude", "y", "纬度")


def read_csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file; Excel on Chinese Windows saves GBK, so that is tried too."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise CommandError(_("The file is neither UTF-8 nor GBK text."), returncode=EXIT_USAGE)
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise CommandError(_("The file has no header row."), returncode=EXIT_USAGE)
    return [cell.strip() for cell in rows[0]], rows[1:]


def _column(header: list[str], names: tuple[str, ...]) -> int:
    lowered = [cell.lower() for cell in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise CommandError(
        _("The header row has no %(names)s column.") % {"names": " / ".join(names)},
        returncode=EXIT_USAGE,
    )


def _cell(row: list[str], column: int) -> str:
    return row[column].strip() if column < len(row) else ""
