"""Importing the registry from Excel ledgers (xlsx and CSV): every row checked first, problems
per row and column, all or nothing unless asked for the valid rows only, re-imports that update,
the user's area respected row by row, and a file that cannot be read refused without a write."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from tests.people.helpers import house_in, id_number, person_in
from wangge.core.models import AuditEntry
from wangge.people.exceptions import Invalid
from wangge.people.imports import build_template, import_registry
from wangge.people.models import Building, Compound, House, Person, Residence

pytestmark = pytest.mark.django_db

LEDGER_HEADER = [
    "网格编码", "小区", "楼栋", "房号", "楼层", "用途", "姓名", "证件类型", "证件号码",
    "手机号码", "性别", "出生日期", "民族", "户籍地区划代码", "户籍地址", "与房屋关系", "入住日期",
]  # fmt: skip


def ledger_row(grid, name="陈玉兰", number=None, house="101", **cells):
    row = {
        "网格编码": grid.code,
        "小区": "石冲花园",
        "楼栋": "1栋",
        "房号": house,
        "楼层": "1",
        "用途": "自住",
        "姓名": name,
        "证件类型": "身份证",
        "证件号码": number or id_number(),
        "手机号码": "13800138000",
        "性别": "",
        "出生日期": "",
        "民族": "汉族",
        "户籍地区划代码": "",
        "户籍地址": "",
        "与房屋关系": "业主",
        "入住日期": "2020-05-01",
    }
    row.update(cells)
    return [row[column] for column in LEDGER_HEADER]


def csv_bytes(rows, header=LEDGER_HEADER, encoding="utf-8-sig"):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows, header=LEDGER_HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def sheet_rows(file):
    return [list(row) for row in load_workbook(file).active.iter_rows(values_only=True)]


# --- the ledger --------------------------------------------------------------------------------


def test_a_ledger_registers_persons_with_the_houses_they_live_in(tree):
    rows = [ledger_row(tree.grid_a, "陈玉兰"), ledger_row(tree.grid_a, "李伯", house="102")]
    result = import_registry(None, csv_bytes(rows))
    assert result.is_complete and result.error_sheet is None
    assert (result.rows, result.written) == (2, 2)
    assert Person.objects.count() == 2
    assert Residence.objects.filter(source="import", moved_out__isnull=True).count() == 2
    assert (Compound.objects.count(), Building.objects.count(), House.objects.count()) == (1, 1, 2)
    person = Person.objects.get(name="陈玉兰")
    assert person.grid == tree.grid_a and person.registration == "local"
    assert person.phone == "13800138000"  # encrypted at rest, read back whole
    house = House.objects.get(number="101")
    assert (house.use, house.floor, house.address) == ("owner_occupied", 1, "石冲花园 1栋 101")
    assert result.counts["persons created"] == 2


def test_one_audit_entry_for_the_whole_file(tree):
    rows = [ledger_row(tree.grid_a, f"居民{n}", house=f"{n}01") for n in range(1, 6)]
    import_registry(None, csv_bytes(rows))
    entries = AuditEntry.objects.filter(action__startswith="people.")
    assert [entry.action for entry in entries] == ["people.import"]
    assert entries[0].data["written"] == 5


def test_nothing_is_written_when_one_row_is_wrong(tree):
    rows = [ledger_row(tree.grid_a), ledger_row(tree.grid_a, number="440703195003071234")]
    result = import_registry(None, csv_bytes(rows), chunk_rows=1)
    assert (result.refused, result.written) == (1, 0)
    assert not Person.objects.exists() and not House.objects.exists()
    assert not AuditEntry.objects.filter(action="people.import").exists()
    [problem] = result.problems
    assert (problem.row, problem.column) == (3, "证件号码")
    assert "check digit" in problem.message
    assert str(problem).startswith("Row 3, column “证件号码”: ")


def test_the_valid_rows_only_when_asked(tree):
    good, bad = ledger_row(tree.grid_a), ledger_row(tree.grid_a, "", house="102")
    result = import_registry(None, csv_bytes([good, bad]), valid_only=True)
    assert (result.written, result.refused) == (1, 1)
    assert Person.objects.count() == 1
    rows = sheet_rows(result.error_sheet)
    assert rows[0][-2:] == ["Row", "Errors"]
    assert len(rows) == 2  # the header and the refused row only
    assert rows[1][6] is None and rows[1][-2] == 3
    assert rows[1][-1] == "姓名: This field is required."


def test_the_error_sheet_of_an_all_or_nothing_import_holds_every_row(tree):
    rows = [ledger_row(tree.grid_a), ledger_row(tree.grid_a, 性别="男", house="102")]
    result = import_registry(None, xlsx_bytes(rows))
    sheet = sheet_rows(result.error_sheet)
    assert [row[-2] for row in sheet[1:]] == [2, 3]
    assert sheet[1][-1] is None
    assert sheet[2][-1].startswith("性别: The sex does not match the ID number")


def test_a_corrected_error_sheet_imports_as_it_is(tree):
    rows = [ledger_row(tree.grid_a), ledger_row(tree.grid_a, 入住日期="明天", house="102")]
    result = import_registry(None, csv_bytes(rows))
    workbook = load_workbook(result.error_sheet)
    workbook.active["Q3"] = "2021-01-01"
    fixed = io.BytesIO()
    workbook.save(fixed)
    again = import_registry(None, fixed.getvalue())
    assert again.is_complete and again.written == 2
    assert Residence.objects.filter(moved_in=date(2021, 1, 1)).count() == 1


def test_every_problem_of_a_row_is_named_by_its_column(tree):
    row = ledger_row(tree.grid_a, 证件类型="驾驶证", 入住日期="2020-13-01", 用途="仓库")
    result = import_registry(None, csv_bytes([row]))
    assert {problem.column for problem in result.problems} == {"证件类型", "入住日期", "用途"}


def test_a_re_import_updates_the_person_and_keeps_the_open_residence(tree):
    number = id_number()
    import_registry(None, csv_bytes([ledger_row(tree.grid_a, number=number)]))
    again = ledger_row(tree.grid_a, number=number, 手机号码="13900139000", 民族="")
    result = import_registry(None, csv_bytes([again]))
    assert result.counts == {"persons updated": 1, "residences kept": 1}
    person = Person.objects.get()
    assert person.phone == "13900139000"
    assert person.ethnicity == "汉族"  # an empty column is "not given": kept
    assert Residence.objects.count() == 1


def test_a_person_twice_in_one_file_is_one_person(tree):
    number = id_number()
    rows = [
        ledger_row(tree.grid_a, number=number),
        ledger_row(tree.grid_a, number=number, house="102", 与房屋关系="租户"),
    ]
    result = import_registry(None, csv_bytes(rows))
    assert result.is_complete
    assert Person.objects.count() == 1
    assert Residence.objects.filter(moved_out__isnull=True).count() == 2


def test_the_later_row_of_a_person_twice_in_one_file_gives_the_phone(tree):
    number = id_number()
    rows = [
        ledger_row(tree.grid_a, number=number, 民族="汉族"),
        ledger_row(tree.grid_a, number=number, 手机号码="13900139000", 民族=""),
    ]
    result = import_registry(None, csv_bytes(rows))
    assert result.counts["persons created"] == 1 and result.counts["residences kept"] == 1
    person = Person.objects.get()
    assert (person.phone, person.ethnicity) == ("13900139000", "汉族")
    assert Person.objects.filter(phone_index=person.phone_index).exists()


@pytest.mark.parametrize("chunk_rows", [1, 2])
def test_places_and_persons_are_found_again_in_later_chunks(tree, chunk_rows):
    number = id_number()
    rows = [
        ledger_row(tree.grid_a, "陈玉兰", number=number),
        ledger_row(tree.grid_a, "李伯", house="101"),
        ledger_row(tree.grid_a, "陈玉兰", number=number, house="102", 与房屋关系="租户"),
        ledger_row(tree.grid_a, "陈玉兰", number=number),  # already lives in 101
        ledger_row(tree.grid_a, "黄芳", house="102"),
    ]
    result = import_registry(None, csv_bytes(rows), chunk_rows=chunk_rows)
    assert result.is_complete and result.written == 5
    assert (Compound.objects.count(), Building.objects.count(), House.objects.count()) == (1, 1, 2)
    assert Person.objects.count() == 3
    assert Residence.objects.filter(person__name="陈玉兰").count() == 2
    assert Residence.objects.count() == 4
    assert result.counts["houses created"] == 2 and result.counts["residences kept"] == 1


def test_a_re_import_finds_a_person_registered_by_hand(tree):
    house = house_in(tree.grid_a)
    number = id_number()
    person = person_in(tree.grid_a, document_number=number, house=house)
    row = ledger_row(tree.grid_a, number=number, 姓名="陈玉兰", 手机号码="")
    result = import_registry(None, csv_bytes([row]))
    assert result.counts == {"persons updated": 1, "residences kept": 1}
    person.refresh_from_db()
    assert person.phone == "13800138000"


def test_a_gbk_csv_from_chinese_excel(tree):
    result = import_registry(None, csv_bytes([ledger_row(tree.grid_a)], encoding="gbk"))
    assert result.is_complete
    assert Person.objects.get().name == "陈玉兰"


def test_a_csv_without_a_byte_order_mark(tree):
    result = import_registry(None, csv_bytes([ledger_row(tree.grid_a)], encoding="utf-8"))
    assert result.written == 1


@pytest.mark.parametrize("kind", ["compounds", "buildings", "houses", "persons"])
def test_the_template_of_each_kind_imports_back(tree, kind):
    template = build_template(kind)
    workbook = load_workbook(io.BytesIO(template))
    header = [cell.value for cell in workbook.active[1]]
    assert header[0] == "Grid code"
    values = {
        "Grid code": tree.grid_a.code,
        "Compound": "石冲花园",
        "Building": "2栋",
        "House number": "201",
        "Name": "陈玉兰",
        "Document number": id_number(),
        "Relation to the house": "Owner",
        "Moved in on": "2019-01-01",
        "Floor": "2",
        "Use": "Rented",
        "Rooms": "3",
        "Floors": "18",
    }
    workbook.active.append([values.get(column) for column in header])
    filled = io.BytesIO()
    workbook.save(filled)
    result = import_registry(None, filled.getvalue(), kind=kind)
    assert result.is_complete, [str(problem) for problem in result.problems]
    assert result.written == 1
    assert Compound.objects.filter(name="石冲花园", grid=tree.grid_a).exists()


def test_houses_are_updated_only_in_the_columns_given(tree):
    house = house_in(tree.grid_a, "101")
    header = ["网格编码", "小区", "楼栋", "房号", "用途", "间数", "建筑面积"]
    row = [tree.grid_a.code, "石冲花园", "1栋", "101", "出租", "3", ""]
    result = import_registry(None, csv_bytes([row], header=header))
    assert result.counts == {"houses updated": 1}
    house.refresh_from_db()
    assert (house.use, house.rooms, str(house.area_m2)) == ("rented", 3, "86.50")


# --- scope -------------------------------------------------------------------------------------


def test_a_row_outside_the_users_area_is_refused_not_a_crash(cast):
    tree = cast.tree
    rows = [ledger_row(tree.grid_a), ledger_row(tree.grid_b, house="102")]
    result = import_registry(cast.grid_worker_a, csv_bytes(rows), valid_only=True)
    assert (result.written, result.refused) == (1, 1)
    [problem] = result.problems
    assert (problem.row, problem.column) == (3, "网格编码")
    assert problem.message == f"The grid {tree.grid_b.code} is not in your area."
    assert Person.objects.get().grid == tree.grid_a


def test_a_person_of_another_area_is_not_updated_by_a_re_import(cast):
    tree = cast.tree
    number = id_number()
    person_in(tree.grid_b, "李伯", document_number=number)
    row = ledger_row(tree.grid_a, "李伯", number=number)
    result = import_registry(cast.grid_worker_a, csv_bytes([row]))
    [problem] = result.problems
    assert problem.column == "证件号码"
    assert problem.message == "This person is registered in a grid outside your area."
    assert Person.objects.get().grid == tree.grid_b and not Residence.objects.exists()


def test_progress_is_reported_after_each_chunk(tree):
    rows = [ledger_row(tree.grid_a, f"居民{n}", house=f"{n}01") for n in range(1, 6)]
    seen = []
    import_registry(None, csv_bytes(rows), chunk_rows=2, progress=lambda *done: seen.append(done))
    assert seen == [(2, 5), (4, 5), (5, 5)]


# --- files that cannot be read ---------------------------------------------------------------


def refused(tree, data, **options):
    with pytest.raises(Invalid) as error:
        import_registry(None, data, **options)
    assert not Person.objects.exists() and not House.objects.exists()
    return str(error.value)


def test_an_empty_file(tree):
    assert refused(tree, b"") == "The file is empty."


def test_a_file_with_blank_lines_only(tree):
    assert refused(tree, b"\r\n,,\r\n") == "The file has no header row."


def test_an_old_xls_file(tree):
    assert ".xls" in refused(tree, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_a_broken_xlsx_file(tree):
    assert "not a readable xlsx" in refused(tree, b"PK\x03\x04 not really a zip")


def test_a_file_in_neither_utf8_nor_gbk(tree):
    data = csv_bytes([ledger_row(tree.grid_a)], encoding="utf-16")
    assert "neither an xlsx workbook nor CSV text in UTF-8 or GBK" in refused(tree, data)


def test_a_missing_required_header(tree):
    header = [column for column in LEDGER_HEADER if column != "证件号码"]
    message = refused(tree, csv_bytes([["x"] * len(header)], header=header))
    assert "“Document number”" in message


def test_an_unknown_header(tree):
    header = [*LEDGER_HEADER, "婚姻状况"]
    message = refused(tree, csv_bytes([[*ledger_row(tree.grid_a), "已婚"]], header=header))
    assert message.startswith("Unknown column “婚姻状况” (column R)")


def test_a_header_twice(tree):
    header = [*LEDGER_HEADER, "姓名"]
    message = refused(tree, csv_bytes([[*ledger_row(tree.grid_a), "x"]], header=header))
    assert "“姓名” appears twice (columns G and R)" in message


def test_too_many_rows(tree):
    rows = [ledger_row(tree.grid_a, house=f"{n}01") for n in range(1, 5)]
    message = refused(tree, csv_bytes(rows), max_rows=3)
    assert message == "The file has 4 rows; at most 3 can be imported at once. Split it."


def test_a_file_too_large(tree):
    message = refused(tree, csv_bytes([ledger_row(tree.grid_a)]), max_bytes=100)
    assert "MB; at most" in message


def test_an_unknown_kind(tree):
    assert "Unknown kind of sheet" in refused(tree, b"a", kind="cars")


def test_a_formula_cell_is_refused_naming_its_row_and_column(tree):
    row = ledger_row(tree.grid_a)
    row[6] = '=HYPERLINK("http://x","陈")'
    result = import_registry(None, xlsx_bytes([row]))
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "姓名")
    assert "holds a formula" in problem.message
    assert not Person.objects.exists()
    error_cell = load_workbook(result.error_sheet).active["G2"]
    assert error_cell.data_type == "s" and error_cell.quotePrefix


def test_the_background_task_imports_a_stored_file(cast, tmp_path):
    from wangge.people.imports.tasks import import_registry_file

    tree = cast.tree
    path = tmp_path / "upload.csv"
    path.write_bytes(csv_bytes([ledger_row(tree.grid_a), ledger_row(tree.grid_b, house="102")]))
    errors = tmp_path / "errors.xlsx"
    done = import_registry_file.call(
        str(path), cast.grid_worker_a.pk, valid_only=True, errors_path=str(errors)
    )
    assert (done["written"], done["refused"], done["errors_path"]) == (1, 1, str(errors))
    assert done["problems"][0].startswith("Row 3, column “网格编码”")
    assert sheet_rows(errors)[1][-2] == 3
    assert import_registry_file.call(str(tmp_path / "none.csv"))["is_refused"]
