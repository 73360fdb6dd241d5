"""Every non-trivial read of cases and their categories: the "my work" tabs, the filtered and
keyset-paginated case list, the timeline and the three rates. Lists go through
`permissions.visible_cases` (the one scope filter for cases) or a tab's own role condition."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import AssignmentRole, Case, CaseAssignment, CaseEvent, Category
from wangge.cases.permissions import visible_cases
from wangge.cases.workflow import OPEN_STATES, CaseState
from wangge.core import clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships
from wangge.org.roles import ROLE_UNIT_KINDS, Role, UnitKind

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


# The tabs of dispatchers alone: what they hold, within the dispatcher's areas.
_DISPATCHER_TABS: dict[str, Q] = {
    Tab.TO_ACCEPT: Q(state=CaseState.REPORTED),
    Tab.TO_DISPATCH: Q(state=CaseState.ACCEPTED),
    Tab.TO_CLOSE: Q(state=CaseState.VERIFIED),
    Tab.TO_RATE: Q(state=CaseState.CLOSED, rating="", master__isnull=True),
    Tab.REQUESTS: Q(state=CaseState.HANDLING) & ~Q(pending_request=""),
}


# Up to this many units a condition lists their ids; above, a subquery (which the database
# hashes once, where a long literal list is searched row by row).
_LITERAL_UNITS_MAX = 64


@dataclass(frozen=True)
class _Units:
    """The units in the subtrees of some roots, as a condition on a case's unit column. Few
    units are listed by id, so the database uses the (area | department, state, due_at)
    indexes: behind a subquery it cannot tell one grid from a whole district."""

    roots: frozenset[str]
    ids: tuple[int, ...]

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __or__(self, other: _Units) -> _Units:
        return _Units(self.roots | other.roots, tuple(sorted({*self.ids, *other.ids})))

    def condition(self, field: str) -> Q:
        if len(self.ids) <= _LITERAL_UNITS_MAX:
            return Q(**{f"{field}__in": list(self.ids)})
        within = Q(pk__in=[])
        for root in sorted(self.roots):
            within |= Q(path__descendant_of=root)
        return Q(**{f"{field}__in": OrgUnit.objects.filter(within).values("pk")})


@dataclass(frozen=True)
class _Reach:
    """Where a user works, for the "my work" tabs (the units read once per call)."""

    dispatch: _Units | None  # the dispatcher roles' units; None: everywhere (a superuser)
    handle: _Units  # departments and grids of the handler and grid worker roles
    grid: _Units  # grids of the grid worker roles
    # Cases those departments assist on and have not finished their part of: listed, so the
    # to-handle condition is two index reads (an OR with a subquery scans every open case).
    assisting: tuple[int, ...]

    @classmethod
    def of(cls, user: User | AnonymousUser) -> _Reach:
        roots: dict[str, set[str]] = {role: set() for role in Role.values}
        for role, path in active_memberships(user):
            roots[role].add(path)
        grid_roots = set().union(*(roots[role] for role in _GRID_WORKER_ROLES))
        handle_roots = roots[Role.DEPARTMENT_HANDLER] | grid_roots
        wanted = roots[Role.DISPATCHER] | handle_roots
        units: list[tuple[int, str]] = []
        if wanted:
            within = Q(pk__in=[])
            for root in sorted(wanted):
                within |= Q(path__descendant_of=root)
            units = list(OrgUnit.objects.filter(within).values_list("pk", "path"))

        def under(tops: set[str]) -> _Units:
            ids = sorted(pk for pk, path in units if any(path.startswith(top) for top in tops))
            return _Units(frozenset(tops), tuple(ids))

        handle = under(handle_roots)
        assisting = ()
        if handle:
            assisting = tuple(
                CaseAssignment.objects.filter(
                    handle.condition("unit"),
                    is_active=True,
                    role=AssignmentRole.ASSIST,
                    finished_at__isnull=True,
                )
                .order_by("case_id")
                .values_list("case_id", flat=True)
                .distinct()
            )
        return cls(
            dispatch=None if user.is_superuser else under(roots[Role.DISPATCHER]),
            handle=handle,
            grid=under(grid_roots),
            assisting=assisting,
        )

    @property
    def dispatches(self) -> bool:
        return self.dispatch is None or bool(self.dispatch)

    def dispatcher_area(self) -> Q:
        return Q() if self.dispatch is None else self.dispatch.condition("area")


def _tab_condition(reach: _Reach, tab: str) -> Q | None:
    """The condition of one tab, or None when the user has no part in it."""
    if tab in _DISPATCHER_TABS:
        return _DISPATCHER_TABS[tab] & reach.dispatcher_area() if reach.dispatches else None
    if tab == Tab.TO_HANDLE:
        if not reach.handle:
            return None
        return Q(state__in=[CaseState.DISPATCHED, CaseState.HANDLING]) & (
            reach.handle.condition("department") | Q(pk__in=reach.assisting)
        )
    if tab == Tab.TO_VERIFY:
        if reach.dispatch is None:
            return Q(state=CaseState.HANDLED)
        if not reach.grid and not reach.dispatch:
            return None
        return Q(state=CaseState.HANDLED) & (reach.grid | reach.dispatch).condition("area")
    if tab == Tab.SUPERVISED:
        return None  # resolved in `my_queue`: any visible open case with a card
    raise ValueError(f"unknown tab: {tab}")


def my_queue(user: User | AnonymousUser, tab: str) -> QuerySet[Case]:
    """The cases of one "my work" tab, the most urgent first (earliest deadline)."""
    if tab not in Tab.values:
        raise ValueError(f"unknown tab: {tab}")
    condition = None if tab == Tab.SUPERVISED else _tab_condition(_Reach.of(user), tab)
    return _queue(user, tab, condition)


def _queue(user: User | AnonymousUser, tab: str, condition: Q | None) -> QuerySet[Case]:
    if tab == Tab.SUPERVISED:
        cases = visible_cases(user).filter(
            supervision_level__gt=0, state__in=[s.value for s in OPEN_STATES]
        )
    elif condition is None:
        return Case.objects.none()
    else:
        cases = Case.objects.filter(condition)
    return cases.select_related(*_CASE_RELATED).order_by(F("due_at").asc(nulls_last=True), "id")


def my_queue_page(
    user: User | AnonymousUser, tab: str | None, cursor: str | None, limit: int
) -> tuple[Tab, Page]:
    """One page of one of the user's tabs (their first when `tab` is None); CaseInvalid names
    the tab when it is not one of theirs."""
    tabs = _my_tab_conditions(user)
    if tab is None:
        chosen = next(iter(tabs))  # every user has the supervised tab
    elif tab in tabs:
        chosen = Tab(tab)
    else:
        raise CaseInvalid("tab", _("This is not one of your tabs."))
    return chosen, queue_page_of(_queue(user, chosen, tabs[chosen]), cursor, limit)


def my_tabs(user: User | AnonymousUser) -> list[Tab]:
    """The tabs `user` has a part in, in workflow order."""
    return list(_my_tab_conditions(user))


def _my_tab_conditions(user: User | AnonymousUser) -> dict[Tab, Q | None]:
    """The user's tabs in workflow order, each with its condition (None for the supervised
    tab, which any user has)."""
    reach = _Reach.of(user)
    tabs: dict[Tab, Q | None] = {}
    for tab in Tab:
        condition = None if tab == Tab.SUPERVISED else _tab_condition(reach, tab)
        if tab == Tab.SUPERVISED or condition is not None:
            tabs[tab] = condition
    return tabs


def queue_counts(user: User | AnonymousUser) -> dict[str, int]:
    """How many cases each of the user's tabs holds: one count per tab. Each is a narrow index
    scan; one aggregate over all tabs at once would read every open case of the area."""
    return {
        tab.value: _queue(user, tab, condition).order_by().count()
        for tab, condition in _my_tab_conditions(user).items()
    }


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
    # The page's ids first, from the narrow rows alone; then those cases with their related
    # rows: joining before the top-N sort would join every case of the tab.
    ids = list(
        cases.order_by(F("due_at").asc(nulls_last=True), "id").values_list("pk", flat=True)[
            : limit + 1
        ]
    )
    found = cases.model.objects.select_related(*_CASE_RELATED).in_bulk(ids)
    return _page([found[pk] for pk in ids], limit, "due_at")


class CaseOrder(models.TextChoices):
    """The orders the case list offers, each paged by its own keyset."""

    NEWEST = "newest", gettext_lazy("Newest first")
    OLDEST = "oldest", gettext_lazy("Oldest first")
    DEADLINE = "deadline", gettext_lazy("Earliest deadline first")


_ORDERINGS = {
    CaseOrder.NEWEST: (F("reported_at").desc(), F("id").desc()),
    CaseOrder.OLDEST: (F("reported_at").asc(), F("id").asc()),
    CaseOrder.DEADLINE: (F("due_at").asc(nulls_last=True), F("id").asc()),
}


def in_order(cases: QuerySet[Case], order: str) -> QuerySet[Case]:
    """`cases` in one of the list's orders, the way `sorted_page_of` pages them (an export
    reads its rows in the order the page showed)."""
    return cases.order_by(*_ORDERINGS[CaseOrder(order)])


def oldest_page_of(cases: QuerySet[Case], cursor: str | None, limit: int) -> Page:
    """One page of `cases`, oldest first, after `cursor`: `page_of` the other way round."""
    if cursor:
        moment, pk = _decode_cursor(cursor)
        if moment is None:
            raise CaseInvalid("cursor", _("The cursor is not valid; start again without it."))
        cases = cases.filter(Q(reported_at__gt=moment) | Q(reported_at=moment, pk__gt=pk))
    rows = list(in_order(cases, CaseOrder.OLDEST)[: limit + 1])
    return _page(rows, limit, "reported_at")


def sorted_page_of(cases: QuerySet[Case], order: str, cursor: str | None, limit: int) -> Page:
    """One page of `cases` in `order` (a CaseOrder) after `cursor`, keyset-paged in each order:
    by report time either way, or by deadline as the "my work" tabs are."""
    order = CaseOrder(order)
    if order == CaseOrder.OLDEST:
        return oldest_page_of(cases, cursor, limit)
    if order == CaseOrder.DEADLINE:
        return queue_page_of(cases, cursor, limit)
    return page_of(cases, cursor, limit)


def count_up_to(cases: QuerySet[Case], limit: int) -> int:
    """How many `cases` there are, counting no further than `limit`: a list says "more than
    1,000" instead of counting a million rows for every page it shows."""
    return cases.order_by().values("pk")[:limit].count()


