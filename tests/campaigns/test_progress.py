"""Live progress per grid, community and town, the list of houses still to visit, and the
results as xlsx (masked, formula cells neutralised), each in a fixed number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from tests.campaigns.helpers import answers_for, draft, opened, street, visit
from tests.people.helpers import person_in, tag_kind
from wangge.campaigns import queries, services
from wangge.campaigns.exports import export_results, mask_numbers
from wangge.campaigns.models import QuestionKind, Target, TargetKind
from wangge.core.models import AuditEntry
from wangge.people.services import give_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(cast):
    street(cast.tree.grid_a, 4)
    street(cast.tree.grid_b, 2, building="9栋")
    campaign = opened(cast.community_staff, cast.tree.community)
    targets_a = list(Target.objects.filter(campaign=campaign, grid=cast.tree.grid_a).order_by("pk"))
    visit(cast.grid_worker_a, targets_a[0], "registered")
    visit(cast.grid_worker_a, targets_a[1], "not_home")
    visit(cast.grid_worker_a, targets_a[2], "vacant")
    target_b = Target.objects.filter(campaign=campaign, grid=cast.tree.grid_b).first()
    visit(cast.grid_worker_b, target_b, "refused")
    return campaign


def _row(figures) -> tuple:
    return (figures.targets, figures.visited, figures.reached, figures.remaining)


def test_progress_per_grid_community_and_town(cast, campaign):
    progress = queries.progress(cast.community_staff, campaign)
    grids = {f.unit.code: _row(f) for f in progress.grids}
    assert grids == {
        cast.tree.grid_a.code: (4, 3, 1, 2),  # registered and vacant are done
        cast.tree.grid_b.code: (2, 1, 1, 2),  # refused: reached, to revisit
    }
    (community,) = progress.communities
    assert _row(community) == (6, 4, 2, 4)
    (town,) = progress.towns
    assert town.unit == cast.tree.town and _row(town) == (6, 4, 2, 4)
    assert progress.total.percent == 33


def test_a_grid_worker_sees_the_figures_of_their_grid_only(cast, campaign):
    progress = queries.progress(cast.grid_worker_b, campaign)
    assert [f.unit for f in progress.grids] == [cast.tree.grid_b]
    assert _row(progress.total) == (2, 1, 1, 2)


def test_progress_takes_the_same_queries_for_more_targets(
    cast, campaign, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        queries.progress(cast.community_staff, campaign)


def test_the_houses_still_to_visit(cast, campaign):
    remaining = list(queries.remaining_targets(cast.community_staff, campaign))
    assert len(remaining) == 4
    assert not any(t.is_done for t in remaining)
    assert {t.grid for t in queries.remaining_targets(cast.grid_worker_a, campaign)} == {
        cast.tree.grid_a
    }


def test_free_text_numbers_are_masked():
    text = "电话13812345678，身份证44070319900101123X"
    assert mask_numbers(text) == "电话138****5678，身份证440703********123X"


def test_the_export_is_masked_scoped_and_neutralised(cast):
    alone = tag_kind()
    house = street(cast.tree.grid_a, 1)[0]
    elder = person_in(cast.tree.grid_a, "陈玉兰", house=house)
    give_tag(None, elder, alone)
    other = person_in(
        cast.tree.grid_b, "黄小明", house=street(cast.tree.grid_b, 1, building="9栋")[0]
    )
    give_tag(None, other, alone)
    campaign = draft(
        cast.community_staff,
        cast.tree.community,
        questions=False,
        target_kind=TargetKind.PERSONS,
        tags=[alone.code],
    )
    services.add_question(
        cast.community_staff,
        campaign,
        services.QuestionInput(label="情况", kind=QuestionKind.TEXT),
    )
    services.open_campaign(cast.community_staff, campaign)
    target = Target.objects.get(campaign=campaign, person=elder)
    visit(
        cast.grid_worker_a,
        target,
        answers=answers_for(campaign, 情况='=HYPERLINK("x") 女儿电话13812345678'),
        note="@SUM(1)",
    )
    export = export_results(cast.grid_worker_a, campaign)
    sheet = load_workbook(export.file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert export.rows == 1 and len(rows) == 2  # grid B's person is not in grid A's export
    line = rows[1]
    assert "陈**" in line and "陈玉兰" not in line
    answer = line[-1]
    assert "13812345678" not in answer and "138****5678" in answer
    cells = next(iter(sheet.iter_rows(min_row=2, max_row=2)))
    formula_like = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=@"]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    assert AuditEntry.objects.filter(action="campaigns.export", actor=cast.grid_worker_a).exists()
    assert date.today()  # the file is written whole
