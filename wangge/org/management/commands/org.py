"""`wangge org boundaries FILE`: set the boundaries of existing communities, villages, towns and
districts from a GeoJSON FeatureCollection (features matched by their `code` property)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from wangge.org.exceptions import GeoJSONInvalid
from wangge.org.management.geojson_files import read_file, refuse_file
from wangge.org.services import import_boundaries


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so the text is translated when the parser is made (argparse needs str).
        return _("Maintain the org tree from files.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        boundaries = actions.add_parser(
            "boundaries",
            help=_("Set the boundaries of existing units from a GeoJSON file, by code."),
        )
        boundaries.add_argument("file", help=_("GeoJSON file (UTF-8), or - for standard input"))

    def handle(self, *args: Any, **options: Any) -> None:
        source = read_file(options["file"])
        try:
            summary = import_boundaries(None, source)
        except GeoJSONInvalid as error:
            raise refuse_file(self, error) from None
        self.stdout.write(
            _("Boundaries: %(updated)s updated, %(unchanged)s unchanged.")
            % {"updated": len(summary.updated), "unchanged": len(summary.unchanged)}
        )
