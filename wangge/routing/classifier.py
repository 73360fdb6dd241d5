"""The text classifier that suggests a request's category: train, evaluate, predict, store.

Plain scikit-learn, nothing remote, nothing downloaded at run time. The text is cut into words
(`routing.text.words`); words never seen in training are dropped, so the stop words a raw
request still carries (the training material may have had them removed) cannot shift it.
Two TF-IDF views are joined (`WordFeatures`): the words, and the character 1–3-grams inside
them (robust to a word cut differently; word pairs were measured to add nothing and cost a
third of the speed); a linear SVM reads them, calibrated (Platt, on folds of the training
data) so that `confidence` is a probability a city can set a threshold on.

`train` evaluates on a stratified hold-out, keeps that report, then fits the kept model on
every example. Nothing here knows Django: the routing services and the CLI call it.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import joblib
import numpy as np
from scipy.sparse import hstack
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from wangge.routing.text import joined_words

FORMAT = "wangge.routing.classifier/1"
HOLDOUT_SHARE = 0.2
# A class needs this many examples to be learnt and judged (one in the hold-out, the rest in
# the calibration folds); fewer, and it is left out and named in the report.
MIN_EXAMPLES_PER_CLASS = 5
CALIBRATION_FOLDS = 3
TOP = 3  # alternatives kept with each prediction


class TrainingRefused(ValueError):
    """The examples cannot make a model (too few, one class only); the message says why."""


class ModelFileInvalid(ValueError):
    """A file or stored blob that is not a model this code wrote."""


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()  # the next most likely labels


@dataclass
class ClassReport:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvaluationReport:
    n: int
    accuracy: float
    macro_f1: float
    predictions_per_second: float
    classes: list[ClassReport]
    labels: list[str]  # the confusion matrix's row and column order
    confusion: list[list[int]]  # rows: true label, columns: predicted label
    # {"code": …, figures…} put into words by routing.notes.describe when read.
    notes: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """The one-line figures the CLI prints last."""
        return {
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "predictions_per_second": round(self.predictions_per_second, 1),
            "n": self.n,
        }


def _grams_of_word(word: str) -> list[str]:
    return [word[i : i + n] for n in (1, 2, 3) for i in range(len(word) - n + 1)]


class WordFeatures(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """TF-IDF of the words and of the character 1–3-grams inside them, each view normalised.

    Words never seen in training add nothing (a raw request's stop words, typos). The n-grams
    of each known word are worked out once, at fitting, so a text's n-gram counts are its word
    counts times a (words × n-grams) matrix: a sparse product instead of slicing every text
    into n-grams in Python, about four times faster with the same accuracy on the benchmark.
    Reads space-joined words."""

    def __init__(self, min_gram_df: int = 2) -> None:
        self.min_gram_df = min_gram_df

    def fit(self, texts: Sequence[str], labels: Any = None) -> WordFeatures:
        self.words_ = CountVectorizer(
            token_pattern=r"\S+",  # noqa: S106 (a regular expression, not a password)
            lowercase=False,
        )
        word_counts = self.words_.fit_transform(texts)
        grams = CountVectorizer(analyzer=_grams_of_word, lowercase=False)
        word_grams = grams.fit_transform(self.words_.get_feature_names_out())
        gram_counts = word_counts @ word_grams
        # Keep the n-grams found in at least `min_gram_df` texts (as min_df would).
        frequent = np.flatnonzero(
            np.asarray((gram_counts > 0).sum(axis=0)).ravel() >= self.min_gram_df
        )
        self.word_grams_ = word_grams[:, frequent].tocsr()
        self.word_weights_ = TfidfTransformer(sublinear_tf=True).fit(word_counts)
        self.gram_weights_ = TfidfTransformer(sublinear_tf=True).fit(gram_counts[:, frequent])
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        word_counts = self.words_.transform(texts)
        return hstack(
            [
                self.word_weights_.transform(word_counts),
                self.gram_weights_.transform(word_counts @ self.word_grams_),
            ]
        ).tocsr()


def _pipeline(calibration_folds: int) -> Pipeline:
    model = CalibratedClassifierCV(LinearSVC(C=0.5), cv=calibration_folds)
    return Pipeline([("features", WordFeatures()), ("model", model)])


class TextClassifier:
    """A trained model and what it was trained on."""

    def __init__(self, pipeline: Pipeline, trained_on: int) -> None:
        self.pipeline = pipeline
        self.trained_on = trained_on
        self.report: dict[str, Any] = {}  # the evaluation made at training, kept with the model

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.pipeline.classes_]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        probabilities = self.pipeline.predict_proba(joined_words(texts))
        labels = self.labels
        predictions = []
        for row in probabilities:
            order = np.argsort(row)[::-1][:TOP]
            ranked = tuple((labels[i], round(float(row[i]), 4)) for i in order)
            predictions.append(Prediction(ranked[0][0], ranked[0][1], ranked[1:]))
        return predictions

    def predict_one(self, text: str) -> Prediction:
        return self.predict([text])[0]


def _usable(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """The examples with text, of the classes with enough of them; notes on what was left."""
    kept = [(text, str(label).strip()) for text, label in zip(texts, labels, strict=True)]
    kept = [(text, label) for text, label in kept if text and text.strip() and label]
    counts = Counter(label for _text, label in kept)
    few = sorted(label for label, count in counts.items() if count < MIN_EXAMPLES_PER_CLASS)
    notes: list[dict[str, Any]] = []
    if len(kept) < len(texts):
        notes.append({"code": "without_text_or_label", "count": len(texts) - len(kept)})
    if few:
        notes.append(
            {
                "code": "few_examples",
                "minimum": MIN_EXAMPLES_PER_CLASS,
                "classes": ", ".join(f"{label} ({counts[label]})" for label in few),
            }
        )
    kept = [(text, label) for text, label in kept if label not in few]
    if len({label for _text, label in kept}) < 2:
        raise TrainingRefused(
            f"at least two classes with {MIN_EXAMPLES_PER_CLASS} or more examples each are "
            f"needed; have {dict(counts) or 'none'}"
        )
    return [text for text, _ in kept], [label for _, label in kept], notes


def fit(texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
    """A model trained on every example given (no hold-out)."""
    texts, labels, _notes = _usable(texts, labels)
    folds = min(CALIBRATION_FOLDS, min(Counter(labels).values()))
    pipeline = _pipeline(folds)
    pipeline.fit(joined_words(texts), labels)
    return TextClassifier(pipeline, trained_on=len(texts))


def train(
    texts: Sequence[str], labels: Sequence[str], *, seed: int = 0
) -> tuple[TextClassifier, EvaluationReport]:
    """Evaluate on a stratified hold-out of HOLDOUT_SHARE, then fit on every example; the
    report is the hold-out's, with notes on what was left out and how the model was made."""
    texts, labels, notes = _usable(texts, labels)
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=HOLDOUT_SHARE, stratify=labels, random_state=seed
    )
    report = evaluate(fit(train_texts, train_labels), test_texts, test_labels)
    model = fit(texts, labels)
    report.notes = [
        *notes,
        {
            "code": "holdout",
            "share": round(HOLDOUT_SHARE * 100),
            "test": len(test_texts),
            "train": len(train_texts),
            "all": len(texts),
        },
    ]
    model.report = report.as_dict()
    return model, report


