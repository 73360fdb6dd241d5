"""Hot topics: groups of similar requests in a period (the same estate's noise complaints, the
same fraud reported by many), each with a heat index, for the dashboard and for alerts.

Pure functions over plain dataclasses, so services can feed them cases and tests can feed them
synthetic texts. How it works:

- Each request's text is cut by `wangge.routing.text.words` and weighted by TF-IDF (fitted on
  the period and the one before it, so both are read with the same weights); requests with the
  same known place key (a grid code) get a small similarity bonus.
- The period's requests are grouped by average-linkage agglomerative clustering (scipy) on
  cosine distances cut at `1 - rules.similarity`: every group's members are, on average, at
  least that similar to each other. Average linkage keeps groups coherent where a similarity
  graph's connected components would chain loosely related requests into one blob.
- Requests of the previous period of equal length join the group whose members they are on
  average most similar to, when that average reaches the same threshold (the same criterion the
  clustering uses), which gives the group's previous count and so its growth.

Cost: O(n²) time and n²/2 float64 of memory for n requests in the period (5,000 requests:
about 100 MB and a couple of seconds on one core)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sparse
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.feature_extraction.text import TfidfVectorizer

from wangge.routing.text import words

RequestId = int | str

# Rows of the similarity matrix computed at a time: bounds the dense block to 512 × n floats.
_BLOCK_ROWS = 512


@dataclass(frozen=True)
class TopicRequest:
    """A request as topic detection reads it. `reporter` is who sent it (a user id, a phone
    number); "" for an anonymous request. `place` is an optional place key such as a grid code."""

    id: RequestId
    text: str
    reporter: str
    reported_at: datetime
    place: str | None = None
    support: int = 0


@dataclass(frozen=True)
class TopicRules:
    """What makes a group and a hot topic.

    `alert_heat` defaults to 10: about ten distinct residents raising the same thing in the
    period at a steady rate, or six or seven when it doubled since the previous period, or five
    when it quadrupled. Fewer is routine work for a grid; one resident alone never alerts,
    however often they write (their repeats weigh `repeat_weight` each)."""

    # Least average cosine similarity of a group's members. On the public message set, 0.2 keeps
    # one estate's or one problem's messages together; 0.3 splits one estate's complaint into
    # several groups by wording, 0.15 merges different estates with the same kind of problem.
    similarity: float = 0.2
    min_requests: int = 3
    min_reporters: int = 2
    same_place_bonus: float = 0.1  # added to the similarity of requests with the same place
    repeat_weight: float = 0.25  # weight of a request by a reporter already counted
    growth_weight: float = 0.5  # heat factor per doubling of the count
    alert_heat: float = 10.0
    label_words: int = 4


@dataclass(frozen=True)
class Topic:
    """A group of similar requests in the period. `request_ids` are the period's requests, most
    central (most similar to the rest of the group) first; `previous_request_ids` those of the
    previous period of equal length that match the group. `growth` is
    (count + 1) / (previous_count + 1): 1 is steady, 2 doubled. `reporters` counts distinct
    reporters (all anonymous requests together count as one). `places` are the place keys of
    the requests, most frequent first."""

    request_ids: tuple[RequestId, ...]
    label: str
    count: int
    previous_count: int
    growth: float
    reporters: int
    support: int
    heat: float
    previous_request_ids: tuple[RequestId, ...] = ()
    places: tuple[str, ...] = ()


def heat_index(count: int, reporters: int, growth: float, rules: TopicRules) -> float:
    """The heat of a group:

        heat = (reporters + repeat_weight × (count − reporters))
               × clip(1 + growth_weight × log2(growth), 0.5, 2.5)

    The first factor counts each distinct reporter once and each further request by someone
    already counted at `repeat_weight` (0.25): ten reporters weigh 10, one reporter writing ten
    times 3.25. The second rewards growth since the previous period (×1.5 when doubled, ×2 when
    quadrupled, at most ×2.5) and halves at most a fading topic. Monotone in count, reporters
    and growth."""
    reporters = min(reporters, count)
    volume = reporters + rules.repeat_weight * (count - reporters)
    trend = 1 + rules.growth_weight * math.log2(max(growth, 1e-9))
    return volume * min(max(trend, 0.5), 2.5)


def is_alert(topic: Topic, rules: TopicRules | None = None) -> bool:
    """Whether the topic is hot enough to alert on (heat ≥ `rules.alert_heat`)."""
    return topic.heat >= (rules or TopicRules()).alert_heat


def find_topics(
    requests: Sequence[TopicRequest],
    period_start: datetime,
    period_end: datetime,
    rules: TopicRules | None = None,
) -> list[Topic]:
    """The hot topics among the requests reported in [period_start, period_end), hottest first.

    Requests in the previous period of equal length count towards growth only; others are
    ignored. A group is a topic when it has at least `rules.min_requests` requests and
    `rules.min_reporters` distinct reporters in the period."""
    rules = rules or TopicRules()
    previous_start = period_start - (period_end - period_start)
    current = [r for r in requests if period_start <= r.reported_at < period_end]
    previous = [r for r in requests if previous_start <= r.reported_at < period_start]
    if len(current) < max(rules.min_requests, 2):
        return []

    try:
        texts, vocabulary = _text_vectors([r.text for r in current + previous])
    except ValueError:  # no words at all (empty or punctuation-only texts)
        return []
    vectors = _with_places(texts, [r.place for r in current + previous], rules)
    current_vectors, previous_vectors = vectors[: len(current)], vectors[len(current) :]

    groups = _groups(current_vectors, rules.similarity)
    candidates = []
    for members in groups:
        if len(members) < rules.min_requests:
            continue
        if _distinct_reporters([current[i] for i in members]) < rules.min_reporters:
            continue
        candidates.append(members)
    if not candidates:
        return []

    # The mean of a group's vectors: its dot product with a vector is that vector's average
    # similarity to the group's members.
    means = sparse.vstack(
        [sparse.csr_matrix(current_vectors[members].mean(axis=0)) for members in candidates]
    ).tocsr()
    previous_members = _previous_members(previous_vectors, means, rules.similarity)

    topics = []
    for index, members in enumerate(candidates):
        centrality = np.asarray(current_vectors[members] @ means[index].T.toarray()).ravel()
        ordered = [current[members[i]] for i in np.argsort(-centrality, kind="stable")]
        before = [previous[i] for i in previous_members[index]]
        count, reporters = len(ordered), _distinct_reporters(ordered)
        growth = (count + 1) / (len(before) + 1)
        places = Counter(r.place for r in ordered if r.place)
        topics.append(
            Topic(
                request_ids=tuple(r.id for r in ordered),
                label=_label(texts[members], vocabulary, rules.label_words),
                count=count,
                previous_count=len(before),
                growth=growth,
                reporters=reporters,
                support=sum(r.support for r in ordered),
                heat=heat_index(count, reporters, growth, rules),
                previous_request_ids=tuple(r.id for r in before),
                places=tuple(place for place, _ in places.most_common()),
            )
        )
    topics.sort(key=lambda topic: (-topic.heat, -topic.count, str(topic.request_ids[0])))
    return topics


def _distinct_reporters(requests: Sequence[TopicRequest]) -> int:
    # Anonymous requests cannot be told apart, so together they count as one reporter.
    return len({r.reporter for r in requests})


def _text_vectors(texts: Sequence[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Unit TF-IDF vectors of the texts' words, and the words of the columns."""
    vectorizer = TfidfVectorizer(
        tokenizer=words, lowercase=False, token_pattern=None, sublinear_tf=True, dtype=np.float32
    )
    return vectorizer.fit_transform(texts).tocsr(), vectorizer.get_feature_names_out()


