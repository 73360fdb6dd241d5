"""Demo evaluation: the grid workers' monthly evaluation of 蓬江区 (reports, verification, care
visits, canvassing, and a manual score for patrol quality), the four-dimension evaluation of
the liaisons (here: community staff), and last month's grid-worker round computed and
published over the demo's cases, all through the evaluation services as the demo leader."""

from __future__ import annotations

from wangge.core import clock
from wangge.core.models import User
from wangge.evaluation import services
from wangge.evaluation.models import IndicatorSystem, Method, PeriodKind, SubjectKind
from wangge.evaluation.services import DimensionSpec, IndicatorSpec
from wangge.org.models import OrgUnit
from wangge.org.roles import Role

LEADER = "leader"
GRID_WORKERS = [
    DimensionSpec(
        "事件上报与核查",
        60,
        [
            IndicatorSpec("有效上报数", 30, Method.COMPUTED, "valid_reports", "20"),
            IndicatorSpec("有效上报率", 30, Method.COMPUTED, "valid_report_rate", "0.9"),
            IndicatorSpec("按时核查率", 40, Method.COMPUTED, "on_time_verification_rate", "0.95"),
        ],
    ),
    DimensionSpec(
        "走访与摸排",
        30,
        [
            IndicatorSpec("关爱走访按时率", 50, Method.COMPUTED, "worker_care_visits_on_time"),
            IndicatorSpec("敲门行动覆盖率", 50, Method.COMPUTED, "worker_canvass_coverage"),
        ],
    ),
    DimensionSpec("日常巡查", 10, [IndicatorSpec("巡查质量", 100, Method.MANUAL)]),
]
LIAISONS = [
    DimensionSpec(name, 25, [IndicatorSpec(f"{name}工作评分", 100, Method.MANUAL)])
    for name in ("组织建设", "党员发展", "组织生活", "企业发展")
]


def load_demo_evaluation() -> int:
    """The two systems and last month's published round, unless a system exists; rows made."""
    leader = User.objects.filter(username=LEADER).first()
    if leader is None or IndicatorSystem.objects.exists():
        return 0
    unit = (
        OrgUnit.objects.filter(memberships__user=leader, memberships__role=Role.LEADER)
        .order_by("depth")
        .first()
    )
    if unit is None:
        return 0
    workers = services.define_system(
        leader,
        unit,
        name="网格员月度考核",
        subject_kind=SubjectKind.GRID_WORKERS,
        dimensions=GRID_WORKERS,
    )
    services.define_system(
        leader,
        unit,
        name="党建指导员四维考核",
        subject_kind=SubjectKind.PERSONS,
        subject_role=Role.COMMUNITY_STAFF,
        dimensions=LIAISONS,
    )
    first, _last = services.last_month(clock.today())
    round_ = services.open_round(leader, workers, PeriodKind.MONTH, first)
    round_ = services.compute_round(leader, round_)
    manual = next(
        i
        for d in round_.definition["dimensions"]
        for i in d["indicators"]
        if i["method"] == Method.MANUAL
    )
    for result in round_.results.all()[:20]:
        services.score_manually(leader, result, manual["id"], "8", "巡查记录完整")
    services.publish_round(leader, round_)
    return 3 + round_.results.count()