def evaluate(
    model: TextClassifier, texts: Sequence[str], labels: Sequence[str]
) -> EvaluationReport:
    """Accuracy, macro-F1, per-class precision and recall and the confusion matrix of `model` on
    the labelled `texts`, and its speed (texts cut and classified per second, in one batch).
    Labels the model does not know count as errors (they are in the matrix)."""
    if not texts:
        raise TrainingRefused("no examples to evaluate on")
    truth = [str(label).strip() for label in labels]
    started = time.perf_counter()
    predicted = [prediction.label for prediction in model.predict(texts)]
    elapsed = time.perf_counter() - started
    order = sorted(set(truth) | set(model.labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=order, zero_division=0
    )
    present = sorted(set(truth))  # macro over the classes actually judged
    macro_f1 = f1_score(truth, predicted, labels=present, average="macro", zero_division=0)
    return EvaluationReport(
        n=len(texts),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(macro_f1),
        predictions_per_second=len(texts) / elapsed if elapsed > 0 else float("inf"),
        classes=[
            ClassReport(label, float(p), float(r), float(f), int(s))
            for label, p, r, f, s in zip(order, precision, recall, f1, support, strict=True)
        ],
        labels=order,
        confusion=confusion_matrix(truth, predicted, labels=order).tolist(),
    )


def to_bytes(model: TextClassifier) -> bytes:
    buffer = io.BytesIO()
    joblib.dump({"format": FORMAT, "model": model}, buffer, compress=3)
    return buffer.getvalue()


def from_bytes(data: bytes) -> TextClassifier:
    """Only for blobs this code wrote (the platform's own database or the operator's file):
    joblib unpickles, so a model file is as trusted as code."""
    try:
        stored = joblib.load(io.BytesIO(data))
    except Exception as error:  # any unreadable blob is the same refusal
        raise ModelFileInvalid(f"not a routing model: {error.__class__.__name__}") from None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ModelFileInvalid(f"not a routing model of format {FORMAT}")
    model = stored.get("model")
    if not isinstance(model, TextClassifier):
        raise ModelFileInvalid("the file holds no classifier")
    return model
