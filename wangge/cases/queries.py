"""Every non-trivial read of cases and their categories: the "my work" tabs, the filtered and
keyset-paginated case list, the timeline and the three rates. Lists go through
`permissions.visible_cases` (the one scope filter for cases) or a tab's own role condition."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import AssignmentRole, Case, CaseAssignment, CaseEvent, Category, Rating
from wangge.cases.permissions import visible_cases
from wangge.cases.workflow import OPEN_STATES, CaseState
from wangge.core import clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships
from wangge.org.roles import Role

_GRID_WORKER_ROLES = (Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER)


def _in_tree_order(categories: QuerySet[Category]) -> QuerySet[Category]:
    """Each class followed by its subcategories, classes and subcategories by `order`."""
    return categories.select_related("parent", "default_department").order_by(
        Coalesce("parent__order", "order"),
        Coalesce("parent__code", "code"),
        F("parent").asc(nulls_first=True),
        "order",
        "code",
    )


def _usable() -> QuerySet[Category]:
    # A subcategory of an inactive class is out of use too.
    return Category.objects.filter(is_active=True).filter(
        Q(parent__isnull=True) | Q(parent__is_active=True)
    )


def active_categories() -> QuerySet[Category]:
    """Every category a new case may be filed under, in tree order (one query)."""
    return _in_tree_order(_usable())


def grid_entry_categories() -> QuerySet[Category]:
    """The grid-entry list (入格事项): active categories that may be pushed down to grid
    workers, in tree order."""
    return _in_tree_order(_usable().filter(is_grid_entry=True))


def category_by_code(code: str) -> Category | None:
    """The category with this code, active or not (old cases keep theirs), or None."""
    return Category.objects.select_related("parent", "default_department").filter(code=code).first()


# --- cases -------------------------------------------------------------------------------------

_CASE_RELATED = ("category", "category__parent", "area", "department", "handler")


class Tab(models.TextChoices):
    """The lists of "my work" (我的待办): what is waiting for this user, by role."""

    TO_ACCEPT = "to_accept", gettext_lazy("To accept")
    TO_DISPATCH = "to_dispatch", gettext_lazy("To dispatch")
    TO_HANDLE = "to_handle", gettext_lazy("To handle")
    TO_VERIFY = "to_verify", gettext_lazy("To verify")
    TO_CLOSE = "to_close", gettext_lazy("To close")
    TO_RATE = "to_rate", gettext_lazy("To call back and rate")
    REQUESTS = "requests", gettext_lazy("Requests for more time")
    SUPERVISED = "supervised", gettext_lazy("Supervised")


def _roots(user: User | AnonymousUser, roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return sorted({path for role, path in active_memberships(user) if role in wanted})


def _under(field: str, roots: list[str]) -> Q:
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{field}__path__descendant_of": root})
    return condition


def _units_under(roots: list[str]) -> QuerySet[OrgUnit]:
    """The ids of every unit in the subtrees of `roots`, as a subquery: filtering a case column
    by `IN` this keeps the case index usable, where a join on the unit's path does not."""
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(path__descendant_of=root)
    return OrgUnit.objects.filter(condition).values("pk")


