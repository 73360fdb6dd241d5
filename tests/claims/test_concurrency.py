"""Two member units claiming one need at the same moment, with real threads and committing
transactions: exactly one agreement is made and the other claim is refused. The claim locks
the need's row (select_for_update) on PostgreSQL; on SQLite the writers queue on the database's
write lock. The same for two spendings that together would pass a fund, and for two volunteers
claiming one wish."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from tests.claims.helpers import member_unit, need, project, volunteer
from wangge.claims import services
from wangge.claims.exceptions import InvalidState, OverBudget
from wangge.claims.models import Agreement, FundSpending, Need, NeedState, Wish, WishState
from wangge.org.locate import forget_index

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _real_concurrency(db) -> Iterator[None]:
    assert not (connection.vendor == "sqlite" and connection.is_in_memory_db())
    forget_index()
    yield
    forget_index()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Each call in its own thread (own connection), released together; results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_units_claiming_one_need_at_once_make_one_agreement(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行石冲支行", kind="bank")
    wanted = need(cast.tree.community)
    staff = cast.community_staff

    def claim(unit: Any) -> Callable[[], Any]:
        # Each thread reads the need itself, as a page would: both see it open.
        return lambda: services.claim_need(staff, Need.objects.get(pk=wanted.pk), unit)

    results = at_once(claim(school), claim(bank))
    made = [r for r in results if isinstance(r, Agreement)]
    refused = [r for r in results if isinstance(r, InvalidState)]
    assert len(made) == 1 and len(refused) == 1, results
    assert Agreement.objects.filter(need=wanted).count() == 1
    wanted.refresh_from_db()
    assert wanted.state == NeedState.CLAIMED


def test_two_spendings_that_together_pass_the_fund_cannot_both_pass(cast):
    services.allocate_fund(cast.community_staff, cast.tree.community, 2026, "10000")
    planned = project(cast.tree.community)
    staff = cast.community_staff

    def spend() -> Any:
        return services.spend_fund(staff, planned, "6000", date(2026, 3, 1))

    results = at_once(spend, spend)
    assert sum(isinstance(r, FundSpending) for r in results) == 1, results
    assert sum(isinstance(r, OverBudget) for r in results) == 1, results
    assert FundSpending.objects.count() == 1


def test_two_volunteers_claiming_one_wish_at_once_leave_one_claim(cast):
    first = volunteer(cast.tree.community)
    second = volunteer(cast.tree.community, phone="13600001111")
    wish = services.raise_wish(None, cast.tree.community, services.WishInput(title="一台收音机"))

    def claim(who: Any) -> Callable[[], Any]:
        return lambda: services.claim_wish(who, Wish.objects.get(pk=wish.pk))

    results = at_once(claim(first), claim(second))
    assert sum(isinstance(r, Wish) for r in results) == 1, results
    assert sum(isinstance(r, InvalidState) for r in results) == 1, results
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED
