"""Importing and exporting the registry as files.

The import page (/people/import/) takes an xlsx or CSV file, hands it to the worker
(`import_jobs.start_import`) and lists the user's own recent imports; a running one is polled
every 2 s (htmx) for its progress, a finished one shows what was written and refused, with its
error sheet to download. Jobs and their files are the uploader's only: anyone else gets a 404.
The templates of each kind are downloaded from the same page.

The exports of a grid (its people, its houses) are what the user may see of it, masked
(`wangge.people.exports`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people import import_jobs, queries
from wangge.people.exceptions import Invalid, NotFound
from wangge.people.exports import RegistryExport, export_houses, export_persons
from wangge.people.forms import ImportForm
from wangge.people.imports import KINDS, build_template
from wangge.people.models import ImportJob
from wangge.people.views.lookups import actor, grid_or_404

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JOBS_SHOWN = 10


def _require_keeper(request: HttpRequest) -> None:
    if scope_for(request.user, Capability.MANAGE_PEOPLE).is_empty:
        raise PermissionDenied


def job_view(job: ImportJob) -> dict[str, Any]:
    """A job as its card shows it: counts from the row, and while it runs, from the progress
    file the worker writes."""
    progress = import_jobs.read_progress(job)
    is_running = job.state in import_jobs.RUNNING
    total = int(progress.get("total") or 0) if is_running else job.rows_total
    done = int(progress.get("done") or 0) if is_running else job.rows_done
    return {
        "job": job,
        "is_running": is_running,
        "done": done,
        "total": total,
        "kind_label": KINDS[job.kind].label if job.kind in KINDS else "",
        "counts": progress.get("counts") or {},
        "problems": progress.get("problems") or [],
        "has_error_sheet": import_jobs.error_sheet_file(job) is not None,
    }


def _page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    jobs = queries.import_jobs_of(actor(request), JOBS_SHOWN)
    context = {
        "form": form,
        "jobs": [job_view(job) for job in jobs],
        "kinds": [(name, kind.label) for name, kind in KINDS.items()],
        "max_mb": import_jobs.max_upload_bytes() // (1024 * 1024),
    }
    return render(request, "people/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require_keeper(request)
    if request.method != "POST":
        return _page(request, ImportForm(prefix="import"))
    form = ImportForm(request.POST, request.FILES, prefix="import")
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        job = import_jobs.start_import(
            actor(request), data["file"], data["kind"] or None, data["valid_only"]
        )
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, form, status=400)
    messages.success(request, _("%(file)s is being imported.") % {"file": job.filename})
    return redirect("people:import")


@login_required
@require_GET
def import_progress(request: HttpRequest, uid: str) -> HttpResponse:
    """One job's card, for htmx to swap in while it runs."""
    job = _job_or_404(request, uid)
    response = render(request, "people/partials/import_job.html", {"row": job_view(job)})
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def import_errors(request: HttpRequest, uid: str) -> FileResponse:
    job = _job_or_404(request, uid)
    path = import_jobs.error_sheet_file(job)
    if path is None:
        raise Http404(uid)
    stem = job.filename.rsplit(".", 1)[0] or "import"
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{stem}-errors.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_keeper(request)
    if kind not in KINDS:
        raise Http404(kind)
    response = HttpResponse(build_template(kind), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


def _job_or_404(request: HttpRequest, uid: str) -> ImportJob:
    try:
        return queries.get_import_job_for_user(request.user, uid)
    except NotFound:
        raise Http404(uid) from None


# --- exports of a grid ------------------------------------------------------------------------


def _download(export: RegistryExport) -> FileResponse:
    response = FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type=XLSX_CONTENT_TYPE
    )
    response["X-Export-Rows"] = str(export.rows)
    if export.is_capped:
        response["X-Export-Capped"] = "true"
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def grid_export_persons(request: HttpRequest, code: str) -> FileResponse:
    grid = grid_or_404(request, code)
    user = actor(request)
    return _download(export_persons(user, queries.grid_persons(grid, user)))


@login_required
@require_GET
def grid_export_houses(request: HttpRequest, code: str) -> FileResponse:
    grid = grid_or_404(request, code)
    user = actor(request)
    return _download(export_houses(user, queries.grid_houses(grid, user)))
