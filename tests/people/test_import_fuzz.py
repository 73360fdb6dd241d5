"""Hostile ledgers: whatever bytes or cells a file holds, the import either writes every row
(all valid), or refuses saying which row, column or header — never an unexpected exception and
never a half-written registry. Property-based (hypothesis): random bytes, random text in common
encodings (GBK included), and ledgers whose cells are drawn from nasty values (formulas, control
characters, huge numbers, wrong dates, other scripts)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.people.helpers import id_number
from tests.people.test_imports import LEDGER_HEADER, csv_bytes, ledger_row, xlsx_bytes
from wangge.people.exceptions import Invalid
from wangge.people.imports import import_registry
from wangge.people.models import House, Person, Residence

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(__import__("os").environ.get("WANGGE_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\x00",
            "９９９",
            "1e309",
            "-1",
            "2026-02-30",
            "99999999999999999999999",
            "NaN",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "男",
            "出租",
            "业主",
            "身份证",
        ]
    ),
    st.text(max_size=40),
)


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), House.objects.count(), Residence.objects.count()


def import_or_refusal(content: bytes, **options):
    """The import's result, or None when it refused the file; anything else fails the test."""
    try:
        return import_registry(None, content, **options)
    except Invalid as refused:
        assert str(refused)  # a message a person can read
        return None


@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes_are_refused_or_read_never_crash(tree, content):
    before = counts()
    result = import_or_refusal(content)
    if result is None or result.refused:
        assert counts() == before


@FUZZ
@given(
    text=st.text(max_size=500),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_random_text_in_any_common_encoding_never_crashes(tree, text, encoding):
    before = counts()
    try:
        content = ("\n".join([",".join(LEDGER_HEADER), text])).encode(encoding)
    except UnicodeEncodeError:
        return
    result = import_or_refusal(content)
    if result is None or result.refused:
        assert counts() == before


@FUZZ
@given(
    cells=st.lists(st.tuples(st.sampled_from(LEDGER_HEADER), NASTY_CELLS), min_size=1, max_size=6),
    as_xlsx=st.booleans(),
    valid_only=st.booleans(),
)
def test_a_ledger_with_nasty_cells_writes_all_or_nothing(tree, cells, as_xlsx, valid_only):
    rows = [ledger_row(tree.grid_a, number=id_number(), house=f"{n + 1}01") for n in range(3)]
    for column, value in cells:
        # An xlsx file cannot hold XML's control characters at all (openpyxl refuses them).
        rows[1][LEDGER_HEADER.index(column)] = (
            ILLEGAL_CHARACTERS_RE.sub("", value) if as_xlsx else value
        )
    content = xlsx_bytes(rows) if as_xlsx else csv_bytes(rows)
    before = counts()
    result = import_or_refusal(content, valid_only=valid_only)
    if result is None:
        assert counts() == before
        return
    persons_written = Person.objects.count() - before[0]
    if result.refused and not valid_only:
        assert counts() == before  # nothing half-written
    else:  # (examples share the database: earlier ones' persons are updated, not created)
        assert result.written == result.rows - result.refused
        assert persons_written == result.counts.get("persons created", 0)
    for problem in result.problems:
        assert str(problem)  # each names its row and column in words
