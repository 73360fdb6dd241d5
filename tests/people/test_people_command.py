"""`wangge people import|template|export`: exit 0 when done, 1 when rows were refused, 2 for a
file or code that cannot be used; problems and progress on standard error."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.people.helpers import house_in, person_in
from tests.people.test_imports import csv_bytes, ledger_row
from wangge.people.models import Person

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("people", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("people", *args, stdout=io.StringIO(), stderr=err)
    return error.value, err.getvalue()


def test_import_a_ledger(tree, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes([ledger_row(tree.grid_a), ledger_row(tree.grid_a, house="102")]))
    out, _err = run("import", str(path))
    assert out.startswith("2 of 2 rows written.")
    assert "persons created: 2" in out
    assert Person.objects.count() == 2


def test_refused_rows_exit_1_with_each_problem_and_the_error_sheet(tree, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes([ledger_row(tree.grid_a), ledger_row(tree.grid_a, 姓名="")]))
    errors = tmp_path / "errors.xlsx"
    error, err = refused("import", str(path), "--errors-out", str(errors))
    assert error.returncode == 1
    assert str(error) == "1 row was refused; nothing was written."
    assert "Row 3, column “姓名”: This field is required." in err
    assert not Person.objects.exists()
    assert load_workbook(errors).active["S3"].value == "姓名: This field is required."


def test_valid_only_writes_the_others_and_still_exits_1(tree, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes([ledger_row(tree.grid_a), ledger_row(tree.grid_a, 姓名="")]))
    error, _err = refused("import", str(path), "--valid-only")
    assert (error.returncode, str(error)) == (1, "1 row was refused; the others were written.")
    assert Person.objects.count() == 1


def test_an_unreadable_file_exits_2_naming_it(tree, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"")
    error, _err = refused("import", str(path))
    assert (error.returncode, str(error)) == (2, f"{path}: The file is empty.")
    error, _err = refused("import", str(tmp_path / "missing.csv"))
    assert error.returncode == 2 and "no such file" in str(error)


def test_progress_every_ten_thousand_rows(tree, tmp_path, monkeypatch):
    from wangge.people.management.commands import people

    monkeypatch.setattr(people, "PROGRESS_EVERY", 2)
    path = tmp_path / "ledger.csv"
    rows = [ledger_row(tree.grid_a, f"居民{n}", house=f"{n}01") for n in range(1, 6)]
    path.write_bytes(csv_bytes(rows))
    _out, err = run("import", str(path), "--kind", "persons")
    assert "2,000" not in err and "5 of 5 rows" in err


def test_write_a_template(tmp_path):
    path = tmp_path / "houses.xlsx"
    out, _err = run("template", "houses", "--out", str(path))
    assert out.strip() == f"Wrote {path}."
    assert load_workbook(path).active["D1"].value == "House number"


def test_export_a_grid_masked(tree, tmp_path):
    person_in(tree.grid_a, "陈玉兰", house=house_in(tree.grid_a))
    path = tmp_path / "grid.xlsx"
    out, _err = run("export", "--grid", tree.grid_a.code, "--out", str(path))
    assert out.strip() == f"Wrote 1 row to {path}."
    assert load_workbook(path).active["J2"].value == "138****8000"
    error, _err = refused("export", "--grid", "nope", "--out", str(path))
    assert error.returncode == 2
