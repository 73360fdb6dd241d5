"""Reads of two-way claiming: the scoped lists, whether agreements and deliverables are
overdue (read from their dates, never stored), the figures of the overview page and the API
(agreements reached, fulfilled and overdue per community and per member unit; funds allocated
and spent; confirmed volunteer hours), and the public list of completed agreements.

Each figure is one query whatever the number of communities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.timezone import localtime

from wangge.claims.models import (
    Agreement,
    AgreementState,
    Deliverable,
    FundAllocation,
    HoursState,
    MemberUnit,
    Need,
    NeedState,
    Project,
    ProjectState,
    Resource,
    ServiceHours,
    Volunteer,
    VolunteerState,
    Wish,
    WishState,
)
from wangge.claims.permissions import (
    AnyUser,
    contact_of,
    visible_agreements,
    visible_allocations,
    visible_hours,
    visible_member_units,
    visible_needs,
    visible_projects,
    visible_resources,
    visible_volunteers,
    visible_wishes,
)
from wangge.core import clock
from wangge.org.models import OrgUnit

LIVE = (AgreementState.AGREED, AgreementState.IN_PROGRESS)
LIST_LIMIT = 200
CENT = Decimal("0.01")


def today() -> date:
    return localtime(clock.now()).date()


def overdue_deliverables(on: date) -> Q:
    """Deliverables not done by their due date."""
    return Q(done_at__isnull=True, due_on__lt=on)


def overdue_agreements(on: date, prefix: str = "") -> Q:
    """Live agreements past their end date, or with a deliverable past its due date."""
    late_deliverable = Deliverable.objects.filter(
        overdue_deliverables(on), agreement_id=OuterRef(f"{prefix}pk")
    )
    return Q(**{f"{prefix}state__in": LIVE}) & (
        Q(**{f"{prefix}ends_on__lt": on}) | Q(Exists(late_deliverable))
    )


def with_overdue(agreements: QuerySet[Agreement], on: date) -> QuerySet[Agreement]:
    return agreements.annotate(
        is_overdue=ExpressionWrapper(overdue_agreements(on), output_field=BooleanField())
    )


# --- lists ------------------------------------------------------------------------------------


def member_unit_list(user: AnyUser, *, query: str = "") -> list[MemberUnit]:
    rows = visible_member_units(user).prefetch_related(
        Prefetch("communities", queryset=OrgUnit.objects.only("pk", "name", "code"))
    )
    if query:
        rows = rows.filter(name__contains=query)
    rows = rows.annotate(
        resource_count=Count("resources", filter=Q(resources__is_active=True), distinct=True),
        agreement_count=Count(
            "agreements", filter=~Q(agreements__state=AgreementState.CANCELLED), distinct=True
        ),
    )
    return list(rows.order_by("name", "pk")[:LIST_LIMIT])


def resource_list(
    user: AnyUser, *, kind: str = "", community: OrgUnit | None = None
) -> list[Resource]:
    rows = visible_resources(user).filter(is_active=True)
    if kind:
        rows = rows.filter(kind=kind)
    if community is not None:
        rows = rows.filter(community=community)
    rows = rows.select_related("member_unit", "community")
    return list(rows.order_by("kind", "title", "pk")[:LIST_LIMIT])


def need_list(
    user: AnyUser, *, state: str = "", kind: str = "", community: OrgUnit | None = None
) -> list[Need]:
    rows = visible_needs(user)
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if community is not None:
        rows = rows.filter(community=community)
    rows = rows.select_related("community", "case")
    return list(rows.order_by("-created_at", "-pk")[:LIST_LIMIT])


def project_list(user: AnyUser, *, state: str = "") -> list[Project]:
    rows = visible_projects(user)
    if state:
        rows = rows.filter(state=state)
    rows = rows.select_related("community").annotate(
        spent=Coalesce(
            Sum("spendings__amount"),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )
    return list(rows.order_by("-created_at", "-pk")[:LIST_LIMIT])


def agreement_list(
    user: AnyUser,
    *,
    state: str = "",
    overdue: bool = False,
    member_unit: MemberUnit | None = None,
    on: date | None = None,
) -> list[Agreement]:
    on = on or today()
    rows = with_overdue(visible_agreements(user), on)
    if state:
        rows = rows.filter(state=state)
    if overdue:
        rows = rows.filter(overdue_agreements(on))
    if member_unit is not None:
        rows = rows.filter(member_unit=member_unit)
    rows = rows.select_related("community", "member_unit", "need", "project")
    return list(rows.order_by("-claimed_at", "-pk")[:LIST_LIMIT])


def deliverables_of(agreement: Agreement, on: date | None = None) -> list[dict[str, Any]]:
    """The agreement's deliverables, each with whether it is overdue today."""
    on = on or today()
    return [
        {
            "deliverable": row,
            "is_overdue": agreement.is_live and row.done_at is None and row.due_on < on,
        }
        for row in agreement.deliverables.all()
    ]


