"""Benchmark: likely duplicates on labelled pairs of real resident messages.

Run with `.venv/bin/pytest tests/perf/test_routing_duplicates_benchmark.py -s -p no:randomly`.
Needs ../shared/data/messages/popular_messages.csv (the 2020 Teddy Cup messages, 4,326 with
留言编号, 留言主题, 留言时间, 留言详情; not shipped) and skips without it.

The labelled set, tests/perf/data/duplicate_pairs.csv (`id_a,id_b,same`, ids only: no message
text is in the repository), has 355 pairs of 留言编号, id_a reported first. They were drawn so
that both classes are well represented:
- 225 pairs by an independent measure, not the one benchmarked: the Jaccard index of the
  messages' rare words (words of two characters or more found in 2 to 15 messages), sampled
  across five bands of that index (55 from ≥ 0.5, 50 from 0.3–0.5, 50 from 0.2–0.3, 45 from
  0.1–0.2, 25 from 0.05–0.1), so that near-verbatim reposts do not crowd out the rest; they
  hold 131 duplicates (53, 41, 23, 13 and 1 by band);
- 45 hard negatives: titles sharing a rare word (often the estate, road or company: the same
  place) while the whole texts share few rare words (index < 0.12); 1 duplicate;
- 45 random pairs of messages naming the same district or county (A3区, A7县, …); none;
- 40 pairs with similar titles (character-bigram Jaccard ≥ 0.35) whose whole texts share few
  rare words (< 0.2), added so that recall is also measured on duplicates worded differently;
  36 duplicates.
No message appears in more than two pairs of the first three groups. Every pair was then
labelled by reading both messages (title and opening, the whole text where unsure): same = 1
when they report the same concrete problem at the same place (the same estate's mixing-plant
noise, the same project's bundled parking spaces, the same road's lamps, the same company's
unpaid wages or refunds), including when one message covers it among other points; 0 for the
same topic at different places, different problems at the same place, and one poster's
template appeals about different things. 168 pairs are duplicates, 187 are not. The labels are
one reader's judgement: about twenty pairs are arguable either way (one company's refunds to
different customers, a broad appeal that names the facility of a narrower one).

The messages carry no coordinates and no grid, and many duplicate pairs are months apart, so
each pair is judged as (new = the later message, candidate = the earlier) with the place and
age rules off (`require_nearby=False`, `max_age=None`): only the text decides. "Offered" means
`likely_duplicates` returns the candidate. Two ways of getting the IDF are measured: a
`TextSimilarity` fitted once on all 4,326 messages (as the lead would keep one fitted on recent
cases), and one fitted per call on the new text and its candidates (the pair's candidate plus
100 other messages drawn at random, like a grid's open cases). Printed: precision, recall and
F1 at the default rules, a table over thresholds, a two-fold estimate (threshold chosen on one
half, measured on the other), where the labelled duplicate ranks among the 101 candidates, and
ranking speed in candidates scored per second. Only correctness is asserted, never a timing.
"""

from __future__ import annotations

import copy
import csv
import os
import random
import re
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from wangge.routing.duplicates import (
    DuplicateRules,
    NewRequest,
    OpenCase,
    TextSimilarity,
    likely_duplicates,
)
from wangge.routing.text import request_text

# The shared data set sits next to the repository (../shared/data); it is not shipped.
SHARED_MESSAGES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "messages"
MESSAGES = SHARED_MESSAGES / "popular_messages.csv"
PAIRS = Path(__file__).resolve().parent / "data" / "duplicate_pairs.csv"

THRESHOLDS = (0.10, 0.14, 0.16, 0.18, 0.20, 0.22, 0.26, 0.30, 0.40, 0.50)
BACKGROUND = 100  # other messages scored with each pair's candidate when the IDF is per call
SPEED_ARRIVALS, SPEED_CANDIDATES = 20, 300
SEED = 20240609
TEXT_ONLY = DuplicateRules(max_age=None, require_nearby=False)

Message = OpenCase  # a message read as an open case: id, text, reported_at


def reported_at(value: str) -> datetime:
    """The messages' times come as 2019/1/27 12:18:43 or 2019-08-06 10:00:00."""
    return datetime.strptime(re.sub(r"-", "/", value.strip()), "%Y/%m/%d %H:%M:%S")


def load_messages() -> dict[int, Message]:
    with MESSAGES.open(encoding="utf-8", newline="") as file:
        return {
            int(row["留言编号"]): Message(
                id=int(row["留言编号"]),
                text=request_text(row["留言主题"], re.sub(r"\s+", " ", row["留言详情"])),
                reported_at=reported_at(row["留言时间"]),
            )
            for row in csv.DictReader(file)
        }


