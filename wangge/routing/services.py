"""Routing's rules: train and keep model versions (one active, any earlier one restorable), the
city's automatic-dispatch policy, suggesting a category for each new case and, above the
policy's confidence, accepting and dispatching it through the case services as the system;
and recording what dispatchers did with each suggestion (a correction is a training example).

Who: an administrator of the whole city trains, installs, activates, rolls back and sets the
policy (the CLI acts as the operator, `actor=None`). Suggestions are read with the case, by
whoever may see the case.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from threading import Lock

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from wangge.cases import exceptions as case_errors
from wangge.cases.models import Case, Category
from wangge.cases.permissions import visible_cases
from wangge.cases.services import ActionInput, perform
from wangge.cases.workflow import CaseAction, CaseState
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.permissions import administers_whole_city
from wangge.routing import classifier, duplicates
from wangge.routing.exceptions import Invalid, NotAllowed, NotFound
from wangge.routing.models import ModelSource, ModelVersion, Outcome, RoutingPolicy, Suggestion
from wangge.routing.text import request_text

log = logging.getLogger(__name__)

# Training reads the most recent closed cases; older ones add little and cost time.
MAX_TRAINING_CASES = 200_000
MIN_TRAINING_EXAMPLES = 50
SUGGEST_BATCH = 500
# A case reported longer ago than this without a suggestion is left to the dispatcher (the
# worker was down, or no model was active then): a late suggestion helps no one.
SUGGEST_WITHIN_DAYS = 2


def may_manage_routing(user: User | None) -> bool:
    return user is None or administers_whole_city(user)


def _require_manager(actor: User | None) -> None:
    if not may_manage_routing(actor):
        raise NotAllowed()


# --- training examples -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    labels: list[str]  # category codes
    closed_cases: int
    corrections: int


def training_set(limit: int = MAX_TRAINING_CASES) -> TrainingSet:
    """The closed cases' text and final category (the most recent `limit`), and every
    dispatcher's correction of a suggestion for a case not closed yet (the category it was
    accepted with); only categories still active."""
    active = set(Category.objects.filter(is_active=True).values_list("pk", flat=True))
    closed = (
        Case.objects.filter(state=CaseState.CLOSED, category_id__in=active)
        .order_by("-reported_at")
        .values_list("title", "description", "category__code")[:limit]
    )
    texts, labels = [], []
    for title, description, code in closed.iterator(chunk_size=5000):
        texts.append(request_text(title, description))
        labels.append(code)
    corrected = (
        Suggestion.objects.filter(outcome=Outcome.CORRECTED, corrected_to_id__in=active)
        .exclude(case__state=CaseState.CLOSED)
        .values_list("case__title", "case__description", "corrected_to__code")
    )
    corrections = 0
    for title, description, code in corrected.iterator(chunk_size=5000):
        texts.append(request_text(title, description))
        labels.append(code)
        corrections += 1
    return TrainingSet(texts, labels, len(texts) - corrections, corrections)


# --- model versions --------------------------------------------------------------------------


def _store(
    actor: User | None, model: classifier.TextClassifier, source: str, *, activate: bool
) -> ModelVersion:
    policy()  # the row exists, so it can be locked
    with transaction.atomic():
        # Two trainings finishing at once would pick the same number: the policy row is the lock.
        RoutingPolicy.objects.select_for_update().get(pk=1)
        number = (ModelVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        version = ModelVersion.objects.create(
            number=number,
            source=source,
            created_at=clock.now(),
            created_by=actor,
            labels=model.labels,
            trained_on=model.trained_on,
            report=model.report,
            model=classifier.to_bytes(model),
        )
        report = model.report or {}
        audit.record(
            actor,
            "routing.model.create",
            version,
            str(version),
            source=source,
            examples=model.trained_on,
            macro_f1=report.get("macro_f1"),
            accuracy=report.get("accuracy"),
        )
        if activate:
            _activate(actor, version)
    return version


def train_from_cases(actor: User | None, *, activate: bool = True) -> ModelVersion:
    """A new version trained on `training_set()`, evaluated on a hold-out (kept as its report),
    and made active unless `activate` is False."""
    _require_manager(actor)
    examples = training_set()
    if len(examples.texts) < MIN_TRAINING_EXAMPLES:
        raise Invalid(
            _("Training needs at least %(minimum)d closed cases; there are %(count)d.")
            % {"minimum": MIN_TRAINING_EXAMPLES, "count": len(examples.texts)}
        )
    try:
        model, _report = classifier.train(examples.texts, examples.labels)
    except classifier.TrainingRefused as error:
        raise Invalid(str(error)) from None
    model.report["notes"].append(
        {"code": "sources", "closed": examples.closed_cases, "corrections": examples.corrections}
    )
    return _store(actor, model, ModelSource.CASES, activate=activate)


def install_model(actor: User | None, data: bytes, *, activate: bool = True) -> ModelVersion:
    """A model trained elsewhere (`wangge routing train --csv … --out FILE`) as a new version.
    Its labels must be the codes of active categories, so every suggestion names one."""
    _require_manager(actor)
    try:
        model = classifier.from_bytes(data)
    except classifier.ModelFileInvalid as error:
        raise Invalid(str(error)) from None
    known = set(Category.objects.filter(is_active=True).values_list("code", flat=True))
    unknown = sorted(set(model.labels) - known)
    if unknown:
        raise Invalid(
            _("The model's labels must be codes of active categories; unknown: %(labels)s")
            % {"labels": ", ".join(unknown[:20])}
        )
    return _store(actor, model, ModelSource.FILE, activate=activate)


def _activate(actor: User | None, version: ModelVersion) -> None:
    ModelVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active = True
    version.activated_at = clock.now()
    version.save(update_fields=["is_active", "activated_at"])
    audit.record(actor, "routing.model.activate", version, str(version))


def get_version(number: object) -> ModelVersion:
    try:
        return ModelVersion.objects.defer("model").get(number=int(str(number)))
    except (ModelVersion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def activate(actor: User | None, number: object) -> ModelVersion:
    _require_manager(actor)
    with transaction.atomic():
        version = get_version(number)
        ModelVersion.objects.select_for_update().filter(pk=version.pk).get()
        _activate(actor, version)
    return version


def rollback(actor: User | None) -> ModelVersion:
    """Make the version active before the current one active again."""
    _require_manager(actor)
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(is_active=True).first()
        earlier = ModelVersion.objects.filter(activated_at__isnull=False).defer("model")
        if current is not None:
            earlier = earlier.exclude(pk=current.pk).filter(activated_at__lt=current.activated_at)
        previous = earlier.order_by("-activated_at").first()
        if previous is None:
            raise Invalid(_("No earlier active version to go back to."))
        _activate(actor, previous)
    return previous


def versions() -> list[ModelVersion]:
    return list(ModelVersion.objects.defer("model").select_related("created_by"))


_loaded: dict[int, classifier.TextClassifier] = {}
_loading = Lock()


def load_version(version: ModelVersion) -> classifier.TextClassifier:
    """The version's classifier, unpickled once per process (one kept in memory at a time)."""
    with _loading:
        model = _loaded.get(version.pk)
        if model is None:
            blob = ModelVersion.objects.values_list("model", flat=True).get(pk=version.pk)
            model = classifier.from_bytes(bytes(blob))
            _loaded.clear()
            _loaded[version.pk] = model
    return model


def active_model() -> tuple[ModelVersion, classifier.TextClassifier] | None:
    """The active version and its classifier."""
    version = ModelVersion.objects.defer("model").filter(is_active=True).first()
    return None if version is None else (version, load_version(version))


# --- policy ----------------------------------------------------------------------------------


def policy() -> RoutingPolicy:
    return RoutingPolicy.objects.get_or_create(pk=1)[0]


def set_auto_dispatch_confidence(actor: User | None, value: object) -> RoutingPolicy:
    """`value` in 0.5–1 (a suggestion at least this confident is dispatched by the system), or
    empty/None to turn automatic dispatch off."""
    _require_manager(actor)
    confidence: Decimal | None = None
    refusal = Invalid(_("The confidence must be a number from 0.5 to 1."), "confidence")
    if value not in (None, ""):
        try:
            confidence = Decimal(str(value).strip()).quantize(Decimal("0.001"))
        except (InvalidOperation, ValueError):
            raise refusal from None
        if not confidence.is_finite() or not Decimal("0.5") <= confidence <= Decimal("1"):
            raise refusal
    with transaction.atomic():
        row = RoutingPolicy.objects.select_for_update().get_or_create(pk=1)[0]
        row.auto_dispatch_confidence = confidence
        row.updated_at = clock.now()
        row.updated_by = actor
        row.save()
        audit.record(actor, "routing.policy.update", row, "policy", confidence=str(confidence))
    return row


