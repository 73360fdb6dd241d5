"""Quorum and majority as pure functions over counts: votes and the meeting steps of 四议两公开
use the same thresholds. Integers only, so that "more than half" and "two thirds" are exact."""

from __future__ import annotations

from dataclasses import dataclass

from wangge.meetings.models import MajorityBase, Threshold


def reaches(count: int, total: int, threshold: str) -> bool:
    """Whether `count` out of `total` reaches `threshold`: more than half excludes exactly half
    (过半数); two thirds includes exactly two thirds (三分之二以上)."""
    if threshold == Threshold.NONE:
        return True
    if total <= 0:
        return False
    if threshold == Threshold.MORE_THAN_HALF:
        return count * 2 > total
    if threshold == Threshold.TWO_THIRDS:
        return count * 3 >= total * 2
    raise ValueError(f"unknown threshold: {threshold}")


@dataclass(frozen=True)
class Outcome:
    counts: list[int]
    cast: int
    eligible: int
    quorum_met: bool
    majority_met: bool

    @property
    def passed(self) -> bool:
        return self.quorum_met and self.majority_met

    def as_json(self) -> dict[str, object]:
        return {
            "counts": self.counts,
            "cast": self.cast,
            "eligible": self.eligible,
            "quorum_met": self.quorum_met,
            "majority_met": self.majority_met,
            "passed": self.passed,
        }


def vote_outcome(
    counts: list[int], eligible: int, *, quorum: str, majority: str, majority_base: str
) -> Outcome:
    """The outcome of a vote whose first option is the proposal: the quorum is the share of
    the eligible who voted; the majority is the proposal's share of the votes cast or of the
    eligible."""
    cast = sum(counts)
    favour = counts[0] if counts else 0
    base = eligible if majority_base == MajorityBase.ELIGIBLE else cast
    return Outcome(
        counts=list(counts),
        cast=cast,
        eligible=eligible,
        quorum_met=reaches(cast, eligible, quorum),
        majority_met=reaches(favour, base, majority),
    )
