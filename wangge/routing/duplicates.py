"""Likely duplicates: the open cases an arriving request may repeat, ranked, for a one-click merge.

A candidate open case is offered when all three hold:
- recent: reported at most `DuplicateRules.max_age` before the new request (a case reported
  after it, as a back-dated entry can be, counts as recent);
- nearby: the same grid code, or both have coordinates no more than `max_distance_m` apart
  (great-circle distance);
- similar: the cosine similarity of their texts is at least `min_similarity`.

Similarity is the mean of two TF-IDF cosines (sublinear term frequency): one over the words of
`routing.text.words`, one over character bigrams of the text without spaces or punctuation (a
word cut differently, or a name misspelt by one character, still shares most bigrams). On the
355 labelled pairs of tests/perf/test_routing_duplicates_benchmark.py, words alone, character
bigrams alone and both rank pairs about equally (ROC AUC 0.97); both together gave a slightly
better best F1 (0.949 against 0.944 for words alone), and the default threshold 0.18 is where F1
peaked: precision 0.91, recall 0.99, and the same threshold was chosen on either half of the
pairs. Recall falls fast above it (0.93 at 0.22, 0.72 at 0.30). Measure again before moving it.

The IDF comes from a `TextSimilarity` the caller fitted once (on recent cases, say, refitted
now and then) and passes in; without one, it is fitted per call on the new text and the
candidates that passed the cheap rules (about 1,000 candidates a second, against 2,000 with a
fitted one and over 50,000 once the candidates' vectors are in its cache, on 370-character
texts). Place and age are checked before any text is read. Nothing here knows Django: plain
dataclasses in, plain results out.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, vstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

from wangge.routing.text import words

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
CaseId = int | str

_NOT_A_WORD_CHARACTER = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class NewRequest:
    """The request that just arrived. `reported_at` must be naive or aware like the cases'."""

    text: str
    reported_at: datetime
    grid_code: str | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True, kw_only=True)
class OpenCase(NewRequest):
    """A case still open that the new request may repeat (given by keyword: `id=…`)."""

    id: CaseId


@dataclass(frozen=True)
class LikelyDuplicate:
    id: CaseId
    similarity: float  # cosine, 0..1
    distance_m: float | None  # None when either side has no coordinates
    same_grid: bool


@dataclass(frozen=True)
class DuplicateRules:
    """When an open case is offered as a likely duplicate of a new request.

    `max_age` None: any age. `max_distance_m` None: only the grid code says "nearby".
    `require_nearby` False: place is not checked at all (for texts without a place, such as
    the benchmark's messages)."""

    max_age: timedelta | None = timedelta(days=30)
    # About a city block or two: a resident reporting the same broken lamp or noisy site
    # from a neighbouring grid is still within it; a different estate usually is not.
    max_distance_m: float | None = 500.0
    # The benchmark's best F1 (precision 0.91, recall 0.99 on its labelled pairs).
    min_similarity: float = 0.18
    limit: int = 5
    require_nearby: bool = True


def characters(text: str) -> str:
    """The text lowered, without whitespace, punctuation or symbols (for character n-grams)."""
    return _NOT_A_WORD_CHARACTER.sub("", (text or "").lower())


