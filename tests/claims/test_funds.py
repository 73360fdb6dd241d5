"""Micro-project funds: one allocation per community and year, spending recorded against
projects, and never beyond the allocation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.claims.helpers import project
from wangge.claims import queries, services
from wangge.claims.exceptions import Invalid, NotAllowed, OverBudget
from wangge.claims.models import FundSpending

pytestmark = pytest.mark.django_db


def test_spending_within_the_allocation_is_recorded(cast):
    services.allocate_fund(cast.community_staff, cast.tree.community, 2026, "10000")
    planned = project(cast.tree.community)
    services.spend_fund(cast.community_staff, planned, "6000", date(2026, 3, 1))
    services.spend_fund(cast.community_staff, planned, "4000", date(2026, 4, 1))
    (row,) = queries.fund_figures(cast.community_staff, 2026)
    assert row["allocated"] == Decimal("10000") and row["spent"] == Decimal("10000")
    assert row["left"] == Decimal(0)


def test_spending_beyond_the_allocation_is_refused_with_a_clear_message(cast):
    services.allocate_fund(cast.community_staff, cast.tree.community, 2026, "10000")
    planned = project(cast.tree.community)
    services.spend_fund(cast.community_staff, planned, "8000", date(2026, 3, 1))
    with pytest.raises(OverBudget) as refused:
        services.spend_fund(cast.community_staff, planned, "2000.01", date(2026, 5, 1))
    assert refused.value.field == "amount"
    assert "10000.00 yuan allocated, 8000.00 spent, 2000.00 left" in refused.value.message
    assert FundSpending.objects.count() == 1


def test_spending_without_an_allocation_for_the_year_is_refused(cast):
    services.allocate_fund(cast.community_staff, cast.tree.community, 2026, "10000")
    with pytest.raises(Invalid) as refused:
        services.spend_fund(
            cast.community_staff, project(cast.tree.community), "1", date(2025, 12, 31)
        )
    assert refused.value.field == "amount" and "2025" in refused.value.message


def test_an_allocation_cannot_drop_below_what_was_spent(cast):
    services.allocate_fund(cast.community_staff, cast.tree.community, 2026, "10000")
    services.spend_fund(
        cast.community_staff, project(cast.tree.community), "6000", date(2026, 3, 1)
    )
    with pytest.raises(Invalid) as refused:
        services.allocate_fund(cast.community_staff, cast.tree.community, 2026, "5000")
    assert refused.value.field == "amount"


def test_amounts_and_years_are_checked(cast):
    for year, amount, field in (
        (1999, "1", "year"),
        (2026, "-5", "amount"),
        (2026, "abc", "amount"),
    ):
        with pytest.raises(Invalid) as refused:
            services.allocate_fund(cast.community_staff, cast.tree.community, year, amount)
        assert refused.value.field == field


def test_staff_cannot_fund_another_community(cast):
    with pytest.raises(NotAllowed):
        services.allocate_fund(cast.community_staff, cast.tree.other_community, 2026, "100")
