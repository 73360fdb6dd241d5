"""Routing in the platform: versions trained on the closed cases (one active, rollback), models
installed from a file, the city's policy, suggestions for new cases made by the worker, the
system's automatic dispatch above the policy's confidence, and what dispatchers did with each
suggestion (a correction becomes a training example)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.cases.loop_helpers import act, file_case, fresh
from tests.routing.conftest import LAMP, NOISE, RUBBISH
from tests.routing.examples import labelled, texts_of
from wangge.cases.models import CaseEvent
from wangge.core.models import AuditEntry
from wangge.routing import classifier, services
from wangge.routing.exceptions import Invalid, NotAllowed
from wangge.routing.models import ModelVersion, Outcome, Suggestion
from wangge.routing.notes import described

pytestmark = pytest.mark.django_db


def test_training_needs_enough_closed_cases(cast) -> None:
    file_case(cast.grid_worker_a, description="路灯不亮")
    with pytest.raises(Invalid, match="at least 50"):
        services.train_from_cases(cast.administrator)
    assert not ModelVersion.objects.exists()


def test_a_version_trained_on_the_closed_cases_is_active_with_its_report(trained, cast) -> None:
    assert trained.number == 1 and trained.is_active
    assert sorted(trained.labels) == sorted([LAMP, NOISE, RUBBISH])
    assert trained.trained_on == 60
    assert trained.report["macro_f1"] > 0.9
    assert len(trained.report["confusion"]) == 3
    with translation.override("en"):
        assert any("60 closed cases" in note for note in described(trained.report))
    logged = AuditEntry.objects.filter(actor=cast.administrator).values_list("action", flat=True)
    assert {"routing.model.create", "routing.model.activate"} <= set(logged)


def test_only_an_administrator_of_the_whole_city_manages_routing(trained, cast) -> None:
    for person in (cast.dispatcher, cast.leader, cast.grid_worker_a):
        with pytest.raises(NotAllowed):
            services.train_from_cases(person)
        with pytest.raises(NotAllowed):
            services.activate(person, 1)
        with pytest.raises(NotAllowed):
            services.rollback(person)
        with pytest.raises(NotAllowed):
            services.set_auto_dispatch_confidence(person, "0.9")
    assert ModelVersion.objects.count() == 1


def test_rollback_makes_the_previous_version_active_again(trained, cast) -> None:
    with pytest.raises(Invalid, match="No earlier"):
        services.rollback(cast.administrator)
    second = services.train_from_cases(cast.administrator)
    assert second.number == 2
    assert list(ModelVersion.objects.filter(is_active=True)) == [second]
    assert services.rollback(cast.administrator).number == 1
    assert services.active_model()[0].number == 1
    assert services.activate(cast.administrator, 2).number == 2
    assert services.active_model()[0].number == 2


def test_a_trained_version_may_be_kept_inactive(trained, cast) -> None:
    services.train_from_cases(cast.administrator, activate=False)
    assert services.active_model()[0].number == 1


def test_a_model_from_a_file_needs_labels_that_are_categories(cast, departments) -> None:
    texts, labels = labelled(20)
    good, _ = classifier.train(texts, labels)
    version = services.install_model(cast.administrator, classifier.to_bytes(good))
    assert version.source == "file" and version.is_active
    renamed = [{"C0104": "路灯类"}.get(label, label) for label in labels]
    foreign, _ = classifier.train(texts, renamed)
    with pytest.raises(Invalid, match="路灯类"):
        services.install_model(cast.administrator, classifier.to_bytes(foreign))
    with pytest.raises(Invalid, match="not a routing model"):
        services.install_model(cast.administrator, b"junk")
    assert ModelVersion.objects.count() == 1


@pytest.mark.parametrize("value", ["abc", "0.2", "1.5", "NaN", "Infinity", "-1"])
def test_the_policy_refuses_a_confidence_outside_one_half_to_one(cast, value) -> None:
    with pytest.raises(Invalid) as refusal:
        services.set_auto_dispatch_confidence(cast.administrator, value)
    assert refusal.value.field == "confidence"
    assert services.policy().auto_dispatch_confidence is None


def test_no_active_model_no_suggestion(cast) -> None:
    file_case(cast.grid_worker_a, description="路灯不亮")
    assert services.suggest_new_cases() == 0
    assert not Suggestion.objects.exists()


def test_a_new_case_gets_a_suggestion_and_waits_for_the_dispatcher(trained, cast) -> None:
    case = file_case(cast.grid_worker_a, category=RUBBISH, description="晚上路灯不亮，灯杆闪烁")
    assert services.suggest_new_cases() == 1
    suggestion = services.suggestion_for(case)
    assert suggestion.category.code == LAMP
    assert suggestion.version == trained
    assert 0.5 < suggestion.confidence <= 1
    assert fresh(case).state == "reported"  # no policy: nobody dispatches automatically
    assert services.suggest_new_cases() == 0  # one suggestion per case


def test_a_confident_suggestion_is_accepted_and_dispatched_by_the_system(trained, cast) -> None:
    services.set_auto_dispatch_confidence(cast.administrator, "0.5")
    case = file_case(cast.grid_worker_a, category=RUBBISH, description=texts_of(NOISE, 1, 7)[0])
    services.suggest_new_cases()
    case = fresh(case)
    assert case.state == "dispatched"
    assert case.category.code == NOISE
    assert case.department == cast.tree.department
    steps = CaseEvent.objects.filter(case=case, action__in=["accept", "dispatch"])
    assert [(e.action, e.actor_id, e.actor_kind) for e in steps.order_by("seq")] == [
        ("accept", None, "system"),
        ("dispatch", None, "system"),
    ]
    assert all("v1" in e.note for e in steps)
    assert services.suggestion_for(case).outcome == Outcome.AUTOMATIC


def test_below_the_policy_s_confidence_the_case_waits(trained, cast) -> None:
    services.set_auto_dispatch_confidence(cast.administrator, "1")
    case = file_case(cast.grid_worker_a, description="有点问题，请看看")
    services.suggest_new_cases()
    assert fresh(case).state == "reported"
    assert services.suggestion_for(case).outcome == Outcome.PENDING


def test_what_the_dispatcher_did_is_recorded_and_a_correction_is_learnt(trained, cast) -> None:
    confirmed = file_case(cast.grid_worker_a, description="路灯不亮，晚上很黑，灯杆")
    corrected = file_case(cast.grid_worker_a, description="小区门口垃圾堆放，臭味，苍蝇")
    declined = file_case(cast.grid_worker_a, description="半夜施工噪音扰民")
    services.suggest_new_cases()
    assert services.suggestion_for(corrected).category.code == RUBBISH
    act(cast.dispatcher, confirmed, "accept", category=LAMP)
    act(cast.dispatcher, corrected, "accept", category=NOISE)  # the dispatcher knows better
    act(cast.dispatcher, declined, "decline", reason="重复来电")
    assert services.record_outcomes() == 3
    outcomes = {s.case_id: s for s in Suggestion.objects.all()}
    assert outcomes[confirmed.pk].outcome == Outcome.CONFIRMED
    assert outcomes[corrected.pk].outcome == Outcome.CORRECTED
    assert outcomes[corrected.pk].corrected_to.code == NOISE
    assert outcomes[corrected.pk].decided_by == cast.dispatcher
    assert outcomes[declined.pk].outcome == Outcome.UNUSED
    examples = services.training_set()
    assert examples.corrections == 1
    index = examples.texts.index(f"{corrected.title}\n{corrected.description}")
    assert examples.labels[index] == NOISE
