"""Schemas of the evaluation API: rounds, ranked results with the lines behind each score,
and appeals (evidence uploaded first with POST /api/v1/attachments and cited by uid)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema


class EvaluationDetail(Schema):
    detail: str


class EvaluationFieldError(Schema):
    loc: list[str | int]
    msg: str


class EvaluationFieldErrors(Schema):
    detail: list[EvaluationFieldError]


class EvaluationRoundOut(Schema):
    id: int
    system: str
    subject_kind: str
    first_day: date
    last_day: date
    state: str
    computed_at: datetime | None
    published_at: datetime | None


class EvaluationLineOut(Schema):
    dimension: str
    indicator: str
    method: str
    figure: str
    definition: str
    value: str
    numerator: float | None
    denominator: float | None
    points: str
    score: str | None
    excluded_cases: int


class EvaluationResultOut(Schema):
    id: int
    name: str
    unit: str
    total: str
    rank: int


class EvaluationResultDetail(EvaluationResultOut):
    lines: list[EvaluationLineOut]


class EvaluationAppealIn(Schema):
    round: int
    case: str = Field(..., max_length=32)
    unit: str = Field(..., max_length=32, description="code of your unit")
    reason: str
    explanation: str = Field(..., max_length=4000)
    evidence: list[UUID] = Field([], max_length=6)


class EvaluationDecisionIn(Schema):
    approve: bool
    note: str = Field(..., max_length=4000)


class EvaluationAppealOut(Schema):
    id: int
    round: int
    case: str
    unit: str
    reason: str
    explanation: str
    state: str
    filed_at: datetime
    decided_at: datetime | None
    decision_note: str
