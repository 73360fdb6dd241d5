"""`wangge restore ARCHIVE [--yes]`: put back a backup made by `wangge backup`.

The whole archive is checked first; it is refused, with nothing changed, when it is damaged,
holds the other database vendor (SQLite / PostgreSQL) or comes from a newer version of Wangge,
and when the database already has tables unless --yes allows replacing all of its contents.
Then the database is replaced, the uploaded files are put back under MEDIA_ROOT and every
table's row count is compared with the archive's. Stop the server and the worker first.

Exit codes: 0 restored and every count matches; 1 refused, failed, or counts that differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from wangge.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # A property, so the text is translated when the parser is made (argparse needs str).
        return _("Restore the database and the uploaded files from an archive of `wangge backup`.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help=_("Archive written by `wangge backup`"))
        parser.add_argument(
            "--yes",
            action="store_true",
            help=_("Replace the contents of a database that is not empty"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = restore_backup(
                Path(options["archive"]), replace=options["yes"], progress=self.stdout.write
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        for name, rows in summary.expected.items():
            if rows:
                self.stdout.write(f"  {name:<40} {rows:>10}")
        self.stdout.write(
            _("%(files)d uploaded files (%(bytes)s) restored.")
            % {"files": summary.files, "bytes": filesizeformat(summary.file_bytes)}
        )
        if summary.keys_differ:
            self.stderr.write(
                _(
                    "The archive was made with other data keys: personal data stays unreadable "
                    "until WANGGE_DATA_KEYS and WANGGE_INDEX_KEY are set as on the original "
                    "server."
                )
            )
        if summary.pending_migrations:
            self.stdout.write(
                _(
                    "The archive comes from an older version (%(count)d migrations not applied): "
                    "run `wangge migrate` now."
                )
                % {"count": len(summary.pending_migrations)}
            )
        if summary.mismatched:
            raise CommandError(
                _("Row counts differ from the archive in %(tables)s.")
                % {
                    "tables": ", ".join(
                        f"{name} ({summary.counted[name]} ≠ {summary.expected[name]})"
                        for name in summary.mismatched
                    )
                }
            )
        self.stdout.write(
            _("Restored: %(tables)d tables, %(rows)d rows, every count matching the archive.")
            % {"tables": len(summary.expected), "rows": sum(summary.expected.values())}
        )
