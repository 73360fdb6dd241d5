"""`wangge analytics rebuild`: every rollup again from the cases, in one transaction (set-based
SQL; the dashboard keeps answering from the old rows until it commits).

    wangge analytics rebuild
    wangge analytics apply      (what the worker does every few seconds, once)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wangge.analytics import rollups


class Command(BaseCommand):
    help = "Build the case rollups from scratch, or apply the case events not yet applied."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "apply"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            self.stdout.write(str(rollups.rebuild()))
        else:
            self.stdout.write(rollups.apply_pending() or "nothing to apply")
