"""`wangge people import|template|export`: the registry's Excel ledgers from the command line.

    wangge people import FILE [--kind KIND] [--valid-only] [--errors-out FILE.xlsx]
    wangge people template KIND --out FILE.xlsx     (compounds, buildings, houses, persons)
    wangge people export --grid CODE --out FILE.xlsx [--houses]

The command acts as the system (every grid). Exit codes: 0 done; 1 rows were refused (nothing
written, or with --valid-only only the valid rows); 2 bad input (a file that cannot be read, an
unknown header, kind or grid code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wangge.org.models import OrgUnit
from wangge.people.exceptions import Invalid
from wangge.people.exports import RegistryExport, export_houses, export_persons
from wangge.people.imports import (
    COUNT_LABELS,
    KINDS,
    ImportResult,
    build_template,
    import_registry,
)
from wangge.people.models import House, Person

EXIT_REFUSED = 1
EXIT_USAGE = 2
PROGRESS_EVERY = 10_000
PROBLEMS_SHOWN = 20


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Import and export the registry of houses and residents as Excel sheets.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser(
            "import", help=_("Import a sheet (xlsx, or CSV in UTF-8 or GBK); all or nothing.")
        )
        importing.add_argument("file", help=_("The xlsx or CSV file"))
        importing.add_argument(
            "--kind", choices=list(KINDS), help=_("The kind of sheet; guessed from its headers")
        )
        importing.add_argument(
            "--valid-only",
            action="store_true",
            help=_("Write the valid rows even when others are refused"),
        )
        importing.add_argument(
            "--errors-out",
            metavar="FILE",
            help=_("Where to write the refused rows with their errors (xlsx)"),
        )
        template = actions.add_parser("template", help=_("Write the empty sheet of a kind."))
        template.add_argument("kind", choices=list(KINDS))
        template.add_argument("--out", metavar="FILE", required=True, help=_("File to write"))
        exporting = actions.add_parser(
            "export", help=_("Write the persons (or houses) of a grid, masked.")
        )
        exporting.add_argument("--grid", metavar="CODE", required=True, help=_("A grid's code"))
        exporting.add_argument("--out", metavar="FILE", required=True, help=_("File to write"))
        exporting.add_argument(
            "--houses", action="store_true", help=_("Export the houses instead of the persons")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self.import_file(
                options["file"], options["kind"], options["valid_only"], options["errors_out"]
            )
        elif action == "template":
            _write(options["out"], build_template(options["kind"]))
            self.stdout.write(_("Wrote %(file)s.") % {"file": options["out"]})
        else:
            self.export_grid(options["grid"], options["out"], houses=options["houses"])

    def import_file(
        self, name: str, kind: str | None, valid_only: bool, errors_out: str | None
    ) -> None:
        self._shown = 0
        if not Path(name).is_file():
            raise CommandError(
                _("Cannot read %(file)s: no such file.") % {"file": name}, returncode=EXIT_USAGE
            )
        try:
            result = import_registry(
                None, Path(name), kind=kind, valid_only=valid_only, progress=self._progress
            )
        except Invalid as error:
            raise CommandError(
                _("%(file)s: %(problem)s") % {"file": name, "problem": error.message},
                returncode=EXIT_USAGE,
            ) from None
        self.stdout.write(_summary(result))
        if result.is_complete:
            return
        for problem in result.problems[:PROBLEMS_SHOWN]:
            self.stderr.write(str(problem))
        if len(result.problems) > PROBLEMS_SHOWN:
            self.stderr.write(
                _("… and %(count)s more problems.")
                % {"count": len(result.problems) - PROBLEMS_SHOWN}
            )
        if result.error_sheet is not None:
            with result.error_sheet:
                if errors_out:
                    _write(errors_out, result.error_sheet.read())
                    self.stderr.write(
                        _("Wrote the error sheet to %(file)s.") % {"file": errors_out}
                    )
        raise CommandError(_refusal(result, valid_only), returncode=EXIT_REFUSED)

    def _progress(self, done: int, total: int) -> None:
        if done // PROGRESS_EVERY != self._shown // PROGRESS_EVERY:
            self.stderr.write(
                _("%(done)s of %(total)s rows") % {"done": f"{done:,}", "total": f"{total:,}"}
            )
        self._shown = done

    def export_grid(self, code: str, out: str, *, houses: bool) -> None:
        grid = OrgUnit.objects.filter(code=code).first()
        if grid is None:
            raise CommandError(
                _("No unit has the code %(code)s.") % {"code": code}, returncode=EXIT_USAGE
            )
        export: RegistryExport
        if houses:
            export = export_houses(None, House.objects.filter(grid=grid))
        else:
            export = export_persons(None, Person.objects.filter(grid=grid))
        with export.file:
            _write(out, export.file.read())
        self.stdout.write(
            ngettext(
                "Wrote %(count)s row to %(file)s.", "Wrote %(count)s rows to %(file)s.", export.rows
            )
            % {"count": export.rows, "file": out}
        )


def _write(name: str, data: bytes) -> None:
    try:
        Path(name).write_bytes(data)
    except OSError as error:
        raise CommandError(
            _("Cannot write %(file)s: %(reason)s") % {"file": name, "reason": error.strerror},
            returncode=EXIT_USAGE,
        ) from None


def _summary(result: ImportResult) -> str:
    done = _("%(written)s of %(rows)s rows written.") % {
        "written": f"{result.written:,}",
        "rows": f"{result.rows:,}",
    }
    counts = ", ".join(
        f"{COUNT_LABELS.get(name, name)}: {count:,}" for name, count in result.counts.items()
    )
    return f"{done} {counts}".strip() if result.written else done


def _refusal(result: ImportResult, valid_only: bool) -> str:
    if valid_only:
        return ngettext(
            "%(count)s row was refused; the others were written.",
            "%(count)s rows were refused; the others were written.",
            result.refused,
        ) % {"count": f"{result.refused:,}"}
    return ngettext(
        "%(count)s row was refused; nothing was written.",
        "%(count)s rows were refused; nothing was written.",
        result.refused,
    ) % {"count": f"{result.refused:,}"}
