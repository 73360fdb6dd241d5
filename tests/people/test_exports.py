"""Exporting the registry: any list of persons or houses as xlsx, in the import columns, with ID
and phone numbers masked, formula-like text neutralised, and only what the user may see."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.people.helpers import house_in, id_number, person_in
from wangge.core.models import AuditEntry
from wangge.people.exports import export_houses, export_persons
from wangge.people.models import House, Person

pytestmark = pytest.mark.django_db


def rows_of(export):
    with export.file:
        return [list(row) for row in load_workbook(export.file).active.iter_rows(values_only=True)]


def test_persons_are_exported_with_their_house_and_masked_numbers(cast):
    tree = cast.tree
    number = id_number()
    person_in(tree.grid_a, "陈玉兰", house=house_in(tree.grid_a), document_number=number)
    export = export_persons(cast.grid_worker_a, Person.objects.all())
    header, row = rows_of(export)
    assert header[:4] == ["Grid code", "Compound", "Building", "House number"]
    values = dict(zip(header, row, strict=True))
    assert values["Name"] == "陈玉兰"
    assert values["Document number"] == number[:6] + "********" + number[-4:]
    assert values["Phone number"] == "138****8000"
    assert (values["House number"], values["Relation to the house"]) == ("101", "Owner")
    assert values["Moved in on"].date().isoformat() == "2020-05-01"
    assert number not in str(row)
    assert AuditEntry.objects.filter(action="people.export.persons", actor=cast.grid_worker_a)


def test_text_that_could_start_a_formula_is_never_evaluated(cast):
    person_in(cast.tree.grid_a, "=1+2", workplace="@SUM(A1)", note="-3")
    export = export_persons(None, Person.objects.all())
    with export.file:
        sheet = load_workbook(export.file).active
        header = [cell.value for cell in sheet[1]]
        for name in ("Name", "Workplace or school", "Note"):
            cell = sheet.cell(row=2, column=header.index(name) + 1)
            assert cell.data_type == "s" and cell.quotePrefix, name
        assert sheet.cell(row=2, column=header.index("Name") + 1).value == "=1+2"


def test_only_the_persons_the_user_may_see(cast):
    tree = cast.tree
    person_in(tree.grid_a, "甲")
    person_in(tree.grid_b, "乙")
    export = export_persons(cast.grid_worker_a, Person.objects.all())
    assert [row[6] for row in rows_of(export)[1:]] == ["甲"]
    assert export.rows == 1


def test_houses_export_in_the_houses_columns(cast):
    house_in(cast.tree.grid_a, "101", rooms=2)
    export = export_houses(cast.community_staff, House.objects.all())
    header, row = rows_of(export)
    assert dict(zip(header, row, strict=True)) | {"Floor area (m²)": None} == {
        "Grid code": cast.tree.grid_a.code,
        "Compound": "石冲花园",
        "Building": "1栋",
        "House number": "101",
        "Floor": 1,
        "Address": "石冲路 8 号 1 栋 101",
        "Floor area (m²)": None,
        "Use": "Owner-occupied",
        "Rooms": 2,
    }


def test_a_long_list_is_capped_and_says_so(cast):
    for name in ("甲", "乙", "丙"):
        person_in(cast.tree.grid_a, name)
    export = export_persons(None, Person.objects.all(), max_rows=2)
    rows = rows_of(export)
    assert export.is_capped and len(rows) == 5
    assert rows[-1][0].startswith("Only the first 2 rows")


def test_an_export_reads_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    house = house_in(cast.tree.grid_a)
    for name in ("甲", "乙", "丙", "丁"):
        person_in(cast.tree.grid_a, name, house=house, document_number=id_number())
    with django_assert_max_num_queries(8):
        export_persons(cast.grid_worker_a, Person.objects.all()).file.close()
