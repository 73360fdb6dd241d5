"""The `wangge` command: Django's management commands under one name.

Everything is passed to Django, so `wangge migrate`, `wangge grids import FILE`, `wangge demo`
and `wangge worker` (the background worker: periodic jobs and queued tasks, see
`wangge.core.management.commands.worker`) all work the same way.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "wangge"
    try:
        execute_from_command_line(args)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0