def _with_places(
    texts: sparse.csr_matrix, places: Sequence[str | None], rules: TopicRules
) -> sparse.csr_matrix:
    """Text vectors with a one-hot place column scaled so that two requests with the same known
    place gain `same_place_bonus` in their dot product."""
    keys = sorted({place for place in places if place})
    if not keys or rules.same_place_bonus <= 0:
        return texts
    column = {place: i for i, place in enumerate(keys)}
    rows = [i for i, place in enumerate(places) if place]
    one_hot = sparse.csr_matrix(
        (
            np.full(len(rows), math.sqrt(rules.same_place_bonus)),
            (rows, [column[places[i]] for i in rows]),
        ),
        shape=(len(places), len(keys)),
    )
    return sparse.hstack([texts, one_hot]).tocsr()


def _groups(vectors: sparse.csr_matrix, similarity: float) -> list[list[int]]:
    """Average-linkage clusters of the rows of `vectors`, cut at distance 1 - similarity."""
    n = vectors.shape[0]
    # Condensed cosine distances (the upper triangle row by row, as scipy wants), computed by
    # blocks of rows so no dense n × n matrix is held.
    condensed = np.empty(n * (n - 1) // 2, dtype=np.float64)
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, n)
        # Only the columns from `start` on: the pairs before are in earlier blocks.
        block = (vectors[start:stop] @ vectors[start:].T.tocsr()).toarray()
        for row in range(start, stop):
            offset = row * n - row * (row + 1) // 2  # index of the pair (row, row + 1)
            condensed[offset : offset + n - row - 1] = 1.0 - block[row - start, row - start + 1 :]
    np.clip(condensed, 0.0, None, out=condensed)  # the place bonus may push similarity past 1
    tree = linkage(condensed, method="average")
    labels = fcluster(tree, t=1.0 - similarity, criterion="distance")
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        members.setdefault(int(label), []).append(index)
    return list(members.values())


def _previous_members(
    previous_vectors: sparse.csr_matrix, means: sparse.csr_matrix, similarity: float
) -> list[list[int]]:
    """For each group, the previous-period requests whose average similarity to its members is
    the highest of all groups and reaches `similarity`."""
    found: list[list[int]] = [[] for _ in range(means.shape[0])]
    if previous_vectors.shape[0] == 0:
        return found
    scores = (previous_vectors @ means.T).toarray()
    best = scores.argmax(axis=1)
    for index, group in enumerate(best):
        if scores[index, group] >= similarity:
            found[group].append(index)
    return found


def _label(texts: sparse.csr_matrix, vocabulary: np.ndarray, size: int) -> str:
    """The group's most weighty words (mean TF-IDF over its members), single characters and
    bare numbers left out as they say little on their own."""
    weights = np.asarray(texts.mean(axis=0)).ravel()
    chosen: list[str] = []
    for index in np.argsort(-weights, kind="stable"):
        if weights[index] <= 0 or len(chosen) == size:
            break
        word = str(vocabulary[index])
        if len(word) > 1 and not word.isdigit():
            chosen.append(word)
    return " ".join(chosen)
