"""The evaluation part of the authorization table's world (tests/security/world.py): a grid
worker system owned by 环市街道 (the world's subtree), a computed draft round, its result for
grid A's worker and an open appeal of grid A, built through the services as the district
leader; the system's name, the appeal's explanation and the worker's name in a result are
secrets the other subtree never sees. Every route is scoped: a system by MANAGE_EVALUATION over
its unit, a round or result by the subjects within the user's VIEW scope (drafts only to
evaluators), an appeal by its unit; an evidence file (of the worker's manual score, of the
appeal) by the result or appeal it belongs to, its opening audited.
`GET evaluation/rounds/<id>/export.xlsx` writes one audit entry of its own. `pages(ids)` lists
the pages for the every-page sweep."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def _photo() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(output, format="JPEG")
    return output.getvalue()


PARAM_SOURCES: dict[str, str] = {
    "system_id": "evaluation_system_id",
    "round_id": "evaluation_round_id",
    "result_id": "evaluation_result_id",
    "appeal_id": "evaluation_appeal_id",
    "score_evidence_id": "evaluation_score_evidence_id",
    "appeal_evidence_id": "evaluation_appeal_evidence_id",
}
# Valid bodies, so that a refusal comes from the scope checks and not the schema.
ROUTE_BODIES: dict[str, dict[str, Any]] = {
    "api/v1/evaluation/appeals": {
        "round": 1,
        "case": "X",
        "unit": "440703006107001",
        "reason": "other",
        "explanation": "越权申诉",
    },
    "api/v1/evaluation/appeals/<appeal_id>/decision": {"approve": True, "note": "越权决定"},
}
OWN_TABLES: dict[str, frozenset[str]] = {
    "GET evaluation/rounds/<int:round_id>/export.xlsx": frozenset({"core.auditentry"}),
}


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    from wangge.evaluation import services
    from wangge.evaluation.models import Method, PeriodKind, SubjectKind
    from wangge.evaluation.services import DimensionSpec, IndicatorSpec

    leader = cast.leader
    system = services.define_system(
        leader,
        cast.tree.town,
        name="秘密网格员考核体系",
        subject_kind=SubjectKind.GRID_WORKERS,
        dimensions=[
            DimensionSpec(
                "秘密维度",
                100,
                [
                    IndicatorSpec("秘密指标", 50, Method.COMPUTED, "valid_report_rate"),
                    IndicatorSpec("秘密手工指标", 50, Method.MANUAL),
                ],
            )
        ],
    )
    today = services.clock.today()
    round_ = services.open_round(leader, system, PeriodKind.MONTH, today)
    round_ = services.compute_round(leader, round_)
    result = round_.results.get(user=cast.grid_worker_a)
    manual_id = next(
        i["id"]
        for d in round_.definition["dimensions"]
        for i in d["indicators"]
        if i["method"] == Method.MANUAL
    )
    photo = services.store_evidence(leader, io.BytesIO(_photo()), "秘密评分证据.jpg")
    score = services.score_manually(
        leader, result, manual_id, "30", "秘密评分说明", evidence=[photo]
    )
    case = services.visible_cases(cast.grid_worker_a).order_by("pk").first()
    ids: dict[str, object] = {
        "evaluation_system_id": system.pk,
        "evaluation_round_id": round_.pk,
        "evaluation_result_id": result.pk,
        "evaluation_score_evidence_id": score.evidence.get().pk,
    }
    if case is not None:
        appeal = services.file_appeal(
            cast.grid_worker_a,
            round_,
            case.number,
            unit=cast.tree.grid_a,
            reason="other",
            explanation="秘密申诉说明",
            evidence=[
                services.store_evidence(
                    cast.grid_worker_a, io.BytesIO(_photo()), "秘密申诉证据.jpg"
                )
            ],
        )
        ids["evaluation_appeal_evidence_id"] = appeal.evidence.get().pk
        ids["evaluation_appeal_id"] = appeal.pk
        secrets["evaluation appeal explanation"] = "秘密申诉说明"
    secrets["evaluation system name"] = "秘密网格员考核体系"
    secrets["evaluation indicator name"] = "秘密手工指标"
    secrets["evaluation manual score note"] = "秘密评分说明"
    return ids


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    pages_ = [
        ("evaluation home", "leader", "/evaluation/", "h1"),
        (
            "evaluation system",
            "leader",
            f"/evaluation/systems/{ids['evaluation_system_id']}/",
            "h1",
        ),
        (
            "evaluation system edit",
            "leader",
            f"/evaluation/systems/{ids['evaluation_system_id']}/edit/",
            "#system-form",
        ),
        (
            "evaluation round",
            "leader",
            f"/evaluation/rounds/{ids['evaluation_round_id']}/",
            "#ranking",
        ),
        (
            "evaluation result",
            "leader",
            f"/evaluation/results/{ids['evaluation_result_id']}/",
            "#result-total",
        ),
        ("evaluation appeals", "grid_worker_a", "/evaluation/appeals/", "h1"),
        ("evaluation new appeal", "grid_worker_a", "/evaluation/appeals/new/", "#appeal-form"),
    ]
    if "evaluation_appeal_id" in ids:
        pages_.append(
            (
                "evaluation appeal",
                "leader",
                f"/evaluation/appeals/{ids['evaluation_appeal_id']}/",
                "#appeal-facts",
            )
        )
    return pages_
