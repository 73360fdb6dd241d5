"""Registry imports run by the worker (`wangge worker`), so that a long file survives the
browser closing: the upload is stored, an `ImportJob` row records it, and a task imports it.

Files live under MEDIA_ROOT/imports/ (outside the web root), named by the job's uid: the upload
`<uid>.xlsx|.csv`, the error sheet `<uid>.errors.xlsx` and the progress `<uid>.progress.json`.

Progress goes to that small JSON file, written atomically (a temporary file, then
`os.replace`), and not to the database: the import writes everything in one transaction, and on
SQLite a second writer would wait for it to end. The job's row is updated before and after the
import, outside its transaction. The task runs in the language of the page that started it, so
its messages read as the user's own.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from wangge.core import clock
from wangge.core.models import User
from wangge.people.exceptions import Invalid
from wangge.people.imports import COUNT_LABELS, KINDS, import_registry
from wangge.people.models import ImportJob

logger = logging.getLogger(__name__)

SUFFIXES = (".xlsx", ".csv")
PROBLEMS_KEPT = 20
RUNNING = (ImportJob.State.QUEUED, ImportJob.State.CHECKING, ImportJob.State.WRITING)


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def max_upload_bytes() -> int:
    return settings.PEOPLE_IMPORT_MAX_BYTES


def progress_path(job: ImportJob) -> Path:
    return imports_dir() / f"{job.uid}.progress.json"


def start_import(
    actor: User, uploaded_file: UploadedFile, kind: str | None, valid_only: bool
) -> ImportJob:
    """Store the upload, record the job and queue its import (once the job is committed).
    Invalid (field "file" or "kind") for a file that is not taken."""
    kind = kind or ""
    if kind and kind not in KINDS:
        raise Invalid(_("Choose what the file holds."), "kind")
    name = Path(uploaded_file.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise Invalid(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."), "file")
    limit = max_upload_bytes()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise Invalid(
            _("The file is %(size)s MB; at most %(limit)s MB is taken. Split it in parts.")
            % {
                "size": f"{uploaded_file.size / 1048576:.1f}",
                "limit": f"{limit / 1048576:.0f}",
            },
            "file",
        )
    if not uploaded_file.size:
        raise Invalid(_("The file is empty."), "file")
    uid = uuid.uuid4()
    folder = imports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uid}{suffix}"
    with stored.open("wb") as out:
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(
        uid=uid,
        created_by=actor,
        kind=kind,
        filename=name[:200],
        stored_path=str(stored),
        valid_only=valid_only,
        created_at=clock.now(),
    )
    _write_progress(job, {"state": job.state, "done": 0, "total": 0})
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: _enqueue(job, language))
    return job


def _enqueue(job: ImportJob, language: str) -> None:
    try:
        run_import_job.enqueue(str(job.uid), language)
    except Exception:
        # The job must not stay "queued" forever when the queue cannot be reached.
        logger.exception("registry import %s could not be queued", job.uid)
        with translation.override(language):
            message = _("The import could not be started. Try again later.")
        _finish(job, ImportJob.State.FAILED, message=message)


@task()
def run_import_job(uid: str, language: str = "") -> dict[str, Any]:
    """Import the job's stored file as the user who uploaded it; idempotent (a job is claimed
    from "queued" once)."""
    claimed = ImportJob.objects.filter(uid=uid, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.CHECKING
    )
    if not claimed:
        return {"uid": uid, "skipped": True}
    job = ImportJob.objects.select_related("created_by").get(uid=uid)
    with translation.override(language or settings.LANGUAGE_CODE):
        return _run(job)


def _run(job: ImportJob) -> dict[str, Any]:
    def progress(done: int, total: int) -> None:
        _write_progress(job, {"state": ImportJob.State.CHECKING, "done": done, "total": total})

    progress(0, 0)
    try:
        result = import_registry(
            job.created_by,
            Path(job.stored_path),
            kind=job.kind or None,
            valid_only=job.valid_only,
            progress=progress,
        )
    except Invalid as refused:
        _finish(job, ImportJob.State.FAILED, message=refused.message)
        return {"uid": str(job.uid), "state": str(ImportJob.State.FAILED)}
    except Exception:
        logger.exception("registry import %s failed", job.uid)
        _finish(job, ImportJob.State.FAILED, message=_("The import failed; nothing was written."))
        return {"uid": str(job.uid), "state": str(ImportJob.State.FAILED)}
    errors = ""
    if result.error_sheet is not None:
        path = imports_dir() / f"{job.uid}.errors.xlsx"
        with result.error_sheet, path.open("wb") as out:
            out.write(result.error_sheet.read())
        errors = str(path)
    refused_all = result.refused and not job.valid_only
    state = ImportJob.State.REFUSED if refused_all else ImportJob.State.DONE
    if refused_all:
        message = _("Nothing was written: correct the rows in the error sheet and import it.")
    elif result.refused:
        message = _("The valid rows were written; the others are in the error sheet.")
    else:
        message = _("Every row was written.")
    if result.is_truncated:
        message += " " + _("Checking stopped after too many refused rows.")
    _finish(
        job,
        state,
        kind=result.kind,
        total=result.rows,
        written=result.written,
        invalid=result.refused,
        errors=errors,
        message=message,
        counts={str(COUNT_LABELS.get(k, k)): n for k, n in result.counts.items() if n},
        problems=[str(problem) for problem in result.problems[:PROBLEMS_KEPT]],
    )
    return {"uid": str(job.uid), "state": str(state), "written": result.written}


def _finish(
    job: ImportJob,
    state: str,
    *,
    kind: str = "",
    total: int | None = None,
    written: int = 0,
    invalid: int = 0,
    errors: str = "",
    message: str = "",
    counts: dict[str, int] | None = None,
    problems: list[str] | None = None,
) -> None:
    total = job.rows_total if total is None else total
    # The upload holds a ledger's personal data in plain text: gone once it is read.
    Path(job.stored_path).unlink(missing_ok=True)
    job.state = state
    job.kind = kind or job.kind
    job.rows_total = total
    job.rows_done = total
    job.rows_written = written
    job.rows_invalid = invalid
    job.error_sheet_path = errors
    job.message = message
    job.finished_at = clock.now()
    job.save(
        update_fields=[
            "state",
            "kind",
            "rows_total",
            "rows_done",
            "rows_written",
            "rows_invalid",
            "error_sheet_path",
            "message",
            "finished_at",
        ]
    )
    _write_progress(
        job,
        {
            "state": state,
            "done": total,
            "total": total,
            "counts": counts or {},
            "problems": problems or [],
        },
    )


def _write_progress(job: ImportJob, data: dict[str, Any]) -> None:
    path = progress_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{job.uid}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_progress(job: ImportJob) -> dict[str, Any]:
    """What the progress file says: state, done, total, and when finished the counts and the
    first problems; an empty dict when there is none yet (or it cannot be read)."""
    try:
        data = json.loads(progress_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def error_sheet_file(job: ImportJob) -> Path | None:
    """The job's error sheet, if it has one and it is still where it should be."""
    if not job.error_sheet_path:
        return None
    path = Path(job.error_sheet_path)
    try:
        inside = path.resolve().parent == imports_dir().resolve()
    except OSError:
        return None
    return path if inside and path.is_file() else None


def sweep_import_files() -> int:
    """Delete the error sheets and progress files of imports that ended more than
    WANGGE_PEOPLE_IMPORT_KEEP_DAYS ago (they repeat the rows' personal data); a periodic job of
    `wangge worker`. Returns how many jobs were swept."""
    ended_before = clock.now() - timedelta(days=settings.PEOPLE_IMPORT_KEEP_DAYS)
    swept = 0
    for job in ImportJob.objects.filter(finished_at__lt=ended_before).exclude(
        error_sheet_path="", stored_path=""
    ):
        for path in (job.error_sheet_path, job.stored_path, str(progress_path(job))):
            if path:
                Path(path).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(error_sheet_path="", stored_path="")
        swept += 1
    return swept
