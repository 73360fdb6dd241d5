"""Micro-project funds (微实事基金): an allocation per community and year, and what is spent
from it on the community's projects. Spending beyond the allocation is refused; the allocation
row is locked while the sum is checked, so two spendings at once cannot pass it together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from wangge.claims.exceptions import Invalid, OverBudget
from wangge.claims.models import FundAllocation, FundSpending, Project, ProjectState
from wangge.claims.permissions import require_manage
from wangge.claims.services import checks
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit

FIRST_YEAR, LAST_YEAR = 2000, 2100
CENT = Decimal("0.01")


def _spent(allocation: FundAllocation) -> Decimal:
    total = allocation.spendings.aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0).quantize(CENT)


def allocate_fund(
    actor: User | None, community: OrgUnit, year: int | None, amount: object, note: str = ""
) -> FundAllocation:
    """Set the community's fund for `year` (create it, or change its amount; never below what
    has been spent from it)."""
    checks.community(community)
    require_manage(actor, community)
    if year is None or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise Invalid(_("Enter a year between 2000 and 2100."), "year")
    money = checks.money(amount, "amount")
    note = checks.text("note", note, 200)
    now = clock.now()
    try:
        with transaction.atomic():
            allocation = (
                FundAllocation.objects.select_for_update()
                .filter(community=community, year=int(year))
                .first()
            )
            if allocation is None:
                allocation = FundAllocation(community=community, year=int(year), created_at=now)
            elif money < _spent(allocation):
                raise Invalid(
                    _("%(spent)s yuan have been spent from this fund already.")
                    % {"spent": _spent(allocation)},
                    "amount",
                )
            allocation.amount = money
            allocation.note = note
            allocation.updated_at = now
            allocation.save()
            audit.record(
                actor, "claims.fund.allocate", allocation, f"{community.code} {year} {money}"
            )
    except IntegrityError:
        raise Invalid(_("This community has a fund for this year already."), "year") from None
    return allocation


def spend_fund(
    actor: User | None,
    project: Project,
    amount: object,
    spent_on: date | None,
    note: str = "",
) -> FundSpending:
    """Record money spent on `project` from its community's fund of that year; refused when
    no fund is allocated, or when it would spend beyond the allocation."""
    require_manage(actor, project.community)
    money = checks.money(amount, "amount", minimum="0.01")
    if spent_on is None:
        raise Invalid(_("Enter the day the money was spent."), "spent_on")
    if project.state == ProjectState.CANCELLED:
        raise Invalid(_("This project is cancelled."), "project")
    note = checks.text("note", note, 200)
    with transaction.atomic():
        allocation = (
            FundAllocation.objects.select_for_update()
            .filter(community_id=project.community_id, year=spent_on.year)
            .first()
        )
        if allocation is None:
            raise Invalid(
                _("No micro-project fund is allocated to this community for %(year)d.")
                % {"year": spent_on.year},
                "amount",
            )
        spent = _spent(allocation)
        if spent + money > allocation.amount:
            raise OverBudget(
                _(
                    "This is beyond the %(year)d micro-project fund: %(amount)s yuan allocated, "
                    "%(spent)s spent, %(left)s left."
                )
                % {
                    "year": allocation.year,
                    "amount": allocation.amount,
                    "spent": spent,
                    "left": allocation.amount - spent,
                },
                "amount",
            )
        spending = FundSpending.objects.create(
            allocation=allocation,
            project=project,
            amount=money,
            spent_on=spent_on,
            note=note,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        audit.record(actor, "claims.fund.spend", spending, f"{project.title} {money}")
    return spending
