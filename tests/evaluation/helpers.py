"""Shared by evaluation tests: a grid-worker system of the conftest district, a round of March
2026, built through the real services."""

from __future__ import annotations

from datetime import date
from typing import Any

from wangge.evaluation import services
from wangge.evaluation.models import IndicatorSystem, Method, PeriodKind, Round, SubjectKind
from wangge.evaluation.services import DimensionSpec, IndicatorSpec

MARCH = date(2026, 3, 1)


def grid_worker_dimensions() -> list[DimensionSpec]:
    return [
        DimensionSpec(
            "上报与核查",
            70,
            [
                IndicatorSpec("有效上报率", 50, Method.COMPUTED, "valid_report_rate", "0.9"),
                IndicatorSpec("按时核查率", 50, Method.COMPUTED, "on_time_verification_rate"),
            ],
        ),
        DimensionSpec("走访", 30, [IndicatorSpec("入户走访质量", 100, Method.MANUAL)]),
    ]


def grid_worker_system(cast: Any, **changes: Any) -> IndicatorSystem:
    fields = {
        "name": "网格员月度考核",
        "subject_kind": SubjectKind.GRID_WORKERS,
        "dimensions": grid_worker_dimensions(),
        **changes,
    }
    return services.define_system(cast.leader, cast.tree.district, **fields)


def march_round(cast: Any, system: IndicatorSystem | None = None) -> Round:
    system = system or grid_worker_system(cast)
    return services.open_round(cast.leader, system, PeriodKind.MONTH, MARCH)
