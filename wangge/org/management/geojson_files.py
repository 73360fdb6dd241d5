"""What the `grids` and `org` commands share: reading a GeoJSON file named on the command line,
writing one, and printing every problem of a refused file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wangge.org.exceptions import GeoJSONInvalid

# Exit codes of the commands: 1 when the work was refused or found nothing, 2 for bad input.
EXIT_REFUSED = 1
EXIT_USAGE = 2


def read_file(name: str) -> bytes:
    """The bytes of a file, or of standard input for `-`; decoding is the importer's job."""
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise CommandError(
            _("Cannot read %(file)s: %(reason)s") % {"file": name, "reason": error.strerror},
            returncode=EXIT_USAGE,
        ) from None


def refuse_file(command: BaseCommand, error: GeoJSONInvalid) -> CommandError:
    """Print every problem, one a line, and return the error that ends the command."""
    for problem in error.errors:
        command.stderr.write(str(problem))
    return CommandError(
        ngettext(
            "The file has %(count)s problem; nothing was written.",
            "The file has %(count)s problems; nothing was written.",
            len(error.errors),
        )
        % {"count": len(error.errors)},
        returncode=EXIT_REFUSED,
    )


def feature_collection_text(collection: dict[str, Any]) -> str:
    """GeoJSON with one feature a line: readable Chinese (no \\u escapes) and small diffs."""
    features = ",\n".join(
        json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        for feature in collection["features"]
    )
    head = {key: value for key, value in collection.items() if key != "features"}
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    if not features:
        return f'{opening}, "features": []}}\n'
    return f'{opening}, "features": [\n{features}\n]}}\n'


def write_text(stdout: OutputWrapper, name: str | None, text: str) -> None:
    """To a file as UTF-8, or to standard output as UTF-8 whatever the terminal's locale."""
    if name and name != "-":
        try:
            Path(name).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(reason)s") % {"file": name, "reason": error.strerror},
                returncode=EXIT_USAGE,
            ) from None
        return
    binary = getattr(stdout, "buffer", None)
    if binary is not None:
        stdout.flush()
        binary.write(text.encode("utf-8"))
        binary.flush()
    else:
        stdout.write(text, ending="")
