"""Hot topics of an org unit's subtree, read from its cases: the groups of similar requests in a
period (one estate's noise complaints, one fraud reported by many), each with its heat, the
cases behind it and whether it is hot enough to alert on; and the hourly alert that tells each
district's and town's dispatchers and leaders of a new hot topic once.

`wangge.routing.topics` does the grouping on plain requests; this module feeds it the cases of
the period and of the previous period of equal length (for growth), at most `MAX_CASES` of
each, the most recent (a district's month is far below that; a city-wide surge is capped, and
the result says so). Each case is a request: its number, its title and description, who
reported it (the reporter phone's blind index, else the account, else nobody known: the case
alone), its time and its grid code as the place. Merged duplicates are read too: ten residents
calling about one problem is exactly what a hot topic is, even after the dispatcher merged
their cases into one.

Grouping a district's month takes from a fraction of a second to a couple of seconds, so the
topics of a unit and period are cached for `CACHE_SECONDS`, under a key that changes when a
case is reported in (or removed from) the window. Who may look: whoever may see the unit
(`Capability.VIEW_ORG` over it), who sees every case of its subtree; the cases listed are
read again through `visible_cases`, so a list never shows a case its reader may not see."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.models import Case
from wangge.cases.permissions import visible_cases
from wangge.core import clock
from wangge.core.models import User
from wangge.notifications.models import NotificationKind
from wangge.notifications.services import notify
from wangge.org.models import Membership, OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability, Role, UnitKind
from wangge.routing.exceptions import Invalid, NotFound
from wangge.routing.text import request_text
from wangge.routing.topics import Topic, TopicRequest, TopicRules, find_topics, is_alert

MAX_CASES = 5_000  # cases read per period (the most recent): O(n²) grouping beyond is too slow
MAX_PERIOD_DAYS = 31  # as hot spots
DEFAULT_DAYS = 7
TOPICS_SHOWN = 30
CASES_SHOWN = 50  # cases listed behind a topic; the rest are counted
CACHE_SECONDS = 600
_CACHE_VERSION = 1  # bump when the cached shapes change


# --- the topics of a unit ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnitTopics:
    """What grouping a unit's cases of a period gave (the cached part: no reader's view)."""

    unit_id: int
    first_day: date
    last_day: date
    rules: TopicRules
    topics: tuple[Topic, ...]  # hottest first
    read: int  # cases of the period read
    read_before: int  # cases of the previous period read
    capped: bool  # the period (or the one before) had more than MAX_CASES cases


@dataclass(frozen=True)
class TopicCase:
    """A case behind a topic as the list shows it: no reporter."""

    number: str
    title: str
    state: str
    reported_at: datetime
    area_name: str


@dataclass(frozen=True)
class HotTopic:
    topic: Topic
    alert: bool
    cases: tuple[TopicCase, ...]  # the first CASES_SHOWN the reader may see, most central first
    more: int  # cases behind it not listed
    place_names: tuple[str, ...]  # the grids it is mostly in (at most two)

    @property
    def anchor(self) -> str:
        """The topic's earliest case number: names it on the page (an HTML id) and in alerts."""
        return min(str(number) for number in self.topic.request_ids)


@dataclass
class HotTopics:
    unit: OrgUnit
    first_day: date
    last_day: date
    rules: TopicRules
    topics: list[HotTopic] = field(default_factory=list)
    read: int = 0
    read_before: int = 0
    capped: bool = False
    found: int = 0  # topics found (only the hottest TOPICS_SHOWN are listed)

    @property
    def limit(self) -> int:
        """The cases read at most per period (the page says so when `capped`)."""
        return MAX_CASES


