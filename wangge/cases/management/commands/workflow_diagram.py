"""`wangge workflow_diagram [--check]`: write docs/workflow.md from the transition table, or (with
`--check`) exit 1 when the file is not what the table would write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from wangge.cases.workflow import markdown_document

# wangge/cases/management/commands/ → the repository root.
DEFAULT_PATH = Path(__file__).resolve().parents[4] / "docs" / "workflow.md"


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Write the case workflow diagram (docs/workflow.md) from the transition table.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("Write nothing; exit with status 1 if the file is out of date."),
        )
        parser.add_argument(
            "--output", type=Path, default=DEFAULT_PATH, help=_("File to write or check")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["output"]
        text = markdown_document()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                self.stderr.write(
                    _("%(path)s is out of date; run: wangge workflow_diagram") % {"path": path}
                )
                raise SystemExit(1)
            self.stdout.write(_("%(path)s is up to date.") % {"path": path})
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(_("Wrote %(path)s.") % {"path": path})