def timeline(case: Case) -> list[CaseEvent]:
    """The case's log in order, with actors and attachments (two queries)."""
    return list(case.events.select_related("actor").prefetch_related("attachments").order_by("seq"))


def overdue_cases(user: User | AnonymousUser, now: datetime) -> QuerySet[Case]:
    """The visible open cases past their current deadline, the latest first in line."""
    return (
        visible_cases(user)
        .filter(state__in=[state.value for state in OPEN_STATES], due_at__lt=now)
        .select_related(*_CASE_RELATED)
        .order_by("due_at", "id")
    )


def may_dispatch(user: User | AnonymousUser) -> bool:
    """Whether `user` accepts and dispatches cases somewhere (the dispatch console is theirs)."""
    return Tab.TO_DISPATCH in my_tabs(user)


# --- the case map ------------------------------------------------------------------------------

_OPEN_STATE_VALUES = sorted(state.value for state in OPEN_STATES)


@dataclass(frozen=True)
class AreaCounts:
    """The visible open cases of one unit, and how many of them are past their deadline."""

    open: int
    overdue: int


def _open_visible(user: User | AnonymousUser, within: OrgUnit | None) -> QuerySet[Case]:
    cases = visible_cases(user).filter(state__in=_OPEN_STATE_VALUES)
    if within is not None:
        # Unit ids as a subquery, as `visible_cases` does: the (area, state, due_at) index stays
        # usable, where a join on the path would read every open case first.
        below = OrgUnit.objects.filter(path__descendant_of=within.path).values("pk")
        cases = cases.filter(area__in=below)
    return cases


