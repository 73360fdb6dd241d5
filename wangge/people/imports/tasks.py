"""The import as a background task (Django's Tasks API, run by `wangge worker`), for a page
that stores the upload and comes back for the result.

The task returns the result as JSON (kept by the task backend); progress is not stored, since
that needs a table of its own (see the import's report): the page polls the task's status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django_tasks import task

from wangge.core.models import User
from wangge.people.exceptions import Invalid
from wangge.people.imports import import_registry

PROBLEMS_KEPT = 200


@task()
def import_registry_file(
    path: str,
    actor_id: int | None = None,
    *,
    kind: str | None = None,
    valid_only: bool = False,
    errors_path: str = "",
) -> dict[str, Any]:
    """Import the stored file at `path` as the user `actor_id` (None: the system); the error
    sheet, if any row was refused, is written to `errors_path`."""
    actor = User.objects.get(pk=actor_id) if actor_id is not None else None
    try:
        result = import_registry(actor, Path(path), kind=kind, valid_only=valid_only)
    except Invalid as error:
        return {"is_refused": True, "message": error.message}
    if result.error_sheet is not None:
        with result.error_sheet:
            if errors_path:
                Path(errors_path).write_bytes(result.error_sheet.read())
    return {
        "is_refused": False,
        "kind": result.kind,
        "rows": result.rows,
        "written": result.written,
        "refused": result.refused,
        "is_truncated": result.is_truncated,
        "counts": result.counts,
        "problems": [str(problem) for problem in result.problems[:PROBLEMS_KEPT]],
        "errors_path": errors_path if result.error_sheet is not None else "",
    }