class TextSimilarity:
    """Cosine similarity of texts: the mean of a word TF-IDF cosine and a character-bigram one.

    Fit on a body of texts (the IDF: words common there count for little), then compare.
    The vectors of the last `cache_size` texts are kept: an open case is compared with every
    request that arrives near it, and cutting its text again each time is most of the cost.
    Picklable (without the cache), so a fitted one can be stored and reused; safe to share
    between threads."""

    def __init__(self, cache_size: int = 5_000) -> None:
        self._views = FeatureUnion(
            [
                ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True)),
                (
                    "characters",
                    TfidfVectorizer(
                        analyzer="char",
                        ngram_range=(2, 2),
                        preprocessor=characters,
                        sublinear_tf=True,
                    ),
                ),
            ]
        )
        self.fitted = False
        self.cache_size = cache_size
        self._cache: OrderedDict[str, csr_matrix] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_cache"], state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = OrderedDict()
        self._lock = threading.Lock()

    def fit(self, texts: Iterable[str]) -> TextSimilarity:
        texts = [text or "" for text in texts]
        if not any(characters(text) for text in texts):
            raise ValueError("there is no text to fit on")
        self._views.fit(texts)
        self.fitted = True
        with self._lock:
            self._cache.clear()  # vectors of the old IDF
        return self

    def vectors(self, texts: Sequence[str]) -> csr_matrix:
        """Unit rows (or zero rows for texts with no known word), one per text: the dot
        product of two rows is their similarity."""
        if not self.fitted:
            raise ValueError("fit the similarity before comparing texts")
        texts = [text or "" for text in texts]
        rows: dict[str, csr_matrix] = {}
        with self._lock:
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)
                    rows[text] = self._cache[text]
        missing = [text for text in dict.fromkeys(texts) if text not in rows]
        if missing:
            # Each view's rows are unit vectors; normalising the joined row halves each
            # view's share, so a dot product is the mean of the two cosines.
            fresh = normalize(self._views.transform(missing).tocsr())
            for index, text in enumerate(missing):
                rows[text] = fresh[index]
            with self._lock:
                for text in missing[-self.cache_size :] if self.cache_size > 0 else []:
                    self._cache[text] = rows[text]
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return vstack([rows[text] for text in texts], format="csr")

    def similarities(self, text: str, others: Sequence[str]) -> np.ndarray:
        """How similar `text` is to each of `others`, in their order (0..1)."""
        if not others:
            return np.zeros(0)
        matrix = self.vectors([text, *others])
        return np.clip((matrix[1:] @ matrix[0].T).toarray().ravel(), 0.0, 1.0)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres between two WGS 84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _distance_between(new: NewRequest, case: OpenCase) -> float | None:
    if new.lon is None or new.lat is None or case.lon is None or case.lat is None:
        return None
    return distance_m(new.lon, new.lat, case.lon, case.lat)


def _is_recent(new: NewRequest, case: OpenCase, rules: DuplicateRules) -> bool:
    return rules.max_age is None or new.reported_at - case.reported_at <= rules.max_age


def _is_nearby(same_grid: bool, distance: float | None, rules: DuplicateRules) -> bool:
    if not rules.require_nearby or same_grid:
        return True
    return (
        distance is not None
        and rules.max_distance_m is not None
        and (distance <= rules.max_distance_m)
    )


def likely_duplicates(
    new: NewRequest,
    candidates: Iterable[OpenCase],
    rules: DuplicateRules | None = None,
    similarity: TextSimilarity | None = None,
) -> list[LikelyDuplicate]:
    """The open cases that may be the same issue as `new`, most similar first (ties: nearer,
    then more recent), at most `rules.limit`. `similarity`, when given and fitted, supplies
    the IDF; otherwise it is fitted on `new` and the candidates that are recent and nearby."""
    rules = rules or DuplicateRules()
    if rules.limit <= 0 or not characters(new.text):
        return []
    # The cheap rules first: only the texts of recent, nearby cases are read.
    kept: list[tuple[OpenCase, float | None, bool]] = []
    for case in candidates:
        if not _is_recent(new, case, rules):
            continue
        same_grid = bool(new.grid_code) and new.grid_code == case.grid_code
        distance = _distance_between(new, case)
        if _is_nearby(same_grid, distance, rules):
            kept.append((case, distance, same_grid))
    if not kept:
        return []
    texts = [case.text for case, _, _ in kept]
    if similarity is None or not similarity.fitted:
        similarity = TextSimilarity().fit([new.text, *texts])
    scores = similarity.similarities(new.text, texts)
    offered = [
        (float(score), case, distance, same_grid)
        for score, (case, distance, same_grid) in zip(scores, kept, strict=True)
        if score >= rules.min_similarity
    ]
    offered.sort(
        key=lambda item: (
            -item[0],
            item[2] if item[2] is not None else math.inf,
            -item[1].reported_at.timestamp(),
        )
    )
    return [
        LikelyDuplicate(id=case.id, similarity=score, distance_m=distance, same_grid=same_grid)
        for score, case, distance, same_grid in offered[: rules.limit]
    ]
