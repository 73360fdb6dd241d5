"""Every change in evaluation: defining an indicator system, opening, computing, scoring and
publishing a round, filing and deciding appeals. Each takes the acting user first, checks
permission, runs in one transaction and writes the audit log.

Figures come from analytics (`definitions.FIGURES`/`ROLE_FIGURES`, `role_figures`,
`queries.Reader`): evaluation only scores them. A published round is locked: every write that
would touch it is refused with `Locked`."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.analytics.definitions import FIGURES, ROLE_FIGURES, Figure, RoleSubject
from wangge.analytics.queries import Period, Reader, Scope
from wangge.analytics.role_figures import role_measures
from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import Attachment
from wangge.cases.permissions import visible_cases
from wangge.cases.services import store_attachment
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.evaluation.exceptions import Conflict, Invalid, Locked, NotAllowed
from wangge.evaluation.models import (
    Appeal,
    AppealEvidence,
    AppealReason,
    AppealState,
    Dimension,
    Indicator,
    IndicatorSystem,
    ManualScore,
    Method,
    PeriodKind,
    Result,
    ResultLine,
    Round,
    RoundState,
    ScoreEvidence,
    SubjectKind,
)
from wangge.evaluation.permissions import appeal_units, require_manage, subject_key
from wangge.org.models import Membership, OrgUnit
from wangge.org.roles import AREA_KINDS, GRID_WORKER_ROLES, Role, UnitKind

MAX_EVIDENCE = 6
TEXT_MAX = 4000
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# Which role figures score which subjects; communities may also use the area figures.
ROLE_SUBJECT_OF: dict[str, str | None] = {
    SubjectKind.GRID_WORKERS: RoleSubject.GRID_WORKER,
    SubjectKind.DISPATCHERS: RoleSubject.DISPATCHER,
    SubjectKind.DEPARTMENTS: RoleSubject.DEPARTMENT,
    SubjectKind.COMMUNITIES: RoleSubject.UNIT,
    SubjectKind.PERSONS: None,
}


def figure_of(key: str) -> Figure | None:
    return ROLE_FIGURES.get(key) or FIGURES.get(key)


def figures_for(subject_kind: str, subject_role: str = "") -> list[Figure]:
    """The figures an indicator for these subjects may use."""
    subject = ROLE_SUBJECT_OF.get(subject_kind)
    if subject_kind == SubjectKind.PERSONS:
        if subject_role in GRID_WORKER_ROLES:
            subject = RoleSubject.GRID_WORKER
        elif subject_role == Role.DISPATCHER:
            subject = RoleSubject.DISPATCHER
    chosen: list[Figure] = [f for f in ROLE_FIGURES.values() if f.subject == subject]
    if subject_kind == SubjectKind.DEPARTMENTS:
        chosen += [f for f in ROLE_FIGURES.values() if f.subject == RoleSubject.UNIT]
    if subject_kind == SubjectKind.COMMUNITIES:
        chosen += list(FIGURES.values())
    return chosen


# --- indicator systems --------------------------------------------------------------------------


@dataclass
class IndicatorSpec:
    name: str
    weight: Any
    method: str = Method.MANUAL
    figure: str = ""
    target: Any = None
    description: str = ""


@dataclass
class DimensionSpec:
    name: str
    weight: Any
    indicators: list[IndicatorSpec] = field(default_factory=list)


def _decimal(value: Any, field_name: str, *, low: Decimal, high: Decimal | None) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(_("Enter a number."), field_name) from None
    if not number.is_finite() or number <= low or (high is not None and number > high):
        if high is None:
            raise Invalid(_("Enter a number above %(low)s.") % {"low": low}, field_name)
        raise Invalid(
            _("Enter a number above %(low)s and at most %(high)s.") % {"low": low, "high": high},
            field_name,
        )
    return number


def _text(value: Any, field_name: str, *, required: bool = True, limit: int = 100) -> str:
    if not isinstance(value, str):
        raise Invalid(_("This must be text."), field_name)
    text = value.strip()
    if "\x00" in text:
        raise Invalid(_("This text holds characters that are not allowed."), field_name)
    if required and not text:
        raise Invalid(_("This field is required."), field_name)
    if len(text) > limit:
        raise Invalid(_("At most %(count)d characters are allowed.") % {"count": limit}, field_name)
    return text


def _checked_dimensions(
    dimensions: Sequence[DimensionSpec], subject_kind: str, subject_role: str
) -> list[tuple[DimensionSpec, Decimal, list[tuple[IndicatorSpec, Decimal, Decimal | None]]]]:
    if not dimensions:
        raise Invalid(_("Add at least one dimension."), "dimensions")
    allowed = {f.key for f in figures_for(subject_kind, subject_role)}
    checked = []
    total = Decimal(0)
    for i, dimension in enumerate(dimensions):
        prefix = f"dimensions[{i}]"
        _text(dimension.name, f"{prefix}.name")
        weight = _decimal(dimension.weight, f"{prefix}.weight", low=Decimal(0), high=HUNDRED)
        total += weight
        if not dimension.indicators:
            raise Invalid(_("Add at least one indicator."), f"{prefix}.indicators")
        inner_total = Decimal(0)
        indicators = []
        for j, indicator in enumerate(dimension.indicators):
            inner = f"{prefix}.indicators[{j}]"
            _text(indicator.name, f"{inner}.name")
            _text(indicator.description, f"{inner}.description", required=False, limit=TEXT_MAX)
            share = _decimal(indicator.weight, f"{inner}.weight", low=Decimal(0), high=HUNDRED)
            inner_total += share
            target = None
            if indicator.method == Method.COMPUTED:
                if indicator.figure not in allowed:
                    raise Invalid(_("Choose a figure these subjects have."), f"{inner}.figure")
                figure = figure_of(indicator.figure)
                if indicator.target not in (None, ""):
                    target = _decimal(
                        indicator.target, f"{inner}.target", low=Decimal(0), high=None
                    )
                elif figure is not None and figure.denominator is None:
                    raise Invalid(_("A count needs a target."), f"{inner}.target")
            elif indicator.method != Method.MANUAL:
                raise Invalid(_("Choose computed or manual."), f"{inner}.method")
            indicators.append((indicator, share, target))
        if inner_total != HUNDRED:
            raise Invalid(
                _("The indicators' weights of a dimension must add up to 100 (now %(total)s).")
                % {"total": inner_total.normalize()},
                f"{prefix}.indicators",
            )
        checked.append((dimension, weight, indicators))
    if total != HUNDRED:
        raise Invalid(
            _("The dimensions' weights must add up to 100 (now %(total)s).")
            % {"total": total.normalize()},
            "dimensions",
        )
    return checked


def define_system(
    actor: User,
    unit: OrgUnit,
    *,
    name: str,
    subject_kind: str,
    dimensions: Sequence[DimensionSpec],
    subject_role: str = "",
    description: str = "",
    system: IndicatorSystem | None = None,
) -> IndicatorSystem:
    """Create a system, or replace one's definition whole (its rounds keep their frozen
    copies). Dimension weights add up to 100, and so do each dimension's indicator weights."""
    require_manage(actor, unit)
    if system is not None:
        require_manage(actor, system.unit)
    name = _text(name, "name")
    description = _text(description, "description", required=False, limit=TEXT_MAX)
    if subject_kind not in SubjectKind.values:
        raise Invalid(_("Choose who is evaluated."), "subject_kind")
    if subject_kind == SubjectKind.PERSONS:
        if subject_role not in Role.values:
            raise Invalid(_("Choose the role evaluated."), "subject_role")
    else:
        subject_role = ""
    checked = _checked_dimensions(dimensions, subject_kind, subject_role)
    now = clock.now()
    with transaction.atomic():
        if system is None:
            system = IndicatorSystem.objects.create(
                unit=unit,
                name=name,
                subject_kind=subject_kind,
                subject_role=subject_role,
                description=description,
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
        else:
            system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
            system.unit, system.name, system.description = unit, name, description
            system.subject_kind, system.subject_role, system.updated_at = (
                subject_kind,
                subject_role,
                now,
            )
            system.save(
                update_fields=[
                    "unit",
                    "name",
                    "description",
                    "subject_kind",
                    "subject_role",
                    "updated_at",
                ]
            )
            Indicator.objects.filter(dimension__system=system).delete()
            system.dimensions.all().delete()
        for order, (spec, weight, indicators) in enumerate(checked):
            dimension = Dimension.objects.create(
                system=system, name=spec.name.strip(), weight=weight, order=order
            )
            Indicator.objects.bulk_create(
                Indicator(
                    dimension=dimension,
                    name=item.name.strip(),
                    weight=share,
                    method=item.method,
                    figure=item.figure if item.method == Method.COMPUTED else "",
                    target=target,
                    description=item.description.strip(),
                    order=position,
                )
                for position, (item, share, target) in enumerate(indicators)
            )
        audit.record(actor, "evaluation.system.define", system, name)
    return system


def system_specs(system: IndicatorSystem) -> list[DimensionSpec]:
    """The system's definition as specs (to edit it)."""
    return [
        DimensionSpec(
            d.name,
            d.weight,
            [
                IndicatorSpec(i.name, i.weight, i.method, i.figure, i.target, i.description)
                for i in d.indicators.all()
            ],
        )
        for d in system.dimensions.prefetch_related("indicators")
    ]


def frozen_definition(system: IndicatorSystem) -> dict[str, Any]:
    """The system as a round keeps it: names, weights, points, methods, figures, targets."""
    dimensions = []
    for d in system.dimensions.prefetch_related("indicators"):
        indicators = []
        for i in d.indicators.all():
            points = (d.weight * i.weight / HUNDRED).quantize(CENT, ROUND_HALF_UP)
            indicators.append(
                {
                    "id": i.pk,
                    "name": i.name,
                    "weight": str(i.weight),
                    "points": str(points),
                    "method": i.method,
                    "figure": i.figure,
                    "target": None if i.target is None else str(i.target),
                    "description": i.description,
                }
            )
        dimensions.append(
            {"id": d.pk, "name": d.name, "weight": str(d.weight), "indicators": indicators}
        )
    return {
        "name": system.name,
        "subject_kind": system.subject_kind,
        "subject_role": system.subject_role,
        "dimensions": dimensions,
    }


# --- rounds -------------------------------------------------------------------------------------


def period_of(kind: str, first: date, last: date | None = None) -> tuple[date, date]:
    """The period of that kind starting at (the month, quarter or year of) `first`."""
    if kind == PeriodKind.MONTH:
        start = first.replace(day=1)
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if kind == PeriodKind.QUARTER:
        start = first.replace(month=(first.month - 1) // 3 * 3 + 1, day=1)
        end_month = start.month + 2
        return start, start.replace(
            month=end_month, day=calendar.monthrange(start.year, end_month)[1]
        )
    if kind == PeriodKind.YEAR:
        return first.replace(month=1, day=1), first.replace(month=12, day=31)
    if kind == PeriodKind.CUSTOM:
        if last is None:
            raise Invalid(_("Enter the last day."), "last_day")
        if last < first:
            raise Invalid(_("The last day must not be before the first."), "last_day")
        if (last - first).days > 366 * 3:
            raise Invalid(_("A period is at most three years."), "last_day")
        return first, last
    raise Invalid(_("Choose a month, a quarter, a year or a custom period."), "period_kind")


def open_round(
    actor: User, system: IndicatorSystem, period_kind: str, first: date, last: date | None = None
) -> Round:
    require_manage(actor, system.unit)
    first_day, last_day = period_of(period_kind, first, last)
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                system=system,
                period_kind=period_kind,
                first_day=first_day,
                last_day=last_day,
                created_by=actor,
                created_at=clock.now(),
            )
            audit.record(actor, "evaluation.round.open", round_, f"{first_day}–{last_day}")
    except IntegrityError:
        raise Conflict(_("This system has a round for that period already."), "first_day") from None
    return round_


@dataclass
class Subject:
    key: str  # "user:<id>" or "unit:<id>"
    pk: int
    name: str
    home: OrgUnit
    units: set[int] = field(default_factory=set)  # a person's units (their appeals count)

    @property
    def is_user(self) -> bool:
        return self.key.startswith("user:")


def subjects_of(system: IndicatorSystem) -> list[Subject]:
    """Who the system evaluates: the holders of the role, or the units of the kind, within its
    unit's subtree."""
    root = system.unit.path
    kind = system.subject_kind
    if kind in (SubjectKind.DEPARTMENTS, SubjectKind.COMMUNITIES):
        kinds = [UnitKind.DEPARTMENT] if kind == SubjectKind.DEPARTMENTS else list(AREA_KINDS)
        units = OrgUnit.objects.filter(
            path__startswith=root, kind__in=kinds, is_active=True
        ).order_by("path")
        return [Subject(f"unit:{u.pk}", u.pk, u.name, u, {u.pk}) for u in units]
    roles = {
        SubjectKind.GRID_WORKERS: list(GRID_WORKER_ROLES),
        SubjectKind.DISPATCHERS: [Role.DISPATCHER],
        SubjectKind.PERSONS: [system.subject_role],
    }[kind]
    memberships = (
        Membership.objects.filter(
            role__in=roles,
            is_active=True,
            unit__is_active=True,
            user__is_active=True,
            unit__path__startswith=root,
        )
        .select_related("user", "unit")
        .order_by("unit__path", "user_id")
    )
    people: dict[int, Subject] = {}
    for membership in memberships:
        user = membership.user
        subject = people.setdefault(
            user.pk,
            Subject(f"user:{user.pk}", user.pk, user.display_name[:100], membership.unit),
        )
        subject.units.add(membership.unit_id)
    return list(people.values())


def excluded_cases(subjects: Iterable[Subject]) -> dict[int, set[int]]:
    """{subject pk: case ids} taken out by the approved appeals of each subject's unit(s)."""
    subjects = list(subjects)
    units = {unit for subject in subjects for unit in subject.units}
    by_unit: dict[int, set[int]] = {}
    for unit_id, case_id in Appeal.objects.filter(
        state=AppealState.APPROVED, unit_id__in=units
    ).values_list("unit_id", "case_id"):
        by_unit.setdefault(unit_id, set()).add(case_id)
    result: dict[int, set[int]] = {}
    for subject in subjects:
        cases = set().union(*(by_unit.get(unit, set()) for unit in subject.units))
        if cases:
            result[subject.pk] = cases
    return result


def _score(points: Decimal, figure: Figure, value: float | None, target: Decimal | None) -> Decimal:
    """points × min(1, value / target), or × min(1, target / value) when lower is better; a
    figure with nothing to rate (no denominator) earns full points."""
    if value is None:
        return points
    goal = float(target) if target is not None else 1.0
    if figure.higher_is_better:
        share = 1.0 if goal <= 0 else min(1.0, value / goal)
    else:
        share = 1.0 if value <= goal or value <= 0 else min(1.0, goal / value)
    return (points * Decimal(str(max(0.0, share)))).quantize(CENT, ROUND_HALF_UP)


def _measures_for(
    system: IndicatorSystem, subjects: list[Subject], period: Period, keys: set[str]
) -> dict[str, dict[str, float]]:
    """{subject key: measures} for the figures the definition uses."""
    today = clock.today()
    excluded = excluded_cases(subjects)
    result: dict[str, dict[str, float]] = {s.key: {} for s in subjects}
    role_subjects = {f.subject for k in keys if (f := ROLE_FIGURES.get(k)) is not None}
    for role_subject in role_subjects:
        measures = role_measures(
            role_subject, [s.pk for s in subjects], period, excluded, today=today
        )
        for subject in subjects:
            result[subject.key].update(measures.get(subject.pk, {}))
    area_keys = [k for k in keys if k in FIGURES]
    if area_keys:
        for subject in subjects:
            totals = dict(Reader(Scope(subject.home)).totals(period))
            for key in area_keys:
                figure = FIGURES[key]
                if figure.compute is not None:
                    areas = set(
                        OrgUnit.objects.filter(path__startswith=subject.home.path)
                        .exclude(kind=UnitKind.DEPARTMENT)
                        .values_list("pk", flat=True)
                    )
                    top, bottom = figure.compute(areas, period.first, period.last, today)
                    totals[figure.numerator] = top
                    if figure.denominator:
                        totals[figure.denominator] = bottom
            result[subject.key].update(totals)
    return result


def compute_round(actor: User, round_: Round) -> Round:
    """(Re)compute every result of a draft round from the system as it is now (frozen into the
    round), the figures of the period and the manual scores entered so far."""
    require_manage(actor, round_.system.unit)
    with transaction.atomic():
        round_ = Round.objects.select_for_update().select_related("system__unit").get(pk=round_.pk)
        if round_.is_published:
            raise Locked()
        system = round_.system
        definition = frozen_definition(system)
        subjects = subjects_of(system)
        period = Period(round_.first_day, round_.last_day)
        indicators = [
            (d, i) for d in definition["dimensions"] for i in d["indicators"]
        ]  # fmt: skip
        keys = {i["figure"] for _d, i in indicators if i["method"] == Method.COMPUTED}
        measures = _measures_for(system, subjects, period, keys)
        excluded = excluded_cases(subjects)
        manual = {
            (m.indicator_id, m.subject): m.score for m in ManualScore.objects.filter(round=round_)
        }
        round_.results.all().delete()
        results = Result.objects.bulk_create(
            Result(
                round=round_,
                user_id=s.pk if s.is_user else None,
                unit_id=None if s.is_user else s.pk,
                home=s.home,
                name=s.name,
            )
            for s in subjects
        )
        lines = []
        for subject, result in zip(subjects, results, strict=True):
            for dimension, item in indicators:
                points = Decimal(item["points"])
                line = ResultLine(
                    result=result,
                    indicator_id=item["id"],
                    dimension_id=dimension["id"],
                    points=points,
                )
                if item["method"] == Method.COMPUTED:
                    figure = figure_of(item["figure"])
                    if figure is None:
                        continue
                    totals = measures[subject.key]
                    line.numerator = totals.get(figure.numerator, 0)
                    if figure.denominator:
                        line.denominator = totals.get(figure.denominator, 0)
                    line.value = figure.value(totals)
                    target = None if item["target"] is None else Decimal(item["target"])
                    line.score = _score(points, figure, line.value, target)
                    if item["figure"] in ROLE_FIGURES:
                        line.excluded_cases = len(excluded.get(subject.pk, ()))
                else:
                    line.score = manual.get((item["id"], subject.key))
                lines.append(line)
        ResultLine.objects.bulk_create(lines)
        round_.definition = definition
        round_.computed_at = clock.now()
        round_.save(update_fields=["definition", "computed_at"])
        _retotal(round_)
        audit.record(actor, "evaluation.round.compute", round_, str(round_), subjects=len(subjects))
    return round_


def _retotal(round_: Round) -> None:
    """Totals, dimension subtotals and ranks (ties share a rank: 1, 1, 3) from the lines."""
    results = list(round_.results.prefetch_related("lines"))
    before = {result.pk: (result.total, result.subtotals, result.rank) for result in results}
    for result in results:
        subtotals: dict[str, Decimal] = {}
        for line in result.lines.all():
            key = str(line.dimension_id)
            subtotals[key] = subtotals.get(key, Decimal(0)) + (line.score or Decimal(0))
        result.total = sum(subtotals.values(), Decimal(0))
        result.subtotals = {key: str(value) for key, value in subtotals.items()}
    ordered = sorted(results, key=lambda r: -r.total)
    for position, result in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        result.rank = previous.rank if previous and previous.total == result.total else position
    # One manual score moves one total and shifts ranks: write the changed totals row by row
    # and the shifted ranks one UPDATE per rank (ties make them few); a bulk_update of every
    # result costs a second per score in a round of 500.
    shifted: dict[int, list[int]] = {}
    for result in results:
        total, subtotals, rank = before[result.pk]
        if (result.total, result.subtotals) != (total, subtotals):
            result.save(update_fields=["total", "subtotals", "rank"])
        elif result.rank != rank:
            shifted.setdefault(result.rank, []).append(result.pk)
    for rank, ids in shifted.items():
        Result.objects.filter(pk__in=ids).update(rank=rank)


def _locked_round(round_: Round) -> Round:
    locked = Round.objects.select_for_update().select_related("system__unit").get(pk=round_.pk)
    if locked.is_published:
        raise Locked()
    return locked


def store_evidence(actor: User, upload: Any, name: str, field_name: str = "evidence") -> Attachment:
    """Keep one photo or PDF through the cases app's attachment handling."""
    try:
        return store_attachment(actor, upload, name=name, field=field_name)
    except CaseInvalid as refused:
        raise Invalid(str(refused), field_name) from None


def _usable_evidence(actor: User, evidence: Sequence[Attachment]) -> None:
    if len(evidence) > MAX_EVIDENCE:
        raise Invalid(_("At most %(count)d files.") % {"count": MAX_EVIDENCE}, "evidence")
    for attachment in evidence:
        usable = (
            attachment.case_id is None
            and attachment.uploaded_by_id == actor.pk
            and not ScoreEvidence.objects.filter(attachment=attachment).exists()
            and not AppealEvidence.objects.filter(attachment=attachment).exists()
        )
        if not usable:
            raise Invalid(_("This file cannot be used as evidence here."), "evidence")


def score_manually(
    actor: User,
    result: Result,
    indicator_id: int,
    score: Any,
    note: str = "",
    evidence: Sequence[Attachment] = (),
) -> ManualScore:
    """An evaluator's score of a manual indicator for one result (0 to the indicator's points),
    with a note and evidence; the totals and ranks follow."""
    round_ = result.round
    require_manage(actor, round_.system.unit)
    note = _text(note, "note", required=False, limit=TEXT_MAX)
    with transaction.atomic():
        round_ = _locked_round(round_)
        line = ResultLine.objects.filter(result=result, indicator_id=indicator_id).first()
        item = next(
            (
                i
                for d in round_.definition.get("dimensions", [])
                for i in d["indicators"]
                if i["id"] == indicator_id
            ),
            None,
        )
        if line is None or item is None or item["method"] != Method.MANUAL:
            raise Invalid(_("Choose a manual indicator of this round."), "indicator")
        points = Decimal(item["points"])
        value = _decimal(score, "score", low=Decimal(-1), high=points)
        if value < 0:
            raise Invalid(_("Enter a score from 0 to %(points)s.") % {"points": points}, "score")
        value = value.quantize(CENT, ROUND_HALF_UP)
        _usable_evidence(actor, evidence)
        subject = subject_key(result)
        manual, _created = ManualScore.objects.update_or_create(
            round=round_,
            indicator_id=indicator_id,
            subject=subject,
            defaults={"score": value, "note": note, "scored_by": actor, "scored_at": clock.now()},
        )
        for attachment in evidence:
            ScoreEvidence.objects.create(score=manual, attachment=attachment)
        line.score = value
        line.save(update_fields=["score"])
        _retotal(round_)
        audit.record(
            actor,
            "evaluation.score.manual",
            manual,
            f"{result.name}: {value}",
            round=round_.pk,
            indicator=indicator_id,
        )
    return manual


def publish_round(actor: User, round_: Round) -> Round:
    """Lock the round: its results are final and seen by the people scored."""
    require_manage(actor, round_.system.unit)
    with transaction.atomic():
        round_ = _locked_round(round_)
        if round_.computed_at is None:
            raise Invalid(_("Compute the round before publishing it."), "round")
        round_.state = RoundState.PUBLISHED
        round_.published_at = clock.now()
        round_.published_by = actor
        round_.save(update_fields=["state", "published_at", "published_by"])
        audit.record(actor, "evaluation.round.publish", round_, str(round_))
    return round_


# --- appeals ------------------------------------------------------------------------------------


def file_appeal(
    actor: User,
    round_: Round,
    case_number: str,
    *,
    unit: OrgUnit,
    reason: str,
    explanation: str,
    evidence: Sequence[Attachment] = (),
) -> Appeal:
    """A unit asks not to be scored on a case it can see, in a round not yet published."""
    if not appeal_units(actor).filter(pk=unit.pk).exists():
        raise NotAllowed(_("You cannot appeal for this unit."), "unit")
    if not unit.path.startswith(round_.system.unit.path):
        raise Invalid(_("This round does not evaluate your unit."), "round")
    if reason not in AppealReason.values:
        raise Invalid(_("Choose a reason."), "reason")
    explanation = _text(explanation, "explanation", limit=TEXT_MAX)
    number = _text(case_number, "case", limit=32)
    case = visible_cases(actor).filter(number=number).first()
    if case is None:
        raise Invalid(_("No such case: %(number)s.") % {"number": number}, "case")
    _usable_evidence(actor, evidence)
    try:
        with transaction.atomic():
            _locked_round(round_)
            appeal = Appeal.objects.create(
                round=round_,
                case=case,
                unit=unit,
                reason=reason,
                explanation=explanation,
                filed_by=actor,
                filed_at=clock.now(),
            )
            for attachment in evidence:
                AppealEvidence.objects.create(appeal=appeal, attachment=attachment)
            audit.record(actor, "evaluation.appeal.file", appeal, case.number, unit=unit.code)
    except IntegrityError:
        raise Conflict(
            _("Your unit has an appeal for this case waiting for a decision already."), "case"
        ) from None
    return appeal


def decide_appeal(actor: User, appeal: Appeal, *, approve: bool, note: str) -> Appeal:
    """Approve (the case leaves the unit's scores in rounds not yet published; recompute them)
    or reject an open appeal, with a note; refused once its round is published."""
    require_manage(actor, appeal.unit)
    require_manage(actor, appeal.round.system.unit)
    note = _text(note, "note", limit=TEXT_MAX)
    with transaction.atomic():
        _locked_round(appeal.round)
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.state != AppealState.OPEN:
            raise Conflict(_("This appeal has been decided already."), "state")
        appeal.state = AppealState.APPROVED if approve else AppealState.REJECTED
        appeal.decided_by = actor
        appeal.decided_at = clock.now()
        appeal.decision_note = note
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit.record(
            actor,
            "evaluation.appeal.decide",
            appeal,
            f"{appeal.state}: {note}"[:500],
            case=appeal.case_id,
            unit=appeal.unit_id,
        )
    return appeal


def record_evidence_seen(actor: User, evidence: ScoreEvidence | AppealEvidence) -> None:
    """Log that `actor` opened a file behind a manual score or an appeal (it may show people)."""
    if isinstance(evidence, ScoreEvidence):
        detail = {"score": evidence.score_id}
    else:
        detail = {"appeal": evidence.appeal_id}
    audit.record(
        actor, "evaluation.evidence.download", evidence, evidence.attachment.name, **detail
    )


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end
