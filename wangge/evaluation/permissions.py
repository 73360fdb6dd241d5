"""Who may see and do what in evaluation.

Evaluators (MANAGE_EVALUATION) set up systems owned by units in their scope, compute, score,
decide appeals and publish. Everyone holding VIEW_EVALUATION sees the published results of the
subjects working within their scope (a grid worker: their grid, so their own); evaluators also
see drafts. Appeals are seen by the units that filed them (APPEAL_EVALUATION) and by the
evaluators over those units. A record out of reach is NotFound, exactly as an unknown one."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from wangge.core.models import User
from wangge.core.scope import Scope
from wangge.evaluation.exceptions import NotAllowed, NotFound
from wangge.evaluation.models import (
    Appeal,
    AppealEvidence,
    IndicatorSystem,
    Result,
    Round,
    RoundState,
    ScoreEvidence,
)
from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships, scope_for
from wangge.org.roles import ROLE_CAPABILITIES, Capability

AnyUser = User | AnonymousUser


def _in(scope: Scope, path_field: str) -> Q:
    if scope.everything:
        return Q()
    if not scope.paths:
        return Q(pk__in=[])
    condition = Q()
    for root in sorted(scope.paths):
        condition |= Q(**{f"{path_field}__startswith": root})
    return condition


def may_manage(user: AnyUser, unit: OrgUnit) -> bool:
    return scope_for(user, Capability.MANAGE_EVALUATION).contains(unit.path)


def require_manage(user: AnyUser, unit: OrgUnit) -> None:
    if not may_manage(user, unit):
        raise NotAllowed()


def may_evaluate_anywhere(user: AnyUser) -> bool:
    return not scope_for(user, Capability.MANAGE_EVALUATION).is_empty


def may_view_anywhere(user: AnyUser) -> bool:
    return not scope_for(user, Capability.VIEW_EVALUATION).is_empty


def may_appeal_anywhere(user: AnyUser) -> bool:
    return not scope_for(user, Capability.APPEAL_EVALUATION).is_empty


def managed_systems(user: AnyUser) -> QuerySet[IndicatorSystem]:
    scope = scope_for(user, Capability.MANAGE_EVALUATION)
    return IndicatorSystem.objects.filter(_in(scope, "unit__path"))


def visible_results(user: AnyUser) -> QuerySet[Result]:
    """Results of subjects within the user's VIEW scope: published ones, and drafts of rounds
    the user evaluates."""
    view = scope_for(user, Capability.VIEW_EVALUATION)
    manage = scope_for(user, Capability.MANAGE_EVALUATION)
    if view.is_empty and manage.is_empty:
        return Result.objects.none()
    shown = Q(round__state=RoundState.PUBLISHED) | _in(manage, "round__system__unit__path")
    return Result.objects.filter(_in(view, "home__path") | _in(manage, "home__path")).filter(shown)


def visible_rounds(user: AnyUser) -> QuerySet[Round]:
    """Rounds the user evaluates, and published rounds holding a result the user may see."""
    manage = scope_for(user, Capability.MANAGE_EVALUATION)
    if manage.is_empty and scope_for(user, Capability.VIEW_EVALUATION).is_empty:
        return Round.objects.none()
    seen = visible_results(user).values("round_id")
    return Round.objects.filter(_in(manage, "system__unit__path") | Q(pk__in=seen))


def visible_appeals(user: AnyUser) -> QuerySet[Appeal]:
    own = scope_for(user, Capability.APPEAL_EVALUATION)
    manage = scope_for(user, Capability.MANAGE_EVALUATION)
    if own.is_empty and manage.is_empty:
        return Appeal.objects.none()
    return Appeal.objects.filter(_in(own, "unit__path") | _in(manage, "unit__path"))


def _get(rows: QuerySet, pk: int | str) -> object:
    try:
        found = rows.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound()
    return found


def get_system_for_user(user: AnyUser, system_id: int | str) -> IndicatorSystem:
    return _get(managed_systems(user).select_related("unit"), system_id)  # type: ignore[return-value]


def get_round_for_user(user: AnyUser, round_id: int | str) -> Round:
    rows = visible_rounds(user).select_related("system", "system__unit")
    return _get(rows, round_id)  # type: ignore[return-value]


def get_result_for_user(user: AnyUser, result_id: int | str) -> Result:
    rows = visible_results(user).select_related("round", "round__system", "home", "user", "unit")
    return _get(rows, result_id)  # type: ignore[return-value]


def get_appeal_for_user(user: AnyUser, appeal_id: int | str) -> Appeal:
    rows = visible_appeals(user).select_related("round", "round__system", "case", "unit")
    return _get(rows, appeal_id)  # type: ignore[return-value]


def subject_key(result: Result) -> str:
    """How manual scores name the result's subject: "user:<id>" or "unit:<id>"."""
    return f"user:{result.user_id}" if result.user_id else f"unit:{result.unit_id}"


def get_score_evidence_for_user(
    user: AnyUser, result_id: int | str, score_evidence_id: int | str
) -> ScoreEvidence:
    """A file behind a manual score of a result the user may see (its own subject's only)."""
    result = get_result_for_user(user, result_id)
    rows = ScoreEvidence.objects.select_related("attachment").filter(
        score__round_id=result.round_id, score__subject=subject_key(result)
    )
    return _get(rows, score_evidence_id)  # type: ignore[return-value]


def get_appeal_evidence_for_user(
    user: AnyUser, appeal_id: int | str, appeal_evidence_id: int | str
) -> AppealEvidence:
    """A file of an appeal the user may see."""
    appeal = get_appeal_for_user(user, appeal_id)
    rows = AppealEvidence.objects.select_related("attachment").filter(appeal=appeal)
    return _get(rows, appeal_evidence_id)  # type: ignore[return-value]


def appeal_units(user: AnyUser) -> QuerySet[OrgUnit]:
    """The units the user may appeal for: those where they hold APPEAL_EVALUATION."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    paths = [
        path
        for role, path in active_memberships(user)
        if Capability.APPEAL_EVALUATION in ROLE_CAPABILITIES.get(role, frozenset())
    ]
    return OrgUnit.objects.filter(path__in=paths).order_by("path")
