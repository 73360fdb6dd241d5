"""The classifier on its own: it learns which words matter, reads raw and already-cut text
alike, says how sure it is, leaves out classes too small to learn, and keeps its report."""

from __future__ import annotations

import joblib
import pytest
from django.utils import translation

from tests.routing.examples import TOPICS, labelled, texts_of
from wangge.routing import classifier
from wangge.routing.notes import described
from wangge.routing.text import words


def _notes(report: dict) -> list[str]:
    with translation.override("en"):
        return described(report)


@pytest.fixture(scope="module")
def trained() -> tuple[classifier.TextClassifier, classifier.EvaluationReport]:
    texts, labels = labelled()
    return classifier.train(texts, labels)


def test_it_predicts_each_class_from_its_own_words(trained) -> None:
    model, _report = trained
    for label in TOPICS:
        predictions = model.predict(texts_of(label, 5, seed=99))
        assert [p.label for p in predictions] == [label] * 5


def test_confidence_is_a_probability_and_alternatives_are_ranked(trained) -> None:
    model, _report = trained
    prediction = model.predict_one("晚上路灯不亮，灯杆也歪了")
    assert prediction.label == "C0104"
    assert 0.5 < prediction.confidence <= 1
    confidences = [prediction.confidence, *(c for _label, c in prediction.alternatives)]
    assert confidences == sorted(confidences, reverse=True)
    assert len(prediction.alternatives) == 2
    assert sum(confidences) == pytest.approx(1, abs=0.01)


def test_raw_text_and_text_already_cut_into_words_are_read_alike(trained) -> None:
    model, _report = trained
    raw = "半夜施工噪音扰民，吵得睡不着！！"
    already_cut = " ".join(words(raw))
    assert model.predict_one(raw) == model.predict_one(already_cut)


def test_words_never_seen_in_training_change_nothing(trained) -> None:
    model, _report = trained
    text = "垃圾堆放，臭味很大"
    assert model.predict_one(text) == model.predict_one(text + " 量子纠缠 区块链 元宇宙")


def test_training_keeps_the_hold_out_report(trained) -> None:
    model, report = trained
    assert report.n == 18  # 20 % of 90
    assert report.macro_f1 == pytest.approx(1.0)
    assert report.labels == sorted(TOPICS)
    assert [sum(row) for row in report.confusion] == [6, 6, 6]
    assert {row.label for row in report.classes} == set(TOPICS)
    assert model.trained_on == 90  # the kept model was fitted on every example
    assert model.report["macro_f1"] == report.macro_f1
    assert any("hold-out" in note for note in _notes(model.report))


def test_classes_with_too_few_examples_are_left_out_and_named() -> None:
    texts, labels = labelled(20)
    texts += ["绿化带杂草太多"] * 2
    labels += ["P0101"] * 2
    model, report = classifier.train(texts, labels)
    assert "P0101" not in model.labels
    assert any("P0101 (2)" in note for note in _notes(report.as_dict()))


def test_one_class_cannot_make_a_model() -> None:
    with pytest.raises(classifier.TrainingRefused, match="two classes"):
        classifier.train(texts_of("C0104", 30), ["C0104"] * 30)


def test_examples_without_text_or_label_are_left_out() -> None:
    texts, labels = labelled(20)
    model, report = classifier.train([*texts, "", "   ", "路灯"], [*labels, "C0104", "C0104", ""])
    assert model.trained_on == 60
    assert any("3 examples without text or label" in note for note in _notes(report.as_dict()))


def test_evaluation_counts_a_label_the_model_does_not_know_as_an_error(trained) -> None:
    model, _report = trained
    report = classifier.evaluate(model, ["路灯不亮很黑", "绿化带杂草太多"], ["C0104", "P0101"])
    assert report.n == 2
    assert report.accuracy == 0.5
    assert "P0101" in report.labels
    row = report.labels.index("P0101")
    assert sum(report.confusion[row]) == 1
    assert report.summary().keys() >= {"macro_f1", "accuracy", "predictions_per_second", "n"}


def test_a_model_survives_storage_and_a_foreign_file_is_refused(trained, tmp_path) -> None:
    model, _report = trained
    again = classifier.from_bytes(classifier.to_bytes(model))
    text = "小区垃圾满溢，臭味难闻"
    assert again.predict_one(text) == model.predict_one(text)
    with pytest.raises(classifier.ModelFileInvalid):
        classifier.from_bytes(b"not a model at all")
    foreign = tmp_path / "foreign.joblib"
    joblib.dump({"format": "something else", "model": model}, foreign)
    with pytest.raises(classifier.ModelFileInvalid, match="format"):
        classifier.from_bytes(foreign.read_bytes())
