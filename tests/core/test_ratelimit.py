"""The database-backed rate limiter: counts per key and fixed window, windows that end, the
sweep of ended windows, keys that never hold a phone or an address in clear, and the client's
address behind a trusted proxy only."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory

from wangge.core import clock
from wangge.core.jobs import PeriodicJob, periodic_jobs
from wangge.core.models import RateCounter
from wangge.core.ratelimit import (
    client_ip,
    count_hit,
    hashed_key,
    hit,
    retry_after,
    sweep_rate_counters,
    window_start,
)

T0 = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
HOUR = 3600


def test_a_key_is_within_its_limit_until_the_limit_is_used_up(db):
    with clock.frozen_at(T0):
        answers = [hit("k:a", limit=3, window_seconds=HOUR) for _ in range(5)]

    assert answers == [True, True, True, False, False]
    assert RateCounter.objects.get(key="k:a").count == 5


def test_two_keys_are_counted_apart(db):
    with clock.frozen_at(T0):
        for _ in range(3):
            hit("k:a", limit=3, window_seconds=HOUR)
        a_again = hit("k:a", limit=3, window_seconds=HOUR)
        b_first = hit("k:b", limit=3, window_seconds=HOUR)
        counts = [count_hit("k:b", window_seconds=HOUR) for _ in range(2)]

    assert (a_again, b_first, counts) == (False, True, [2, 3])
    assert dict(RateCounter.objects.values_list("key", "count")) == {"k:a": 4, "k:b": 3}


def test_a_used_up_limit_opens_again_when_its_window_ends(db):
    start = window_start(HOUR, T0)
    with clock.frozen_at(start):
        assert [hit("k:a", limit=2, window_seconds=HOUR) for _ in range(3)] == [True, True, False]
    with clock.frozen_at(start + timedelta(seconds=HOUR - 1)):
        assert hit("k:a", limit=2, window_seconds=HOUR) is False
    with clock.frozen_at(start + timedelta(seconds=HOUR)):
        assert hit("k:a", limit=2, window_seconds=HOUR) is True

    assert RateCounter.objects.filter(key="k:a").count() == 2


def test_windows_are_fixed_and_aligned_to_the_epoch():
    assert window_start(HOUR, T0) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert window_start(86400, T0) == datetime(2026, 11, 24, tzinfo=UTC)
    assert retry_after(HOUR, T0) == 45 * 60
    with pytest.raises(ValueError):
        window_start(0, T0)


def test_windows_of_different_lengths_under_one_key_do_not_mix(db):
    with clock.frozen_at(T0):
        hourly = [count_hit("k:a", window_seconds=HOUR) for _ in range(2)]
        daily = count_hit("k:a", window_seconds=86400)

    assert hourly == [1, 2] and daily == 1


def test_a_counted_hit_is_undone_with_the_transaction_it_ran_in(db):
    from django.db import transaction

    with clock.frozen_at(T0):
        hit("k:a", limit=5, window_seconds=HOUR)
        with pytest.raises(RuntimeError), transaction.atomic():
            hit("k:a", limit=5, window_seconds=HOUR)
            raise RuntimeError("the guarded work was refused")

    assert RateCounter.objects.get(key="k:a").count == 1


def test_the_sweep_deletes_ended_windows_only(db):
    with clock.frozen_at(T0):
        hit("k:hourly", limit=5, window_seconds=HOUR)
        hit("k:daily", limit=5, window_seconds=86400)
    later = window_start(HOUR, T0) + timedelta(hours=1, minutes=5)
    with clock.frozen_at(later):
        hit("k:hourly", limit=5, window_seconds=HOUR)  # the next hour's window
        first = sweep_rate_counters()
        second = sweep_rate_counters()

    assert first == "rate limits: 1 ended window(s) deleted"
    assert second is None
    remaining = RateCounter.objects.order_by("key").values_list("key", "window_start")
    assert list(remaining) == [
        ("k:daily", datetime(2026, 11, 24, tzinfo=UTC)),
        ("k:hourly", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
    ]


def test_the_core_app_declares_the_sweep_as_an_hourly_job():
    jobs = {job.path: job for job in periodic_jobs()}

    assert jobs["wangge.core.ratelimit.sweep_rate_counters"] == PeriodicJob(
        path="wangge.core.ratelimit.sweep_rate_counters", period=3600.0, app_label="core"
    )


def test_keys_hold_a_keyed_hash_never_the_phone_or_address(db):
    phone_key = hashed_key("public-report-phone", "13800138000")
    with clock.frozen_at(T0):
        hit(phone_key, limit=5, window_seconds=HOUR)

    stored = RateCounter.objects.get().key
    assert stored == phone_key and "13800138000" not in stored and "8000" not in stored
    assert phone_key == hashed_key("public-report-phone", "13800138000")
    assert phone_key != hashed_key("public-report-phone", "13900139000")
    # The same value under another limit's name is another key.
    assert phone_key.split(":", 1)[1] != hashed_key("other-limit", "13800138000").split(":", 1)[1]
    assert len(phone_key) <= 100


def test_a_key_that_is_empty_or_too_long_is_refused(db):
    for key in ("", "k" * 101):
        with pytest.raises(ValueError):
            hit(key, limit=1, window_seconds=HOUR)
    assert not RateCounter.objects.exists()


# --- the client's address ---------------------------------------------------------------------


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_client_is_remote_addr_and_a_forwarded_header_is_ignored_by_default(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(request_from("203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_nearest_untrusted_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]

    # A client may send its own X-Forwarded-For; the proxy appends the address it saw.
    spoofed = request_from("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3")
    assert client_ip(spoofed) == "203.0.113.7"
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"
    assert client_ip(request_from("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_an_ipv6_client_is_counted_by_its_64_bit_prefix(settings):
    settings.TRUSTED_PROXIES = []

    one = client_ip(request_from("2001:db8:1:2:aaaa::1"))
    other_device_same_home = client_ip(request_from("2001:db8:1:2:bbbb::9"))

    assert one == other_device_same_home == "2001:db8:1:2::/64"
    assert client_ip(request_from("::ffff:203.0.113.7")) == "203.0.113.7"


# --- several processes at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hits_from_many_connections_at_once_are_all_counted():
    assert not (connection.vendor == "sqlite" and connection.is_in_memory_db())
    callers = 8
    barrier = threading.Barrier(callers)
    answers: list[object] = [None] * callers

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = hit("k:race", limit=5, window_seconds=HOUR)
        except Exception as error:  # handed back to the test to judge
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(callers)]
    with clock.frozen_at(T0):  # the clock is process-wide: frozen once, for every thread
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(answers, key=str) == [False] * 3 + [True] * 5, answers
    assert RateCounter.objects.get(key="k:race").count == callers
