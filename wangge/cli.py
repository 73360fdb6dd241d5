"""The `wangge` command: Django's management commands, plus a few names of our own.

`wangge worker` runs the background task worker; everything else is passed to Django, so
`wangge migrate`, `wangge grids import FILE` and `wangge demo` all work the same way.
"""

from __future__ import annotations

import os
import sys

ALIASES = {"worker": ["db_worker"]}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "wangge"
    if len(args) > 1 and args[1] in ALIASES:
        args[1:2] = ALIASES[args[1]]
    try:
        execute_from_command_line(args)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0