def progress_of(agreement: Agreement) -> list[Any]:
    return list(
        agreement.progress.select_related("recorded_by", "deliverable")
        .prefetch_related("evidence__attachment")
        .order_by("recorded_at", "pk")
    )


def volunteer_list(user: AnyUser, *, state: str = "") -> list[Volunteer]:
    rows = visible_volunteers(user)
    if state:
        rows = rows.filter(state=state)
    rows = rows.select_related("community").annotate(
        confirmed_hours=Coalesce(
            Sum("hours__hours", filter=Q(hours__state=HoursState.CONFIRMED)),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=8, decimal_places=1),
        )
    )
    return list(rows.order_by("state", "name", "pk")[:LIST_LIMIT])


def pending_hours(user: AnyUser) -> list[ServiceHours]:
    rows = visible_hours(user).filter(state=HoursState.PENDING)
    return list(rows.select_related("volunteer", "post").order_by("served_on", "pk")[:LIST_LIMIT])


def wish_list(user: AnyUser, *, state: str = "") -> list[Wish]:
    rows = visible_wishes(user)
    if state:
        rows = rows.filter(state=state)
    return list(rows.select_related("community", "volunteer").order_by("-created_at")[:LIST_LIMIT])


def post_list(user: AnyUser) -> list[Any]:
    from wangge.claims.permissions import visible_posts

    rows = visible_posts(user).select_related("community").annotate(taken=Count("signups"))
    return list(rows.order_by("-created_at", "-pk")[:LIST_LIMIT])


# --- the member unit's own work ---------------------------------------------------------------


@dataclass
class UnitWork:
    open_needs: list[Need]
    planned_projects: list[Project]
    agreements: list[Agreement]


def unit_work(user: AnyUser) -> UnitWork | None:
    """What a member unit's contact has to do: the open needs and planned projects of the
    communities it serves, and its own agreements (live first)."""
    contact = contact_of(user)
    if contact is None:
        return None
    unit = contact.member_unit
    served = MemberUnit.communities.through.objects.filter(memberunit_id=unit.pk).values(
        "orgunit_id"
    )
    needs = (
        Need.objects.filter(state=NeedState.OPEN, community__in=served)
        .select_related("community")
        .order_by("wanted_by", "-pk")[:50]
    )
    projects = (
        Project.objects.filter(state=ProjectState.PLANNED, community__in=served)
        .select_related("community")
        .order_by("starts_on", "-pk")[:50]
    )
    agreements = (
        with_overdue(Agreement.objects.filter(member_unit=unit), today())
        .select_related("community")
        .order_by("-claimed_at", "-pk")[:50]
    )
    live = sorted(agreements, key=lambda a: (a.state not in LIVE, not a.is_overdue))
    return UnitWork(list(needs), list(projects), live)


# --- figures ----------------------------------------------------------------------------------


