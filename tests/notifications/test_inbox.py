"""The inbox: notices other apps send inside their own transactions, read and marked read."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from wangge.core import clock
from wangge.notifications.models import Notification, NotificationKind
from wangge.notifications.queries import inbox, unread_count
from wangge.notifications.services import mark_all_read, mark_read, notify

MOMENT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def queue_case(users, number: str = "20261123000042", **extra) -> int:
    return notify(
        users,
        NotificationKind.CASE_QUEUED,
        title=f"Case {number} is waiting",
        link=f"/cases/{number}/",
        subject=number,
        **extra,
    )


def test_a_notice_reaches_each_addressed_user_with_its_link(cast):
    with clock.frozen_at(MOMENT):
        addressed = queue_case([cast.dispatcher, cast.leader])

    assert addressed == 2
    notice = inbox(cast.dispatcher).get()
    assert (notice.kind, notice.link, notice.subject) == (
        "case_queued",
        "/cases/20261123000042/",
        "20261123000042",
    )
    assert (notice.created_at, notice.is_read) == (MOMENT, False)
    assert inbox(cast.leader).count() == 1
    assert inbox(cast.grid_worker_a).count() == 0


def test_the_same_notice_is_never_sent_twice(cast):
    queue_case([cast.dispatcher], dedupe_key="case_queued:20261123000042:1")
    queue_case([cast.dispatcher, cast.leader], dedupe_key="case_queued:20261123000042:1")

    assert inbox(cast.dispatcher).count() == 1
    assert inbox(cast.leader).count() == 1


def test_notices_without_a_key_may_repeat(cast):
    queue_case([cast.dispatcher])
    queue_case([cast.dispatcher])

    assert inbox(cast.dispatcher).count() == 2


def test_users_may_be_given_as_ids_and_each_is_addressed_once(cast):
    addressed = queue_case([cast.dispatcher.pk, cast.dispatcher, None, cast.leader.pk])

    assert addressed == 2
    assert Notification.objects.count() == 2


def test_nobody_addressed_writes_nothing(db):
    assert queue_case([]) == 0
    assert not Notification.objects.exists()


def test_notices_commit_with_the_change_and_vanish_with_its_rollback(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_case([cast.dispatcher], dedupe_key="k")
        raise RuntimeError("the case change failed")

    assert inbox(cast.dispatcher).count() == 0
    with transaction.atomic():
        queue_case([cast.dispatcher], dedupe_key="k")
        queue_case([cast.dispatcher], dedupe_key="k")  # a duplicate does not abort the change
    assert inbox(cast.dispatcher).count() == 1


def test_an_unknown_kind_or_a_foreign_link_is_refused(cast):
    with pytest.raises(ValueError, match="kind"):
        notify([cast.dispatcher], "case_exploded", title="?")
    with pytest.raises(ValueError, match="path"):
        notify([cast.dispatcher], NotificationKind.OTHER, title="?", link="https://evil.example/")
    assert not Notification.objects.exists()


def test_a_long_title_is_shortened_to_fit(cast):
    queue_case([cast.dispatcher])
    notify([cast.dispatcher], NotificationKind.OTHER, title="长" * 300)

    titles = [notice.title for notice in inbox(cast.dispatcher)]
    assert len(titles[0]) == 200
    assert titles[0].endswith("…")


def test_marking_read_leaves_other_peoples_notices_alone(cast):
    queue_case([cast.dispatcher, cast.leader])
    mine = inbox(cast.dispatcher).get()
    theirs = inbox(cast.leader).get()

    with clock.frozen_at(MOMENT):
        marked = mark_read(cast.dispatcher, [mine.pk, theirs.pk])

    assert marked == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at == MOMENT
    assert theirs.read_at is None


def test_marking_read_twice_counts_once(cast):
    queue_case([cast.dispatcher])
    notice = inbox(cast.dispatcher).get()

    assert mark_read(cast.dispatcher, [notice.pk]) == 1
    assert mark_read(cast.dispatcher, [notice.pk]) == 0


def test_mark_all_read_empties_only_my_unread_list(cast):
    queue_case([cast.dispatcher, cast.leader], number="20261123000001")
    queue_case([cast.dispatcher], number="20261123000002")

    assert mark_all_read(cast.dispatcher) == 2

    assert unread_count(cast.dispatcher) == 0
    assert unread_count(cast.leader) == 1


def test_the_inbox_lists_newest_first_and_can_show_unread_only(cast):
    for minutes, number in enumerate(["20261123000001", "20261123000002", "20261123000003"]):
        with clock.frozen_at(MOMENT + timedelta(minutes=minutes)):
            queue_case([cast.dispatcher], number=number)
    oldest = inbox(cast.dispatcher).last()
    mark_read(cast.dispatcher, [oldest.pk])

    assert [notice.subject for notice in inbox(cast.dispatcher)] == [
        "20261123000003",
        "20261123000002",
        "20261123000001",
    ]
    assert [notice.subject for notice in inbox(cast.dispatcher, unread_only=True)] == [
        "20261123000003",
        "20261123000002",
    ]
    assert unread_count(cast.dispatcher) == 2


@pytest.mark.parametrize("notices", [1, 30])
def test_the_inbox_is_one_query_however_many_notices(cast, django_assert_num_queries, notices):
    for number in range(notices):
        queue_case([cast.dispatcher], number=f"2026112300{number:04d}")

    with django_assert_num_queries(1):
        listed = [(notice.title, notice.link, notice.is_read) for notice in inbox(cast.dispatcher)]
    with django_assert_num_queries(1):
        unread = unread_count(cast.dispatcher)

    assert len(listed) == unread == notices