def open_counts_by_area(
    user: User | AnonymousUser, now: datetime, within: OrgUnit | None = None
) -> dict[str, AreaCounts]:
    """The visible open cases of each unit (of `within`'s subtree), and how many are overdue
    at `now`, by the unit's code: one grouped query, whatever the number of cases."""
    rows = (
        _open_visible(user, within)
        .order_by()
        .values("area__code")
        .annotate(
            open=models.Count("pk"),
            overdue=models.Count("pk", filter=Q(due_at__lt=now)),
        )
    )
    return {row["area__code"]: AreaCounts(row["open"], row["overdue"]) for row in rows}


@dataclass(frozen=True)
class CaseOnMap:
    """The few columns of a case that a map shows."""

    number: str
    title: str
    state: str
    due_at: datetime | None
    warn_at: datetime | None
    lon: float | None
    lat: float | None


def most_urgent_open_cases(
    user: User | AnonymousUser,
    limit: int,
    *,
    within: OrgUnit | None = None,
    located: bool = False,
) -> list[CaseOnMap]:
    """Up to `limit` visible open cases (of `within`'s subtree; only those with a place when
    `located`), the earliest deadline first, cases with none last: one query of a few
    columns."""
    cases = _open_visible(user, within)
    if located:
        cases = cases.filter(lon__isnull=False, lat__isnull=False)
    rows = cases.order_by(F("due_at").asc(nulls_last=True), "id").values_list(
        "number", "title", "state", "due_at", "warn_at", "lon", "lat"
    )[:limit]
    return [CaseOnMap(*row) for row in rows]


def may_use_case_map(user: User | AnonymousUser) -> bool:
    """Whether `user` holds a role whose area has grids, for the menu: read from the memberships
    a request reads anyway (no query; a grid or an area above one, not a department alone)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        ROLE_UNIT_KINDS.get(role, frozenset()) - {UnitKind.DEPARTMENT}
        for role, _path in active_memberships(user)
    )
