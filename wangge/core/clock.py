"""The injected clock: every rule that reads the time calls `now()`, so tests can move time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

_source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _source()


def today() -> date:
    """Today in the platform's time zone: from 00:00 to 08:00 in Jiangmen it is not UTC's date."""
    return timezone.localdate(_source())


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make `now()` return `moment` inside the block (tests and replays)."""
    global _source
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs a timezone-aware datetime")
    previous, _source = _source, (lambda: moment)
    try:
        yield
    finally:
        _source = previous
