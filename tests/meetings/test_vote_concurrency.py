"""One vote per voter under concurrent submissions: six threads send one link's ballot at the
same moment, with real transactions (committing, so the migrations' rows are restored after,
as the case concurrency tests do). On PostgreSQL every submission either replaces the ballot
(changeable) or all but one are refused; on SQLite writers queue on the database lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, connections

from tests.meetings.helpers import links, list_vote
from tests.shipped_data import restore_shipped_rows
from wangge.meetings import services
from wangge.meetings.exceptions import Conflict
from wangge.meetings.models import Ballot
from wangge.org.locate import forget_index

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _real_concurrency(transactional_db: None) -> Iterator[None]:
    assert not (connection.vendor == "sqlite" and connection.is_in_memory_db())
    restore_shipped_rows()  # a committing test before may have flushed them
    forget_index()
    yield
    forget_index()


@pytest.mark.parametrize("changeable", [False, True])
def test_concurrent_submissions_with_one_link_leave_one_ballot(cast, changeable):
    vote = list_vote(
        cast.tree.community, cast.community_staff, is_changeable=changeable, is_secret=True
    )
    token = links(cast.community_staff, vote)[0]
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def submit(choice: int) -> None:
        try:
            barrier.wait()
            services.cast_ballot(token, choice)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i % 3,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Ballot.objects.filter(vote=vote).count() == 1
    if connection.vendor == "postgresql":
        if changeable:
            assert outcomes == ["ok"] * 6
        else:
            assert sorted(outcomes) == ["ok"] + ["refused"] * 5