def _tab_condition(user: User | AnonymousUser, tab: str) -> Q | None:
    """The condition of one tab for `user`, or None when the user has no part in it."""
    if user.is_superuser:
        dispatch_roots: list[str] | None = None
    else:
        dispatch_roots = _roots(user, [Role.DISPATCHER])
    dispatcher_area = Q() if dispatch_roots is None else _under("area", dispatch_roots)
    has_dispatch = dispatch_roots is None or bool(dispatch_roots)
    if tab == Tab.TO_ACCEPT:
        return Q(state=CaseState.REPORTED) & dispatcher_area if has_dispatch else None
    if tab == Tab.TO_DISPATCH:
        return Q(state=CaseState.ACCEPTED) & dispatcher_area if has_dispatch else None
    if tab == Tab.TO_CLOSE:
        return Q(state=CaseState.VERIFIED) & dispatcher_area if has_dispatch else None
    if tab == Tab.TO_RATE:
        return (
            Q(state=CaseState.CLOSED, rating="", master__isnull=True) & dispatcher_area
            if has_dispatch
            else None
        )
    if tab == Tab.REQUESTS:
        return (
            Q(state=CaseState.HANDLING) & ~Q(pending_request="") & dispatcher_area
            if has_dispatch
            else None
        )
    if tab == Tab.TO_HANDLE:
        handler_roots = _roots(user, [Role.DEPARTMENT_HANDLER, *_GRID_WORKER_ROLES])
        if not handler_roots:
            return None
        assisted = CaseAssignment.objects.filter(
            unit__in=_units_under(handler_roots),
            is_active=True,
            role=AssignmentRole.ASSIST,
            finished_at__isnull=True,
        ).values("case_id")
        return Q(state__in=[CaseState.DISPATCHED, CaseState.HANDLING]) & (
            Q(department__in=_units_under(handler_roots)) | Q(pk__in=assisted)
        )
    if tab == Tab.TO_VERIFY:
        grid_roots = _roots(user, _GRID_WORKER_ROLES)
        if dispatch_roots is None:
            return Q(state=CaseState.HANDLED)
        if not grid_roots and not dispatch_roots:
            return None
        return Q(state=CaseState.HANDLED) & (
            _under("area", grid_roots) | _under("area", dispatch_roots)
        )
    if tab == Tab.SUPERVISED:
        return None  # resolved in `my_queue`: any visible open case with a card
    raise ValueError(f"unknown tab: {tab}")


def my_queue(user: User | AnonymousUser, tab: str) -> QuerySet[Case]:
    """The cases of one "my work" tab, the most urgent first (earliest deadline)."""
    if tab not in Tab.values:
        raise ValueError(f"unknown tab: {tab}")
    if tab == Tab.SUPERVISED:
        cases = visible_cases(user).filter(
            supervision_level__gt=0, state__in=[s.value for s in OPEN_STATES]
        )
    else:
        condition = _tab_condition(user, tab)
        if condition is None:
            return Case.objects.none()
        cases = Case.objects.filter(condition)
    return cases.select_related(*_CASE_RELATED).order_by(F("due_at").asc(nulls_last=True), "id")


def my_tabs(user: User | AnonymousUser) -> list[Tab]:
    """The tabs `user` has a part in, in workflow order."""
    tabs = [tab for tab in Tab if tab == Tab.SUPERVISED or _tab_condition(user, tab) is not None]
    return tabs


def queue_counts(user: User | AnonymousUser) -> dict[str, int]:
    """How many cases each of the user's tabs holds: the role tabs in one aggregate query (one
    pass over the open cases instead of one per tab), the supervised tab in its own."""
    tabs = my_tabs(user)
    conditions = {
        tab: condition
        for tab in tabs
        if tab != Tab.SUPERVISED and (condition := _tab_condition(user, tab)) is not None
    }
    counts: dict[str, int] = {}
    if conditions:
        either = Q(pk__in=[])
        for condition in conditions.values():
            either |= condition
        counts = Case.objects.filter(either).aggregate(
            **{tab.value: Count("pk", filter=condition) for tab, condition in conditions.items()}
        )
    if Tab.SUPERVISED in tabs:
        counts[Tab.SUPERVISED.value] = my_queue(user, Tab.SUPERVISED).count()
    return {tab.value: counts.get(tab.value, 0) for tab in tabs}


@dataclass(frozen=True)
class CaseFilters:
    state: Sequence[str] = ()
    category: str = ""  # a class or subcategory code
    unit: str = ""  # org unit code: its whole subtree
    overdue: bool | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    text: str = ""
    channel: str = ""
    needs_grid: bool | None = None


def search_cases(
    user: User | AnonymousUser, filters: CaseFilters, *, now: datetime | None = None
) -> QuerySet[Case]:
    """The visible cases matching `filters`, newest first."""
    now = now or clock.now()
    _check_filter_texts(filters)
    cases = visible_cases(user)
    if filters.state:
        cases = cases.filter(state__in=list(filters.state))
    if filters.category:
        cases = cases.filter(
            Q(category__code=filters.category) | Q(category__parent__code=filters.category)
        )
    if filters.unit:
        unit = OrgUnit.objects.filter(code=filters.unit).first()
        cases = cases.filter(area__path__descendant_of=unit.path) if unit else cases.none()
    if filters.overdue is True:
        cases = cases.filter(due_at__lt=now)
    elif filters.overdue is False:
        cases = cases.filter(Q(due_at__isnull=True) | Q(due_at__gte=now))
    if filters.reported_from:
        cases = cases.filter(reported_at__gte=_day_start(filters.reported_from))
    if filters.reported_to:
        cases = cases.filter(reported_at__lt=_day_start(filters.reported_to + timedelta(days=1)))
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.needs_grid is not None:
        cases = cases.filter(needs_grid=filters.needs_grid)
    text = filters.text.strip()
    if text:
        cases = cases.filter(
            Q(number=text)
            | Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(address__icontains=text)
        )
    return cases.select_related(*_CASE_RELATED).order_by("-reported_at", "-id")