def check_period(first_day: date, last_day: date) -> tuple[str, str] | None:
    """(field, message) when the period cannot be grouped, else None."""
    if last_day < first_day:
        return "last", _("The last day is before the first.")
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        return "first", _("Choose at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
    return None


def topics_for(
    user: User,
    unit: OrgUnit,
    first_day: date,
    last_day: date,
    rules: TopicRules | None = None,
    *,
    limit: int = TOPICS_SHOWN,
) -> HotTopics:
    """The hot topics of the cases reported in `unit`'s subtree from `first_day` to `last_day`
    (local days, both included), hottest first, each with the cases behind it that `user` may
    see. NotFound when the user may not see the unit (the same answer as for no such unit);
    Invalid, naming the field, for a period that cannot be grouped."""
    if not scope_for(user, Capability.VIEW_ORG).contains(unit.path) or not unit.is_active:
        raise NotFound(_("No such unit."))
    refused = check_period(first_day, last_day)
    if refused:
        raise Invalid(refused[1], field=refused[0])
    rules = rules or TopicRules()
    found = unit_topics(unit, first_day, last_day, rules)
    shown = found.topics[:limit]
    numbers = [str(number) for topic in shown for number in topic.request_ids[:CASES_SHOWN]]
    cases = _listed_cases(user, numbers)
    places = _place_names(place for topic in shown for place in topic.places[:2])
    topics = []
    for topic in shown:
        listed = [cases[str(n)] for n in topic.request_ids[:CASES_SHOWN] if str(n) in cases]
        topics.append(
            HotTopic(
                topic=topic,
                alert=is_alert(topic, rules),
                cases=tuple(listed),
                more=topic.count - len(listed),
                place_names=tuple(places[code] for code in topic.places[:2] if code in places),
            )
        )
    return HotTopics(
        unit=unit,
        first_day=first_day,
        last_day=last_day,
        rules=rules,
        topics=topics,
        read=found.read,
        read_before=found.read_before,
        capped=found.capped,
        found=len(found.topics),
    )


def unit_topics(
    unit: OrgUnit, first_day: date, last_day: date, rules: TopicRules | None = None
) -> UnitTopics:
    """The topics of every case of `unit`'s subtree in the period (no reader: the alert's and
    the page's shared, cached part)."""
    rules = rules or TopicRules()
    starts_at, ends_before = _local_start(first_day), _local_start(last_day + timedelta(days=1))
    previous_starts_at = starts_at - (ends_before - starts_at)
    window = _subtree_cases(unit).filter(
        reported_at__gte=previous_starts_at, reported_at__lt=ends_before
    )
    # What the cache key must change with: a case reported in the window, or one removed.
    fingerprint = window.aggregate(count=Count("id"), top=Max("id"))
    key = _cache_key(unit, first_day, last_day, rules, fingerprint["count"], fingerprint["top"])
    cached = cache.get(key)
    if isinstance(cached, UnitTopics):
        return cached
    current = _requests(window.filter(reported_at__gte=starts_at))
    before = _requests(window.filter(reported_at__lt=starts_at))
    topics = find_topics([*current, *before], starts_at, ends_before, rules)
    found = UnitTopics(
        unit_id=unit.pk,
        first_day=first_day,
        last_day=last_day,
        rules=rules,
        topics=tuple(topics),
        read=len(current),
        read_before=len(before),
        capped=len(current) >= MAX_CASES or len(before) >= MAX_CASES,
    )
    cache.set(key, found, CACHE_SECONDS)
    return found


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _subtree_cases(unit: OrgUnit) -> QuerySet[Case]:
    # Unit ids as a subquery keep the case indexes usable (as `visible_cases` does).
    units = OrgUnit.objects.filter(path__descendant_of=unit.path).values("pk")
    return Case.objects.filter(area__in=units)


def _cache_key(
    unit: OrgUnit, first: date, last: date, rules: TopicRules, count: int, top: int | None
) -> str:
    raw = f"{_CACHE_VERSION}|{unit.pk}|{unit.path}|{first}|{last}|{rules!r}|{count}|{top}"
    return "routing:topics:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _requests(cases: QuerySet[Case]) -> list[TopicRequest]:
    """The most recent MAX_CASES of `cases` as requests."""
    rows = cases.order_by("-reported_at", "-id").values_list(
        "pk",
        "number",
        "title",
        "description",
        "reporter_phone_index",
        "reported_by_id",
        "reported_at",
        "area__code",
    )[:MAX_CASES]
    return [
        TopicRequest(
            id=number,
            text=request_text(title, description),
            reporter=_reporter_key(pk, phone_index, reported_by_id),
            reported_at=reported_at,
            place=area_code or None,
        )
        for pk, number, title, description, phone_index, reported_by_id, reported_at, area_code in (
            rows
        )
    ]


def _reporter_key(pk: int, phone_index: str, reported_by_id: int | None) -> str:
    """Who reported a case, as a stable key: a resident by their phone's blind index, staff by
    their account; a case with neither (an import, the system) stands alone, so it is never
    taken for a repeat of someone else's."""
    if phone_index:
        return f"phone:{phone_index}"
    if reported_by_id is not None:
        return f"user:{reported_by_id}"
    return f"anon:{pk}"


def _listed_cases(user: User, numbers: Sequence[str]) -> dict[str, TopicCase]:
    if not numbers:
        return {}
    rows = (
        visible_cases(user)
        .filter(number__in=numbers)
        .values_list("number", "title", "state", "reported_at", "area__name")
    )
    return {row[0]: TopicCase(*row) for row in rows}


def _place_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(OrgUnit.objects.filter(code__in=wanted).values_list("code", "name"))


# --- the alert --------------------------------------------------------------------------------

ALERT_UNIT_KINDS = (UnitKind.DISTRICT, UnitKind.TOWN, UnitKind.SUBDISTRICT)
ALERT_ROLES = (Role.DISPATCHER, Role.LEADER)
ALERT_DAYS = 7
ALERT_LIMIT = 10  # the hottest alerting topics of a unit told per run
# A topic found again is the one told before when at least this share of the smaller of the
# two case sets is shared: a grown topic still holds the cases it was told with, while one
# case moving between groups does not make a different topic "the same".
SAME_TOPIC_SHARE = 0.5


def alert_hot_topics() -> str:
    """The worker job (hourly): the topics of the last 7 days of each district and town that
    are hot enough to alert on (`is_alert`), each told once to that unit's dispatchers and
    leaders. A topic is told again only after a day it was not hot: `TopicAlert` remembers
    each told topic's cases and the last day it was found hot, and a topic found again
    (sharing most cases with one told) only moves that day on. Safe to run twice at once: the
    alert row (unique by unit, earliest case and first day) is the claim, and the notices
    carry a dedupe key."""
    from wangge.routing.models import TopicAlert

    now = clock.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=ALERT_DAYS - 1)
    rules = TopicRules()
    units = OrgUnit.objects.filter(kind__in=ALERT_UNIT_KINDS, is_active=True).defer(
        "boundary", "properties"
    )
    told = 0
    for unit in units:
        hot = [t for t in unit_topics(unit, first_day, today, rules).topics if is_alert(t, rules)]
        if not hot:
            continue
        recipients = list(
            Membership.objects.filter(unit=unit, role__in=ALERT_ROLES, is_active=True)
            .values_list("user_id", flat=True)
            .distinct()
        )
        for topic in hot[:ALERT_LIMIT]:
            numbers = sorted({str(n) for n in (*topic.request_ids, *topic.previous_request_ids)})
            anchor = min(str(n) for n in topic.request_ids)
            with transaction.atomic():
                ongoing = list(
                    TopicAlert.objects.select_for_update().filter(
                        unit_id=unit.pk, last_hot_on__gte=today - timedelta(days=1)
                    )
                )
                same = [alert for alert in ongoing if _same_topic(alert.cases, numbers)]
                if same:
                    for alert in same:
                        alert.last_hot_on, alert.cases = today, numbers
                        alert.save(update_fields=["last_hot_on", "cases"])
                    continue
                _alert, created = TopicAlert.objects.get_or_create(
                    unit_id=unit.pk,
                    anchor=anchor,
                    first_hot_on=today,
                    defaults={
                        "label": topic.label[:200],
                        "cases": numbers,
                        "last_hot_on": today,
                        "alerted_at": now,
                    },
                )
                if not created:
                    continue
                told += notify(
                    recipients,
                    NotificationKind.OTHER,
                    title=_alert_title(topic),
                    body=_alert_body(topic),
                    link=_topics_link(unit, first_day, today, anchor),
                    subject=f"hottopic:{unit.pk}",
                    dedupe_key=f"hottopic:{unit.pk}:{today}:{anchor}",
                )
    return f"{told} hot topic notices sent" if told else ""


def _same_topic(told: Sequence[str], numbers: Sequence[str]) -> bool:
    if not told or not numbers:
        return False
    shared = len(set(told) & set(numbers))
    return shared >= SAME_TOPIC_SHARE * min(len(told), len(numbers))


def _alert_title(topic: Topic) -> str:
    return _("Hot topic: %(label)s") % {"label": topic.label or _("similar requests")}


def _alert_body(topic: Topic) -> str:
    return _(
        "%(count)d similar requests from %(reporters)d reporters in the last 7 days "
        "(%(previous)d in the 7 days before)."
    ) % {"count": topic.count, "reporters": topic.reporters, "previous": topic.previous_count}


def _topics_link(unit: OrgUnit, first_day: date, last_day: date, anchor: str) -> str:
    # The page is analytics' (it reads every app); routing names it only by its URL name.
    query = urlencode({"unit": unit.code, "first": first_day, "last": last_day})
    link = f"{reverse('analytics:topics')}?{query}#topic-{anchor}"
    return link if len(link) <= 300 else reverse("analytics:topics")