def load_pairs() -> list[tuple[int, int, int]]:
    with PAIRS.open(encoding="utf-8", newline="") as file:
        return [(int(r["id_a"]), int(r["id_b"]), int(r["same"])) for r in csv.DictReader(file)]


def as_new(message: Message) -> NewRequest:
    return NewRequest(text=message.text, reported_at=message.reported_at)


def new_and_candidate(pair: tuple[int, int, int], messages: dict[int, Message]):
    first, second = messages[pair[0]], messages[pair[1]]
    if first.reported_at > second.reported_at:
        first, second = second, first
    return as_new(second), first


def scores(offered: np.ndarray, same: np.ndarray) -> tuple[float, float, float, int, int, int]:
    true_positives = int(np.sum(offered & same))
    false_positives = int(np.sum(offered & ~same))
    false_negatives = int(np.sum(~offered & same))
    precision = true_positives / max(1, true_positives + false_positives)
    recall = true_positives / max(1, true_positives + false_negatives)
    f1 = 2 * precision * recall / max(1e-12, precision + recall)
    return precision, recall, f1, true_positives, false_positives, false_negatives


def best_threshold(similarity: np.ndarray, same: np.ndarray) -> float:
    grid = np.round(np.arange(0.05, 0.61, 0.01), 2)
    return float(max(grid, key=lambda t: (scores(similarity >= t, same)[2], -t)))


def similarity_with_fitted_idf(pairs, messages, fitted: TextSimilarity) -> np.ndarray:
    rules = replace(TEXT_ONLY, min_similarity=0.0)
    found = []
    for pair in pairs:
        new, candidate = new_and_candidate(pair, messages)
        [duplicate] = likely_duplicates(new, [candidate], rules, similarity=fitted)
        found.append(duplicate.similarity)
    return np.array(found)


def similarity_with_idf_per_call(pairs, messages, rng: random.Random):
    """The candidate's similarity and rank among BACKGROUND random messages, IDF per call."""
    rules = replace(TEXT_ONLY, min_similarity=0.0, limit=BACKGROUND + 1)
    ids = sorted(messages)
    found, ranks = [], []
    for pair in pairs:
        new, candidate = new_and_candidate(pair, messages)
        others = [messages[i] for i in rng.sample(ids, BACKGROUND + 2) if i not in pair[:2]]
        ranked = likely_duplicates(new, [candidate, *others[:BACKGROUND]], rules)
        position = next(n for n, duplicate in enumerate(ranked) if duplicate.id == candidate.id)
        found.append(ranked[position].similarity)
        ranks.append(position + 1)
    return np.array(found), np.array(ranks)


def two_fold(similarity: np.ndarray, same: np.ndarray, rng: random.Random) -> list[str]:
    """Threshold chosen on one half of the pairs (stratified), measured on the other."""
    halves = [np.zeros(len(same), dtype=bool), np.zeros(len(same), dtype=bool)]
    for label in (True, False):
        members = [n for n in range(len(same)) if same[n] == label]
        rng.shuffle(members)
        for position, n in enumerate(members):
            halves[position % 2][n] = True
    lines = []
    for chosen_on, measured_on in ((0, 1), (1, 0)):
        threshold = best_threshold(similarity[halves[chosen_on]], same[halves[chosen_on]])
        test = halves[measured_on]
        precision, recall, f1, *_ = scores(similarity[test] >= threshold, same[test])
        lines.append(
            f"  chosen on half {chosen_on + 1}: {threshold:.2f}; on half {measured_on + 1} "
            f"({int(test.sum())} pairs): precision {precision:.3f}, recall {recall:.3f}, "
            f"F1 {f1:.3f}"
        )
    return lines


def candidates_per_second(messages, similarity: TextSimilarity | None, rng) -> float:
    """Candidates scored per second over SPEED_ARRIVALS arrivals, each against the same
    SPEED_CANDIDATES open cases (a warmed cache, if `similarity` keeps one, is used)."""
    rules = replace(TEXT_ONLY, limit=SPEED_CANDIDATES)
    pool = rng.sample(sorted(messages), SPEED_ARRIVALS + SPEED_CANDIDATES)
    arrivals = [as_new(messages[i]) for i in pool[:SPEED_ARRIVALS]]
    candidates = [messages[i] for i in pool[SPEED_ARRIVALS:]]
    if similarity is not None and similarity.cache_size:
        likely_duplicates(arrivals[0], candidates, rules, similarity=similarity)  # warm up
    started = time.perf_counter()
    for new in arrivals:
        result = likely_duplicates(new, candidates, rules, similarity=similarity)
        assert isinstance(result, list)
    return SPEED_ARRIVALS * SPEED_CANDIDATES / (time.perf_counter() - started)