def agreement_figures_by_community(user: AnyUser, on: date | None = None) -> list[dict[str, Any]]:
    """Per community: agreements reached (not cancelled), fulfilled, and overdue now."""
    on = on or today()
    rows = (
        visible_agreements(user)
        .values("community_id", "community__name", "community__code")
        .annotate(
            reached=Count("pk", filter=~Q(state=AgreementState.CANCELLED)),
            fulfilled=Count("pk", filter=Q(state=AgreementState.FULFILLED)),
            overdue=Count("pk", filter=overdue_agreements(on)),
        )
        .order_by("community__code")
    )
    return [
        {
            "community": row["community__name"],
            "code": row["community__code"],
            "reached": row["reached"],
            "fulfilled": row["fulfilled"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]


def agreement_figures_by_member_unit(user: AnyUser, on: date | None = None) -> list[dict[str, Any]]:
    """Per member unit: agreements reached, fulfilled and overdue (within the user's scope)."""
    on = on or today()
    rows = (
        visible_agreements(user)
        .values("member_unit_id", "member_unit__name")
        .annotate(
            reached=Count("pk", filter=~Q(state=AgreementState.CANCELLED)),
            fulfilled=Count("pk", filter=Q(state=AgreementState.FULFILLED)),
            overdue=Count("pk", filter=overdue_agreements(on)),
        )
        .order_by("-reached", "member_unit__name")
    )
    return [
        {
            "member_unit_id": row["member_unit_id"],
            "member_unit": row["member_unit__name"],
            "reached": row["reached"],
            "fulfilled": row["fulfilled"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]


def fund_figures(user: AnyUser, year: int | None = None) -> list[dict[str, Any]]:
    """Per community and year: the micro-project fund allocated, spent and left."""
    rows = visible_allocations(user)
    if year is not None:
        rows = rows.filter(year=year)
    rows = rows.values("pk", "year", "amount", "community__name", "community__code").annotate(
        spent=Coalesce(
            Sum("spendings__amount"),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )
    return [
        {
            "allocation_id": row["pk"],
            "community": row["community__name"],
            "code": row["community__code"],
            "year": row["year"],
            "allocated": row["amount"],
            "spent": Decimal(row["spent"]).quantize(CENT),
            "left": (row["amount"] - Decimal(row["spent"])).quantize(CENT),
        }
        for row in rows.order_by("-year", "community__code")
    ]


def volunteer_hour_figures(user: AnyUser) -> list[dict[str, Any]]:
    """Per community: confirmed volunteers, and confirmed hours served."""
    hours = (
        visible_hours(user)
        .filter(state=HoursState.CONFIRMED)
        .values("community__name", "community__code")
        .annotate(
            hours=Sum("hours"),
            volunteers=Count("volunteer", distinct=True),
        )
        .order_by("community__code")
    )
    return [
        {
            "community": row["community__name"],
            "code": row["community__code"],
            "hours": Decimal(row["hours"] or 0).quantize(Decimal("0.1")),
            "volunteers": row["volunteers"],
        }
        for row in hours
    ]


def figures(user: AnyUser, *, year: int | None = None) -> dict[str, Any]:
    """Every figure of the overview, each one query."""
    return {
        "by_community": agreement_figures_by_community(user),
        "by_member_unit": agreement_figures_by_member_unit(user),
        "funds": fund_figures(user, year),
        "hours": volunteer_hour_figures(user),
    }


def counts_waiting(user: AnyUser) -> dict[str, int]:
    """What waits for the community's staff: open needs, registrations and hours to confirm,
    overdue agreements."""
    return {
        "open_needs": visible_needs(user).filter(state=NeedState.OPEN).count(),
        "volunteers": visible_volunteers(user).filter(state=VolunteerState.PENDING).count(),
        "hours": visible_hours(user).filter(state=HoursState.PENDING).count(),
        "overdue": visible_agreements(user).filter(overdue_agreements(today())).count(),
        "open_wishes": visible_wishes(user).filter(state=WishState.OPEN).count(),
    }


# --- public -----------------------------------------------------------------------------------


def public_completed_agreements(community: OrgUnit) -> list[dict[str, Any]]:
    """What residents see of a community's fulfilled agreements: what, which member unit and
    when — no person's name, phone or the notes written under it."""
    rows = (
        Agreement.objects.filter(community=community, state=AgreementState.FULFILLED)
        .select_related("member_unit", "need", "project")
        .annotate(deliverable_count=Count("deliverables"))
        .order_by("-fulfilled_at", "-pk")[:LIST_LIMIT]
    )
    return [
        {
            "title": row.title,
            "member_unit": row.member_unit.name,
            "kind": row.need.get_kind_display() if row.need_id else "",
            "is_project": bool(row.project_id),
            "starts_on": row.starts_on,
            "fulfilled_on": localtime(row.fulfilled_at).date() if row.fulfilled_at else None,
            "deliverables": row.deliverable_count,
        }
        for row in rows
    ]


def public_communities() -> QuerySet[OrgUnit]:
    from wangge.org.roles import AREA_KINDS

    return OrgUnit.objects.filter(kind__in=AREA_KINDS, is_active=True).order_by("code")


def fund_allocations(user: AnyUser) -> list[FundAllocation]:
    return list(
        visible_allocations(user).select_related("community").order_by("-year")[:LIST_LIMIT]
    )


def fulfilment(
    community_ids: set[int] | None, first: date, last: date, today: date
) -> tuple[int, int]:
    """(agreements fulfilled by their end date, agreements due) for the agreements whose end
    date falls from `first` to `last` (and not after `today`), cancelled ones left out, of the
    given communities (None: everywhere)."""
    agreements = Agreement.objects.filter(
        ends_on__gte=first, ends_on__lte=min(last, today)
    ).exclude(state=AgreementState.CANCELLED)
    if community_ids is not None:
        agreements = agreements.filter(community_id__in=community_ids)
    fulfilled = 0
    due = 0
    for ends_on, fulfilled_at in agreements.values_list("ends_on", "fulfilled_at"):
        due += 1
        fulfilled += fulfilled_at is not None and localtime(fulfilled_at).date() <= ends_on
    return fulfilled, due