def _check_filter_texts(filters: CaseFilters) -> None:
    """PostgreSQL refuses to compare text holding a NUL (a DataError, not an empty list)."""
    texts = [
        ("text", filters.text),
        ("unit", filters.unit),
        ("category", filters.category),
        ("channel", filters.channel),
        *(("state", state) for state in filters.state),
    ]
    for name, value in texts:
        if "\x00" in str(value):
            raise CaseInvalid(name, _("This text holds characters that are not allowed."))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Page:
    items: list[Case]
    next_cursor: str | None


def _encode_cursor(moment: datetime | None, pk: int) -> str:
    raw = f"{moment.isoformat() if moment else '-'}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime | None, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        if moment == "-":
            return None, int(pk)
        parsed = datetime.fromisoformat(moment)
        if timezone.is_naive(parsed):
            raise ValueError("naive")
        return parsed, int(pk)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise CaseInvalid(
            "cursor", _("The cursor is not valid; start again without it.")
        ) from error


def _page(rows: list[Case], limit: int, key: str) -> Page:
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    cursor = _encode_cursor(getattr(last, key), last.pk) if has_more and last else None
    return Page(rows, cursor)


def page_of(cases: QuerySet[Case], cursor: str | None, limit: int) -> Page:
    """One page of `cases`, newest first, after `cursor`: keyset pagination, so deep pages
    cost what the first does and new cases do not shift the pages being read."""
    if cursor:
        moment, pk = _decode_cursor(cursor)
        if moment is None:
            raise CaseInvalid("cursor", _("The cursor is not valid; start again without it."))
        cases = cases.filter(Q(reported_at__lt=moment) | Q(reported_at=moment, pk__lt=pk))
    rows = list(cases.order_by("-reported_at", "-id")[: limit + 1])
    return _page(rows, limit, "reported_at")


def queue_page_of(cases: QuerySet[Case], cursor: str | None, limit: int) -> Page:
    """One page of a "my work" tab, the earliest deadline first (cases with none last), after
    `cursor`: the same keyset paging as `page_of`, on (due_at, id)."""
    if cursor:
        due, pk = _decode_cursor(cursor)
        if due is None:
            cases = cases.filter(due_at__isnull=True, pk__gt=pk)
        else:
            cases = cases.filter(
                Q(due_at__gt=due) | Q(due_at=due, pk__gt=pk) | Q(due_at__isnull=True)
            )
    rows = list(cases.order_by(F("due_at").asc(nulls_last=True), "id")[: limit + 1])
    return _page(rows, limit, "due_at")


def timeline(case: Case) -> list[CaseEvent]:
    """The case's log in order, with actors and attachments (two queries)."""
    return list(case.events.select_related("actor").prefetch_related("attachments").order_by("seq"))


@dataclass(frozen=True)
class ThreeRates:
    """The three rates of DESIGN.md over a set of cases; None where the base is zero."""

    reported: int
    responded_in_time: int
    closed: int
    resolved: int
    rated: int
    satisfied: int

    @property
    def response_rate(self) -> float | None:
        return self.responded_in_time / self.reported if self.reported else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.closed if self.closed else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def three_rates(cases: QuerySet[Case]) -> ThreeRates:
    """响应率, 解决率, 满意率 of `cases` in one query. Merged duplicates are not counted: their
    master carries the request."""
    counted = cases.exclude(state=CaseState.MERGED)
    figures = counted.aggregate(
        reported=Count("pk"),
        responded_in_time=Count("pk", filter=Q(responded_at__lte=F("accept_due_at"))),
        closed=Count("pk", filter=Q(state=CaseState.CLOSED)),
        resolved=Count("pk", filter=Q(state=CaseState.CLOSED, is_resolved=True)),
        rated=Count("pk", filter=~Q(rating="")),
        satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED])),
    )
    return ThreeRates(**figures)
