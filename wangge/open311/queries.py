"""The reads behind GET services and GET requests.

Who sees which requests: a client that sends an api_key sees what the key's account may see
(`permissions.visible_cases`, the one scope filter); a client without one sees every case, as on
any public GeoReport server, but only through the public fields `mapping.request_of` writes (no
reporter, no phone, no staff names, no internal notes). docs/open311.md says so to operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Max, OuterRef, Prefetch, QuerySet, Subquery

from wangge.cases.exceptions import NotFound
from wangge.cases.models import Case, CaseEvent, Category
from wangge.cases.permissions import visible_cases
from wangge.cases.queries import active_categories
from wangge.cases.workflow import FINAL_STATES, OPEN_STATES
from wangge.core.models import User

# The spec: "first 1000 requests returned".
MAX_REQUESTS = 1000
_STATES = {"open": OPEN_STATES, "closed": FINAL_STATES}


def services() -> list[Category]:
    """Every subcategory a request may be filed under, in tree order (one query)."""
    return [category for category in active_categories() if not category.is_top_level]


def service(code: str) -> Category | None:
    """The subcategory with this code if a request may be filed under it."""
    return active_categories().filter(code=code, parent__isnull=False).first()


def services_changed_at() -> datetime | None:
    """When the catalogue last changed: discovery's changeset."""
    return Category.objects.aggregate(changed=Max("updated_at"))["changed"]


@dataclass(frozen=True)
class RequestFilters:
    numbers: Sequence[str] = ()  # when given, every other filter is ignored (the spec)
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = field(default_factory=tuple)  # "open", "closed"


def _reachable(user: User | None) -> QuerySet[Case]:
    return visible_cases(user) if user is not None else Case.objects.all()


def _with_reason(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate `status_reason`: the note of the step that brought each case into its state."""
    into_state = (
        CaseEvent.objects.filter(case=OuterRef("pk"), to_state=OuterRef("state"))
        .exclude(from_state=F("to_state"))
        .order_by("-seq")
        .values("note")[:1]
    )
    return cases.select_related("category", "department", "master").annotate(
        status_reason=Subquery(into_state)
    )


def _with_timeline(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.order_by("seq"), to_attr="timeline")
    )


def service_requests(
    user: User | None, filters: RequestFilters, *, timeline: bool = False
) -> list[Case]:
    """The requests matching `filters`, newest first, at most MAX_REQUESTS (two queries with
    the timeline, one without)."""
    cases = _reachable(user)
    if filters.numbers:
        cases = cases.filter(number__in=list(filters.numbers))
    else:
        if filters.service_codes:
            cases = cases.filter(category__code__in=list(filters.service_codes))
        if filters.start is not None:
            cases = cases.filter(reported_at__gte=filters.start)
        if filters.end is not None:
            cases = cases.filter(reported_at__lte=filters.end)
        if filters.statuses:
            states = set().union(*(_STATES[status] for status in filters.statuses))
            cases = cases.filter(state__in=sorted(states))
    cases = _with_reason(cases).order_by("-reported_at", "-id")
    if timeline:
        cases = _with_timeline(cases)
    return list(cases[:MAX_REQUESTS])


def service_request(user: User | None, number: str, *, timeline: bool = False) -> Case:
    """One request by its id (the case number); NotFound when there is none the caller may see."""
    cases = _with_reason(_reachable(user).filter(number=number))
    if timeline:
        cases = _with_timeline(cases)
    case = cases.first()
    if case is None:
        raise NotFound()
    return case