# --- suggestions in the loop -----------------------------------------------------------------


def suggest_new_cases() -> int:
    """Suggest a category for every reported case without a suggestion (a worker job); above
    the policy's confidence, accept and dispatch it as the system. Returns how many were
    suggested."""
    loaded = active_model()
    if loaded is None:
        return 0
    version, model = loaded
    since = clock.now() - timedelta(days=SUGGEST_WITHIN_DAYS)
    cases = list(
        Case.objects.filter(state=CaseState.REPORTED, reported_at__gte=since)
        .filter(routing_suggestion__isnull=True)
        .select_related("category")
        .order_by("reported_at")[:SUGGEST_BATCH]
    )
    if not cases:
        return 0
    predictions = model.predict([request_text(case.title, case.description) for case in cases])
    categories = {
        category.code: category
        for category in Category.objects.filter(
            code__in={p.label for p in predictions}, is_active=True
        ).select_related("default_department")
    }
    threshold = policy().auto_dispatch_confidence
    made = 0
    for case, prediction in zip(cases, predictions, strict=True):
        category = categories.get(prediction.label)
        if category is None:  # a category made inactive since training
            continue
        suggestion = Suggestion.objects.create(
            case=case,
            version=version,
            category=category,
            confidence=prediction.confidence,
            alternatives=[list(pair) for pair in prediction.alternatives],
            created_at=clock.now(),
        )
        made += 1
        if threshold is not None and Decimal(str(prediction.confidence)) >= threshold:
            _dispatch_automatically(case, suggestion, version)
    return made


def _dispatch_automatically(case: Case, suggestion: Suggestion, version: ModelVersion) -> None:
    """Accept with the suggested category and dispatch to its default department, as the
    system, the model and confidence in the note; a dispatcher acting meanwhile wins."""
    category = suggestion.category
    if category.default_department is None:
        return
    note = _("Automatic: routing model v%(version)d, confidence %(confidence).2f") % {
        "version": version.number,
        "confidence": suggestion.confidence,
    }
    try:
        with transaction.atomic():
            perform(None, case, CaseAction.ACCEPT, ActionInput(category=category.code, note=note))
            perform(
                None,
                case,
                CaseAction.DISPATCH,
                ActionInput(department=category.default_department.code, note=note),
            )
            Suggestion.objects.filter(pk=suggestion.pk).update(
                outcome=Outcome.AUTOMATIC, decided_at=clock.now()
            )
    except case_errors.CaseError as error:  # someone acted first, or the department is gone
        log.info("case %s not dispatched automatically: %s", case.number, error)


