"""The import page (/people/import/): a file is stored and imported by a task as its uploader,
the page shows its progress and then what was written and refused, the error sheet goes to the
uploader only; the templates download; a grid's people and houses export masked."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, house_in, html_of, person_in
from tests.people.test_imports import csv_bytes, ledger_row
from wangge.people import import_jobs
from wangge.people.models import ImportJob, Person

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(client, content: bytes, name: str = "ledger.csv", **fields):
    data = {"import-file": SimpleUploadedFile(name, content), **fields}
    return client.post(reverse("people:import"), data)


def test_a_valid_csv_is_imported_by_the_task(cast, django_capture_on_commit_callbacks):
    rows = [
        ledger_row(cast.tree.grid_a, "陈玉兰"),
        ledger_row(cast.tree.grid_a, "李伯", house="102"),
    ]
    client = logged_in(cast.grid_worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(rows))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.state, job.kind, job.created_by) == ("done", "persons", cast.grid_worker_a)
    assert (job.rows_total, job.rows_written, job.rows_invalid) == (2, 2, 0)
    assert job.finished_at is not None and not job.error_sheet_path
    assert set(Person.objects.values_list("name", flat=True)) == {"陈玉兰", "李伯"}
    stored = Path(job.stored_path)
    assert stored.parent == Path(import_jobs.imports_dir()) and stored.name == f"{job.uid}.csv"
    assert not stored.exists()  # the upload's personal data is gone once it is read
    progress = json.loads(import_jobs.progress_path(job).read_text())
    assert (progress["state"], progress["done"], progress["total"]) == ("done", 2, 2)
    page = client.get(reverse("people:import"))
    html = html_of(page)
    assert "ledger.csv" in html and "2 written" in html and "persons created: 2" in html
    assert "hx-trigger" not in html.split('id="job-', 1)[1][:400]


def test_a_running_job_is_polled_with_its_progress(cast):
    client = logged_in(cast.grid_worker_a)
    response = upload(client, csv_bytes([ledger_row(cast.tree.grid_a)]))  # not committed: queued
    assert response.status_code == 302
    job = ImportJob.objects.get()
    import_jobs._write_progress(job, {"state": "checking", "done": 2000, "total": 5000})
    card = client.get(reverse("people:import_progress", args=[job.uid]))
    assert card.status_code == 200
    html = html_of(card)
    assert 'hx-trigger="every 2s"' in html and 'max="5000" value="2000"' in html
    assert "2000 of 5000 rows" in html


def test_an_invalid_file_is_refused_with_an_error_sheet_for_its_uploader_only(
    cast, django_capture_on_commit_callbacks
):
    rows = [
        ledger_row(cast.tree.grid_a, "陈玉兰"),
        ledger_row(cast.tree.grid_a, "坏号码", number="440703199001021235"),
    ]
    client = logged_in(cast.grid_worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert (job.state, job.rows_written, job.rows_invalid) == ("refused", 0, 1)
    assert not Person.objects.exists()
    html = html_of(client.get(reverse("people:import")))
    errors_url = reverse("people:import_errors", args=[job.uid])
    assert errors_url in html and "1 refused" in html
    sheet = client.get(errors_url)
    assert sheet.status_code == 200
    assert sheet["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    cells = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert len(cells) == 3 and any("坏号码" in str(cell) for cell in cells[2])
    for other in (cast.grid_worker_b, cast.administrator):
        stranger = logged_in(other)
        assert stranger.get(errors_url).status_code == 404
        assert stranger.get(reverse("people:import_progress", args=[job.uid])).status_code == 404
        assert "ledger.csv" not in html_of(stranger.get(reverse("people:import")))


def test_valid_rows_only_writes_the_valid_ones(cast, django_capture_on_commit_callbacks):
    rows = [
        ledger_row(cast.tree.grid_a, "陈玉兰"),
        ledger_row(cast.tree.grid_a, "坏号码", number="440703199001021235"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        upload(logged_in(cast.grid_worker_a), csv_bytes(rows), **{"import-valid_only": "on"})
    job = ImportJob.objects.get()
    assert (job.state, job.rows_written, job.rows_invalid) == ("done", 1, 1)
    assert list(Person.objects.values_list("name", flat=True)) == ["陈玉兰"]
    assert job.error_sheet_path


def test_rows_outside_the_uploader_s_grids_are_refused(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(logged_in(cast.grid_worker_b), csv_bytes([ledger_row(cast.tree.grid_a)]))
    assert ImportJob.objects.get().state == "refused"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "fields", "field", "message"),
    [
        ("ledger.txt", b"a,b", {}, "id_import-file", ".xlsx"),
        ("ledger.csv", b"", {}, "id_import-file", ""),
        ("ledger.csv", b"a,b", {"import-kind": "castles"}, "id_import-kind", ""),
    ],
)
def test_a_file_that_is_not_taken_is_told_beside_its_field(
    cast, name, content, fields, field, message
):
    response = upload(logged_in(cast.grid_worker_a), content, name, **fields)
    assert response.status_code == 400
    assert_error_beside(html_of(response), field, message)
    assert not ImportJob.objects.exists()


def test_a_file_too_large_is_refused_before_it_is_stored(cast, settings):
    settings.PEOPLE_IMPORT_MAX_BYTES = 10
    response = upload(logged_in(cast.grid_worker_a), b"x" * 11)
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_import-file", "at most")
    assert not ImportJob.objects.exists()
    assert not list(import_jobs.imports_dir().glob("*.csv"))


def test_an_unreadable_file_ends_as_failed_with_its_reason(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(logged_in(cast.grid_worker_a), b"\x00\x01\x02 not a sheet", "ledger.xlsx")
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.message


def test_the_templates_download_and_the_page_is_for_registry_keepers(cast):
    client = logged_in(cast.grid_worker_a)
    template = client.get(reverse("people:import_template", args=["persons"]))
    assert template.status_code == 200
    assert template["Content-Disposition"].startswith("attachment")
    load_workbook(io.BytesIO(template.content))
    assert client.get("/people/import/templates/castles.xlsx").status_code == 404
    for who in (cast.leader, cast.dispatcher):
        assert logged_in(who).get(reverse("people:import")).status_code == 403


def test_a_grid_s_people_and_houses_export_masked(cast):
    house = house_in(cast.tree.grid_a, "302")
    person = person_in(cast.tree.grid_a, "陈玉兰", house=house, phone=PHONE)
    person_in(cast.tree.grid_b, "外格人", house=house_in(cast.tree.grid_b, "101"))
    client = logged_in(cast.grid_worker_a)
    response = client.get(reverse("people:export_persons", args=[cast.tree.grid_a.code]))
    assert response.status_code == 200 and response["X-Export-Rows"] == "1"
    assert response["Content-Disposition"].startswith("attachment")
    cells = [
        str(cell)
        for row in load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
        for cell in row
    ]
    assert "陈玉兰" in cells and "外格人" not in cells
    assert "139****5678" in cells and PHONE not in cells
    assert person.document_number not in cells
    houses = client.get(reverse("people:export_houses", args=[cast.tree.grid_a.code]))
    assert houses.status_code == 200 and houses["X-Export-Rows"] == "1"
    code = cast.tree.grid_a.code
    assert (
        logged_in(cast.grid_worker_b).get(reverse("people:export_persons", args=[code])).status_code
        == 404
    )


def test_an_import_s_files_are_swept_after_the_days_kept(
    cast, settings, django_capture_on_commit_callbacks
):
    """The error sheet repeats the rows' personal data: deleted after
    WANGGE_PEOPLE_IMPORT_KEEP_DAYS by the worker's sweep, with the progress file."""
    from datetime import timedelta

    from wangge.core import clock

    rows = [ledger_row(cast.tree.grid_a, "坏号码", number="440703199001021235")]
    client = logged_in(cast.grid_worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    sheet, progress = Path(job.error_sheet_path), import_jobs.progress_path(job)
    assert sheet.exists() and progress.exists()
    assert import_jobs.sweep_import_files() == 0  # kept while fresh
    later = job.finished_at + timedelta(days=settings.PEOPLE_IMPORT_KEEP_DAYS, minutes=1)
    with clock.frozen_at(later):
        assert import_jobs.sweep_import_files() == 1
    assert not sheet.exists() and not progress.exists()
    job.refresh_from_db()
    assert job.error_sheet_path == ""
    assert client.get(reverse("people:import_errors", args=[job.uid])).status_code == 404
