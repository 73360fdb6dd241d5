"""Reads of evaluation: a round's ranking, one result's details (each indicator with its
definition, value, numerator and denominator, score, manual note and the appeals taken out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wangge.core.models import User
from wangge.evaluation.models import Appeal, AppealState, ManualScore, Result, Round
from wangge.evaluation.permissions import subject_key, visible_results
from wangge.evaluation.services import figure_of
from wangge.org.models import Membership


@dataclass
class DetailLine:
    dimension: str
    name: str
    method: str
    figure_key: str
    figure_label: str
    definition: str
    shown: str
    numerator: float | None
    denominator: float | None
    points: Any
    score: Any
    target: str | None
    target_shown: str
    excluded_cases: int
    note: str = ""
    indicator_id: int = 0
    # ScoreEvidence rows (their `attachment` loaded): each file is served by its row's id.
    evidence: list[Any] = field(default_factory=list)


def _target_shown(figure: Any, target: str | None) -> str:
    """The value that earns full points, as the figure shows values (a rate as a percentage)."""
    if figure is None or target is None:
        return ""
    try:
        return figure.display(float(target))
    except (TypeError, ValueError):
        return target


def ranking(user: User, round_: Round) -> list[Result]:
    return list(
        visible_results(user).filter(round=round_).select_related("home").order_by("rank", "name")
    )


def indicators_of(round_: Round) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(d, i) for d in round_.definition.get("dimensions", []) for i in d["indicators"]]


def details(result: Result) -> list[DetailLine]:
    round_ = result.round
    lines = {line.indicator_id: line for line in result.lines.all()}
    manual = {
        m.indicator_id: m
        for m in ManualScore.objects.filter(
            round=round_, subject=subject_key(result)
        ).prefetch_related("evidence__attachment")
    }
    rows = []
    for dimension, item in indicators_of(round_):
        line = lines.get(item["id"])
        figure = figure_of(item["figure"]) if item["figure"] else None
        score = manual.get(item["id"])
        rows.append(
            DetailLine(
                dimension=dimension["name"],
                name=item["name"],
                method=item["method"],
                figure_key=item["figure"],
                figure_label=str(figure.label) if figure else "",
                definition=str(figure.definition) if figure else item.get("description", ""),
                shown=figure.display(line.value) if figure and line else "",
                numerator=line.numerator if line else None,
                denominator=line.denominator if line else None,
                points=item["points"],
                score=line.score if line else None,
                target=item["target"],
                target_shown=_target_shown(figure, item["target"]),
                excluded_cases=line.excluded_cases if line else 0,
                note=score.note if score else "",
                indicator_id=item["id"],
                evidence=list(score.evidence.all()) if score else [],
            )
        )
    return rows


def appeals_behind(result: Result) -> list[Appeal]:
    """The approved appeals that took cases out of this subject's figures."""
    if result.unit_id:
        units = [result.unit_id]
    else:
        units = list(
            Membership.objects.filter(user_id=result.user_id, is_active=True).values_list(
                "unit_id", flat=True
            )
        )
    return list(
        Appeal.objects.filter(state=AppealState.APPROVED, unit_id__in=units)
        .select_related("case", "unit", "decided_by")
        .order_by("-decided_at")
    )
