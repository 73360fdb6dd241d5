"""Endpoints of evaluation (mounted under /api/v1/ by wangge.api): rounds and their ranked
results (read), one result's lines, and appeals (create, decide). Thin: reads go through
`permissions`, writes through `services`; refusals are mapped once: NotFound 404, NotAllowed
403, Locked and Conflict 409, Invalid 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from wangge.cases.models import Attachment
from wangge.core.api_refusals import answer_refusals
from wangge.core.models import User
from wangge.evaluation import queries, services
from wangge.evaluation.api_schemas import (
    EvaluationAppealIn,
    EvaluationAppealOut,
    EvaluationDecisionIn,
    EvaluationDetail,
    EvaluationFieldErrors,
    EvaluationLineOut,
    EvaluationResultDetail,
    EvaluationResultOut,
    EvaluationRoundOut,
)
from wangge.evaluation.exceptions import (
    Conflict,
    EvaluationError,
    Invalid,
    Locked,
    NotAllowed,
    NotFound,
)
from wangge.evaluation.models import Appeal, Result, Round
from wangge.evaluation.permissions import (
    appeal_units,
    get_appeal_for_user,
    get_result_for_user,
    get_round_for_user,
    visible_rounds,
)

router = Router(tags=["evaluation"])
_READ: dict[int, Any] = {404: EvaluationDetail}
_WRITE: dict[int, Any] = {
    403: EvaluationDetail,
    404: EvaluationDetail,
    409: EvaluationDetail,
    422: EvaluationFieldErrors,
}


router.add_decorator(
    answer_refusals(EvaluationError, {NotFound: 404, NotAllowed: 403, Locked: 409, Conflict: 409})
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _round_out(round_: Round) -> dict[str, Any]:
    return {
        "id": round_.pk,
        "system": round_.system.name,
        "subject_kind": round_.system.subject_kind,
        "first_day": round_.first_day,
        "last_day": round_.last_day,
        "state": round_.state,
        "computed_at": round_.computed_at,
        "published_at": round_.published_at,
    }


def _result_out(result: Result) -> dict[str, Any]:
    return {
        "id": result.pk,
        "name": result.name,
        "unit": result.home.name,
        "total": str(result.total),
        "rank": result.rank,
    }


def _appeal_out(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "round": appeal.round_id,
        "case": appeal.case.number,
        "unit": appeal.unit.code,
        "reason": appeal.reason,
        "explanation": appeal.explanation,
        "state": appeal.state,
        "filed_at": appeal.filed_at,
        "decided_at": appeal.decided_at,
        "decision_note": appeal.decision_note,
    }


@router.get("/evaluation/rounds", response=list[EvaluationRoundOut], summary="Rounds you may see")
def list_rounds(request: HttpRequest) -> list[dict[str, Any]]:
    rounds = visible_rounds(_user(request)).select_related("system")[:200]
    return [_round_out(r) for r in rounds]


@router.get(
    "/evaluation/rounds/{round_id}/results",
    response={200: list[EvaluationResultOut], **_READ},
    summary="A round's results you may see, ranked",
)
def round_results(request: HttpRequest, round_id: int) -> list[dict[str, Any]]:
    round_ = get_round_for_user(request.user, round_id)
    return [_result_out(r) for r in queries.ranking(request.user, round_)]


@router.get(
    "/evaluation/results/{result_id}",
    response={200: EvaluationResultDetail, **_READ},
    summary="One result with the details behind every score",
)
def result_detail(request: HttpRequest, result_id: int) -> dict[str, Any]:
    result = get_result_for_user(request.user, result_id)
    lines = [
        EvaluationLineOut(
            dimension=line.dimension,
            indicator=line.name,
            method=line.method,
            figure=line.figure_key,
            definition=line.definition,
            value=line.shown,
            numerator=line.numerator,
            denominator=line.denominator,
            points=str(line.points),
            score=None if line.score is None else str(line.score),
            excluded_cases=line.excluded_cases,
        )
        for line in queries.details(result)
    ]
    return {**_result_out(result), "lines": lines}


@router.post(
    "/evaluation/appeals",
    response={201: EvaluationAppealOut, **_WRITE},
    summary="Appeal a case your unit should not be scored on (409 when one is open already)",
)
def create_appeal(request: HttpRequest, payload: EvaluationAppealIn) -> Status:
    user = _user(request)
    unit = appeal_units(user).filter(code=payload.unit).first()
    if unit is None:
        raise NotAllowed(None, "unit")
    round_ = _appeal_round(user, payload.round)
    found = {a.uid: a for a in Attachment.objects.filter(uid__in=payload.evidence)}
    evidence = [found[uid] for uid in payload.evidence if uid in found]
    if len(evidence) != len(payload.evidence):
        raise Invalid(None, "evidence")
    appeal = services.file_appeal(
        user,
        round_,
        payload.case,
        unit=unit,
        reason=payload.reason,
        explanation=payload.explanation,
        evidence=evidence,
    )
    return Status(201, _appeal_out(appeal))


def _appeal_round(user: User, round_id: int) -> Round:
    """A draft round over one of the user's units (they may not see its results yet)."""
    paths = [u.path for u in appeal_units(user)]
    round_ = Round.objects.select_related("system__unit").filter(pk=round_id).first()
    if round_ is None or not any(p.startswith(round_.system.unit.path) for p in paths):
        raise NotFound()
    return round_


@router.post(
    "/evaluation/appeals/{appeal_id}/decision",
    response={200: EvaluationAppealOut, **_WRITE},
    summary="Approve or reject an open appeal, with a note",
)
def decide_appeal(
    request: HttpRequest, appeal_id: int, payload: EvaluationDecisionIn
) -> dict[str, Any]:
    appeal = get_appeal_for_user(request.user, appeal_id)
    decided = services.decide_appeal(
        _user(request), appeal, approve=payload.approve, note=payload.note
    )
    return _appeal_out(decided)