def print_table(title: str, similarity: np.ndarray, same: np.ndarray) -> None:
    print(f"\n{title}")
    print("  min_similarity  precision  recall     F1   offered  TP  FP  FN")
    for threshold in THRESHOLDS:
        offered = similarity >= threshold
        precision, recall, f1, tp, fp, fn = scores(offered, same)
        mark = "  <- default" if threshold == DuplicateRules().min_similarity else ""
        print(
            f"  {threshold:14.2f}  {precision:9.3f}  {recall:6.3f}  {f1:5.3f}  "
            f"{int(offered.sum()):7d}  {tp:3d} {fp:3d} {fn:3d}{mark}"
        )


@pytest.mark.skipif(
    not MESSAGES.is_file(), reason="needs ../shared/data/messages (the 2020 Teddy Cup messages)"
)
def test_likely_duplicates_on_labelled_message_pairs() -> None:
    messages = load_messages()
    pairs = load_pairs()
    assert all(a in messages and b in messages for a, b, _ in pairs), "a pair names no message"
    same = np.array([bool(label) for *_, label in pairs])
    rng = random.Random(SEED)
    default = DuplicateRules()
    one, five, _ = os.getloadavg()
    print(
        f"\nLikely duplicates on {len(pairs)} labelled pairs of the 2020 Teddy Cup messages "
        f"({int(same.sum())} duplicates, {int((~same).sum())} not); place and age rules off "
        f"(the messages have no coordinates or grid)\n{os.cpu_count()} CPUs, load average "
        f"{one:.2f} (1 min) / {five:.2f} (5 min) at start"
    )

    started = time.perf_counter()
    fitted = TextSimilarity().fit(message.text for message in messages.values())
    fit_seconds = time.perf_counter() - started
    fitted_similarity = similarity_with_fitted_idf(pairs, messages, fitted)
    offered = np.array(
        [
            bool(likely_duplicates(new, [candidate], TEXT_ONLY, similarity=fitted))
            for new, candidate in (new_and_candidate(pair, messages) for pair in pairs)
        ]
    )
    # The default rules offer exactly the pairs whose similarity reaches the threshold.
    assert np.array_equal(offered, fitted_similarity >= default.min_similarity)
    precision, recall, f1, tp, fp, fn = scores(offered, same)
    print(
        f"\nDefault rules (min_similarity {default.min_similarity}), IDF fitted once on all "
        f"{len(messages)} messages ({fit_seconds:.1f} s):\n  precision {precision:.3f}, "
        f"recall {recall:.3f}, F1 {f1:.3f} (offered {tp + fp}: {tp} duplicates, {fp} not; "
        f"{fn} duplicates missed)"
    )

    per_call_similarity, ranks = similarity_with_idf_per_call(pairs, messages, rng)
    precision, recall, f1, tp, fp, fn = scores(per_call_similarity >= default.min_similarity, same)
    print(
        f"Default rules, IDF fitted per call on the new text and {BACKGROUND + 1} candidates:"
        f"\n  precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f} (offered {tp + fp}: "
        f"{tp} duplicates, {fp} not; {fn} duplicates missed)"
    )
    print_table("Thresholds, IDF fitted once:", fitted_similarity, same)
    print_table("Thresholds, IDF per call:", per_call_similarity, same)

    print("\nTwo-fold estimate (threshold of best F1 on one half, measured on the other):")
    print("IDF fitted once:")
    print("\n".join(two_fold(fitted_similarity, same, random.Random(SEED))))
    print("IDF per call:")
    print("\n".join(two_fold(per_call_similarity, same, random.Random(SEED))))

    duplicate_ranks = ranks[same]
    print(
        f"\nRank of the labelled duplicate among {BACKGROUND + 1} candidates (IDF per call; "
        f"{int(same.sum())} duplicate pairs): first in "
        f"{np.mean(duplicate_ranks == 1):.1%}, top 5 in {np.mean(duplicate_ranks <= 5):.1%}"
        f" (a random message may itself repeat the new one)"
    )

    print(
        f"\nRanking speed, {SPEED_ARRIVALS} arrivals against {SPEED_CANDIDATES} open cases "
        "each (all pass the place and age rules; real texts average about 370 characters):"
    )
    uncached = copy.deepcopy(fitted)  # the same IDF, its own (empty) cache...
    uncached.cache_size = 0  # ...which it never fills
    speeds = [
        ("IDF fitted per call", candidates_per_second(messages, None, rng)),
        ("fitted similarity, no cache", candidates_per_second(messages, uncached, rng)),
        ("fitted similarity, vectors cached", candidates_per_second(messages, fitted, rng)),
    ]
    for name, speed in speeds:
        print(
            f"  {name:38s} {speed:9,.0f} candidates/s "
            f"({1000 * SPEED_CANDIDATES / speed:6.1f} ms per arrival)"
        )
