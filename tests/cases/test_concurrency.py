"""Two people acting on the same case at the same moment, with real threads and real
transactions: exactly one wins and the other gets Conflict; the same intake sent twice at once
makes one case; cases filed at once get distinct, consecutive numbers.

These tests commit (transactional_db), and restore the migrations' data afterwards
(serialized_rollback), since later tests need the default categories. On SQLite the writers
queue on the database's write lock (IMMEDIATE transactions) instead of a row lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from tests.cases.loop_helpers import RESIDENT, assert_log_consistent, drive_to, file_case, fresh
from wangge.cases.exceptions import Conflict
from wangge.cases.models import Case, CaseEvent
from wangge.cases.services import ActionInput, Report, perform, report_case
from wangge.cases.workflow import CaseState
from wangge.org.locate import forget_index

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _real_concurrency(db) -> Iterator[None]:
    # tests/settings.py gives SQLite a file database: in memory with a shared cache, a second
    # writer would fail at once ("table is locked") instead of queueing as deployed.
    assert not (connection.vendor == "sqlite" and connection.is_in_memory_db())
    # The flush between committing tests reuses map version numbers: drop the grid index
    # built from the last test's grids.
    forget_index()
    yield
    forget_index()


def at_once(*calls: Callable[[], Any], prepare: Callable[[], Any] | None = None) -> list[Any]:
    """Run each call in its own thread (own connection), released together by a barrier;
    `prepare` runs in each thread first and its result is passed to the call. Returns each
    call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[..., Any]) -> None:
        try:
            prepared = prepare() if prepare else None
            barrier.wait(timeout=30)
            results[index] = call(prepared) if prepare else call()
        except Exception as error:  # handed back to the test to judge
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_of_two_dispatchers_acting_at_once_exactly_one_wins(cast):
    case = drive_to(cast, CaseState.REPORTED)

    def load() -> Case:
        return fresh(case)  # each thread reads the case before either acts

    results = at_once(
        lambda seen: perform(cast.dispatcher, seen, "accept"),
        lambda seen: perform(cast.dispatcher, seen, "decline", ActionInput(reason="重复")),
        prepare=load,
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    events = [r for r in results if isinstance(r, CaseEvent)]
    assert len(conflicts) == 1 and len(events) == 1, results
    stored = fresh(case)
    assert stored.state == events[0].to_state
    assert stored.version == 2
    assert CaseEvent.objects.filter(case=case).count() == 2
    assert_log_consistent(stored)


def test_of_many_people_acting_at_once_on_a_case_in_handling_exactly_one_wins(cast):
    case = drive_to(cast, CaseState.HANDLING)

    results = at_once(
        lambda seen: perform(cast.department_handler, seen, "progress", ActionInput(note="进展")),
        lambda seen: perform(cast.leader, seen, "instruct", ActionInput(note="批示")),
        lambda seen: perform(cast.department_handler, seen, "return", ActionInput(reason="退回")),
        lambda seen: perform(cast.grid_worker_a, seen, "comment", ActionInput(note="备注")),
        prepare=lambda: fresh(case),
    )
    assert sum(isinstance(r, CaseEvent) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 3, results
    assert_log_consistent(case)


def test_the_same_intake_sent_twice_at_once_makes_one_case(cast):
    def send() -> Any:
        return report_case(
            RESIDENT,
            Report(category="C0104", description="路灯不亮", address="石冲路 1 号"),
            idempotency=("open311:app-1", "retry-42"),
        )

    results = at_once(send, send)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].case.pk == results[1].case.pk
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_cases_filed_at_once_get_distinct_consecutive_numbers(cast):
    def send() -> Any:
        return file_case(RESIDENT)

    results = at_once(*[send] * 5)
    assert not [r for r in results if isinstance(r, Exception)], results
    sequences = sorted(int(case.number[-6:]) for case in results)
    assert sequences == [1, 2, 3, 4, 5]
    assert len({case.number[:8] for case in results}) == 1