def record_outcomes() -> int:
    """For each pending suggestion whose case has left `reported`: confirmed (accepted with the
    suggested category), corrected (accepted with another: kept as a training example) or
    unused (declined, merged). A worker job; returns how many were recorded."""
    pending = (
        Suggestion.objects.filter(outcome=Outcome.PENDING)
        .exclude(case__state=CaseState.REPORTED)
        .select_related("case")[:SUGGEST_BATCH]
    )
    recorded = 0
    for suggestion in pending:
        case = suggestion.case
        accepted = case.events.filter(action=CaseAction.ACCEPT).order_by("seq").first()
        if accepted is None:
            outcome, corrected_to = Outcome.UNUSED, None
        elif case.category_id == suggestion.category_id:
            outcome, corrected_to = Outcome.CONFIRMED, None
        else:
            outcome, corrected_to = Outcome.CORRECTED, case.category_id
        Suggestion.objects.filter(pk=suggestion.pk, outcome=Outcome.PENDING).update(
            outcome=outcome,
            corrected_to_id=corrected_to,
            decided_by_id=accepted.actor_id if accepted else None,
            decided_at=accepted.created_at if accepted else clock.now(),
        )
        recorded += 1
    return recorded


def suggestion_for(case: Case) -> Suggestion | None:
    """The case's suggestion (the caller has checked the user may see the case)."""
    return (
        Suggestion.objects.select_related("category", "version", "category__default_department")
        .filter(case=case)
        .first()
    )


def predict_texts(texts: Sequence[str]) -> list[classifier.Prediction]:
    """The active model's predictions (empty when none is active)."""
    loaded = active_model()
    return [] if loaded is None else loaded[1].predict(texts)


# --- likely duplicates -----------------------------------------------------------------------

MERGEABLE_INTO = (
    CaseState.REPORTED,
    CaseState.ACCEPTED,
    CaseState.DISPATCHED,
    CaseState.HANDLING,
)
MAX_DUPLICATE_CANDIDATES = 300


def _metres_to_degrees(metres: float, lat: float) -> tuple[float, float]:
    """(longitude, latitude) degrees spanning `metres` at `lat`: a box for the index."""
    lat_degrees = metres / 111_320
    lon_degrees = metres / (111_320 * max(0.1, math.cos(math.radians(lat))))
    return lon_degrees, lat_degrees


def likely_duplicates_for(
    user: User, case: Case, rules: duplicates.DuplicateRules | None = None
) -> list[tuple[Case, duplicates.LikelyDuplicate]]:
    """The open cases `user` may see that `case` may repeat (same grid or nearby, recent,
    similar text), most similar first: what a dispatcher merges it into."""
    rules = rules or duplicates.DuplicateRules()
    nearby = Q(area_id=case.area_id)
    if case.lon is not None and case.lat is not None and rules.max_distance_m:
        lon_span, lat_span = _metres_to_degrees(rules.max_distance_m, case.lat)
        nearby |= Q(
            lon__range=(case.lon - lon_span, case.lon + lon_span),
            lat__range=(case.lat - lat_span, case.lat + lat_span),
        )
    candidates = visible_cases(user).filter(nearby, state__in=MERGEABLE_INTO).exclude(pk=case.pk)
    if rules.max_age is not None:
        candidates = candidates.filter(reported_at__gte=case.reported_at - rules.max_age)
    found = {
        other.pk: other
        for other in candidates.select_related("area", "category").order_by("-reported_at")[
            :MAX_DUPLICATE_CANDIDATES
        ]
    }
    ranked = duplicates.likely_duplicates(
        _as_request(case),
        [duplicates.OpenCase(id=other.pk, **vars(_as_request(other))) for other in found.values()],
        rules,
    )
    return [(found[int(match.id)], match) for match in ranked]


def _as_request(case: Case) -> duplicates.NewRequest:
    return duplicates.NewRequest(
        text=request_text(case.title, case.description),
        reported_at=case.reported_at,
        grid_code=case.area.code if case.area_id else None,
        lon=case.lon,
        lat=case.lat,
    )
