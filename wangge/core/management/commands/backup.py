"""`wangge backup [PATH]`: the database, every uploaded file and a manifest in one archive.

    wangge backup                    var/backups/wangge-YYYYMMDD-HHMMSS.tar.gz
    wangge backup /srv/backups/      that name, in another directory
    wangge backup FILE.tar.gz        exactly that file (never overwritten)

Safe while the server runs (see `wangge.core.backup`). The data keys are not in the archive:
keep them apart. Exit codes: 0 written; 1 refused or failed (nothing is left behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from wangge.core.backup import BackupError, default_backup_path, make_backup


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so the text is translated when the parser is made (argparse needs str).
        return _("Back up the database and the uploaded files into one archive.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help=_("Archive to write, or a directory for it; var/backups/ when left out"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        given = Path(options["path"]) if options["path"] else None
        destination = (
            default_backup_path(given) if given is None or given.is_dir() else given.resolve()
        )
        try:
            summary = make_backup(destination, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Backup written: %(path)s (%(size)s).")
            % {"path": summary.path, "size": filesizeformat(summary.size)}
        )
        self.stdout.write(
            _("%(tables)d tables, %(rows)d rows; %(files)d uploaded files (%(bytes)s).")
            % {
                "tables": len(summary.tables),
                "rows": summary.rows,
                "files": summary.files,
                "bytes": filesizeformat(summary.file_bytes),
            }
        )
        self.stdout.write(
            _(
                "The archive does not hold the data keys (WANGGE_DATA_KEYS, WANGGE_INDEX_KEY or "
                "data_key and index_key in var/): keep them safe, apart from it."
            )
        )
