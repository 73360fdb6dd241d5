"""Process caches: read once, checked by one key read at each use, never served stale."""

from __future__ import annotations

import pytest
from django.db import transaction

from wangge.core import generations
from wangge.core.models import CalendarDay


class Boom(Exception):
    pass


def counting_cache(name: str) -> tuple[generations.ProcessCache[int], list[int]]:
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return CalendarDay.objects.count()

    return generations.ProcessCache(name, load), loads


def test_a_cache_reads_its_data_once_until_the_data_changes(db, django_assert_num_queries):
    cache, loads = counting_cache("test-days")
    assert cache.get() == 0
    with django_assert_num_queries(1):
        assert cache.get() == 0
    assert len(loads) == 1
    CalendarDay.objects.create(date="2030-01-02")
    generations.changed("test-days")
    assert cache.get() == 1
    assert len(loads) == 2


def test_a_change_that_rolled_back_is_not_served(db):
    cache, _loads = counting_cache("test-days")
    assert cache.get() == 0
    with pytest.raises(Boom), transaction.atomic():
        CalendarDay.objects.create(date="2030-01-02")
        generations.changed("test-days")
        assert cache.get() == 1  # the writer sees its own change
        raise Boom
    assert cache.get() == 0


def test_followed_models_change_their_generation_on_save_and_delete(db):
    before = generations.token("calendar")
    day = CalendarDay.objects.create(date="2030-01-02")
    after_save = generations.token("calendar")
    day.delete()
    assert len({before, after_save, generations.token("calendar")}) == 3
