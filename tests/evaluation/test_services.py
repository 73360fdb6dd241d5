"""Indicator systems, rounds, manual scores, publishing and appeals, through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.evaluation.helpers import grid_worker_dimensions, grid_worker_system, march_round
from wangge.core.models import AuditEntry
from wangge.evaluation import services
from wangge.evaluation.exceptions import Conflict, Invalid, Locked, NotAllowed
from wangge.evaluation.models import (
    Appeal,
    AppealReason,
    AppealState,
    IndicatorSystem,
    Method,
    Result,
    SubjectKind,
)
from wangge.evaluation.services import DimensionSpec, IndicatorSpec


def lines_of(result: Result) -> dict[str, object]:
    names = {
        i["id"]: i["name"] for d in result.round.definition["dimensions"] for i in d["indicators"]
    }
    return {names[line.indicator_id]: line for line in result.lines.all()}


def test_dimension_weights_must_add_up_to_100(cast):
    dimensions = grid_worker_dimensions()
    dimensions[1].weight = 20
    with pytest.raises(Invalid) as refused:
        grid_worker_system(cast, dimensions=dimensions)
    assert refused.value.field == "dimensions"
    assert not IndicatorSystem.objects.exists()


def test_indicator_weights_and_figures_are_checked_by_field(cast):
    dimensions = grid_worker_dimensions()
    dimensions[0].indicators[1].weight = 40
    with pytest.raises(Invalid) as refused:
        grid_worker_system(cast, dimensions=dimensions)
    assert refused.value.field == "dimensions[0].indicators"
    dimensions = grid_worker_dimensions()
    dimensions[0].indicators[0].figure = "on_time_dispatch_rate"  # a dispatcher's figure
    with pytest.raises(Invalid) as refused:
        grid_worker_system(cast, dimensions=dimensions)
    assert refused.value.field == "dimensions[0].indicators[0].figure"
    dimensions = [
        DimensionSpec("上报", 100, [IndicatorSpec("上报数", 100, "computed", "valid_reports")])
    ]
    with pytest.raises(Invalid) as refused:
        grid_worker_system(cast, dimensions=dimensions)
    assert refused.value.field == "dimensions[0].indicators[0].target"


def test_only_evaluators_define_systems(cast):
    with pytest.raises(NotAllowed):
        services.define_system(
            cast.grid_worker_a,
            cast.tree.grid_a,
            name="x",
            subject_kind=SubjectKind.GRID_WORKERS,
            dimensions=grid_worker_dimensions(),
        )


def test_a_round_scores_each_worker_and_ranks_them(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    results = {r.user_id: r for r in round_.results.all()}
    assert set(results) == {cast.grid_worker_a.pk, cast.grid_worker_b.pk}
    mine = results[cast.grid_worker_a.pk]
    lines = lines_of(mine)
    valid = lines["有效上报率"]
    assert (valid.numerator, valid.denominator) == (2, 3)
    assert valid.points == Decimal("35.00")
    # 35 × min(1, (2/3) / 0.9)
    assert valid.score == Decimal("25.93")
    assert lines["按时核查率"].score == Decimal("23.33")  # 35 × 2/3
    assert lines["入户走访质量"].score is None  # not scored yet
    assert mine.total == Decimal("49.26")
    # Grid B's worker has nothing to rate: full points for both figures.
    other = results[cast.grid_worker_b.pk]
    assert other.total == Decimal("70.00") and other.rank == 1 and mine.rank == 2


def test_manual_scores_count_and_are_bounded(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    mine = round_.results.get(user=cast.grid_worker_a)
    manual = next(
        i
        for d in round_.definition["dimensions"]
        for i in d["indicators"]
        if i["method"] == Method.MANUAL
    )
    with pytest.raises(Invalid) as refused:
        services.score_manually(cast.leader, mine, manual["id"], "31", "走访记录完整")
    assert refused.value.field == "score"
    services.score_manually(cast.leader, mine, manual["id"], "28", "走访记录完整")
    mine.refresh_from_db()
    assert mine.total == Decimal("77.26") and mine.rank == 1
    # The results it passed moved down a rank (only their rank was written).
    assert round_.results.get(user=cast.grid_worker_b).rank == 2
    # Recomputing keeps it.
    services.compute_round(cast.leader, round_)
    assert round_.results.get(user=cast.grid_worker_a).total == Decimal("77.26")


def test_a_published_round_is_locked(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    services.publish_round(cast.leader, round_)
    mine = round_.results.get(user=cast.grid_worker_a)
    before = mine.total
    with pytest.raises(Locked):
        services.compute_round(cast.leader, round_)
    with pytest.raises(Locked):
        services.score_manually(cast.leader, mine, mine.lines.first().indicator_id, "1")
    with pytest.raises(Locked):
        services.publish_round(cast.leader, round_)
    with pytest.raises(Locked):
        services.file_appeal(
            cast.grid_worker_a,
            round_,
            story["one"].number,
            unit=cast.tree.grid_a,
            reason=AppealReason.UNREASONABLE,
            explanation="无理诉求",
        )
    assert round_.results.get(user=cast.grid_worker_a).total == before
    assert AuditEntry.objects.filter(action="evaluation.round.publish").count() == 1


def test_an_approved_appeal_removes_the_case_from_its_unit_only(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    appeal = services.file_appeal(
        cast.grid_worker_a,
        round_,
        story["two"].number,
        unit=cast.tree.grid_a,
        reason=AppealReason.NOT_OURS,
        explanation="该路灯属供电局维护",
    )
    with pytest.raises(Conflict) as refused:
        services.file_appeal(
            cast.grid_worker_a,
            round_,
            story["two"].number,
            unit=cast.tree.grid_a,
            reason=AppealReason.OTHER,
            explanation="再次申诉",
        )
    assert refused.value.field == "case"
    with pytest.raises(NotAllowed):
        services.decide_appeal(cast.grid_worker_a, appeal, approve=True, note="自己批准")
    services.decide_appeal(cast.leader, appeal, approve=True, note="情况属实，予以核减")
    assert Appeal.objects.get().state == AppealState.APPROVED
    assert AuditEntry.objects.filter(action="evaluation.appeal.decide").count() == 1
    round_ = services.compute_round(cast.leader, round_)
    mine = round_.results.get(user=cast.grid_worker_a)
    valid = lines_of(mine)["有效上报率"]
    assert (valid.numerator, valid.denominator, valid.excluded_cases) == (1, 2, 1)
    verified = lines_of(mine)["按时核查率"]
    assert (verified.numerator, verified.denominator) == (1, 1)
    other = round_.results.get(user=cast.grid_worker_b)
    assert all(line.excluded_cases == 0 for line in other.lines.all())
    with pytest.raises(Conflict):
        services.decide_appeal(cast.leader, appeal, approve=False, note="改判")


def test_appeals_need_a_visible_case_and_the_appellants_unit(cast, story):
    round_ = march_round(cast)
    with pytest.raises(NotAllowed):
        services.file_appeal(
            cast.grid_worker_a,
            round_,
            story["one"].number,
            unit=cast.tree.grid_b,
            reason=AppealReason.OTHER,
            explanation="x",
        )
    with pytest.raises(Invalid) as refused:
        services.file_appeal(
            cast.grid_worker_a,
            round_,
            "NOPE",
            unit=cast.tree.grid_a,
            reason=AppealReason.OTHER,
            explanation="x",
        )
    assert refused.value.field == "case"
    assert not Appeal.objects.exists()


def test_a_round_keeps_the_definition_it_was_scored_by(cast, story):
    system = grid_worker_system(cast)
    round_ = services.compute_round(cast.leader, march_round(cast, system))
    services.publish_round(cast.leader, round_)
    dimensions = [DimensionSpec("综合", 100, [IndicatorSpec("综合表现", 100, Method.MANUAL)])]
    services.define_system(
        cast.leader,
        cast.tree.district,
        name="网格员月度考核（新）",
        subject_kind=SubjectKind.GRID_WORKERS,
        dimensions=dimensions,
        system=system,
    )
    round_.refresh_from_db()
    assert [d["name"] for d in round_.definition["dimensions"]] == ["上报与核查", "走访"]


def test_communities_are_scored_on_area_and_unit_figures(cast, story):
    dimensions = [
        DimensionSpec(
            "办理",
            100,
            [
                IndicatorSpec("按期结案率", 60, Method.COMPUTED, "on_time_closure_rate"),
                IndicatorSpec("满意率", 40, Method.COMPUTED, "satisfaction_rate"),
            ],
        )
    ]
    system = services.define_system(
        cast.leader,
        cast.tree.district,
        name="社区考核",
        subject_kind=SubjectKind.COMMUNITIES,
        dimensions=dimensions,
    )
    round_ = services.compute_round(cast.leader, march_round(cast, system))
    community = round_.results.get(unit=cast.tree.community)
    closure = lines_of(community)["按期结案率"]
    assert (closure.numerator, closure.denominator) == (1, 2)
    assert round_.results.count() == 2  # both communities


def test_demo_evaluation_makes_two_systems_and_a_published_round(cast, story):
    from wangge.demo.evaluation import load_demo_evaluation
    from wangge.evaluation.models import Round

    made = load_demo_evaluation()
    assert made == 3 + 2
    assert IndicatorSystem.objects.count() == 2
    assert Round.objects.get().is_published
    assert load_demo_evaluation() == 0
