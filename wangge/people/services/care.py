"""Tags a city gives people, the sensitive ones opened only with a purpose, and the care visits
that tags with a visit frequency ask of grid workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.models import Case
from wangge.cases.services import Report, report_case
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability
from wangge.people.exceptions import Invalid, NotAllowed
from wangge.people.models import (
    CareVisit,
    Person,
    PersonTag,
    Residence,
    Reveal,
    TagKind,
    VisitOutcome,
)
from wangge.people.permissions import may_see_tag, require, units_in

PURPOSE_MIN = 2


def give_tag(
    actor: User | None, person: Person, kind: TagKind, *, since: date | None = None, note: str = ""
) -> PersonTag:
    """Give `kind` to the person (again: updates the note). A sensitive tag needs a role the
    city named for it and expires after its retention period."""
    require(actor, Capability.MANAGE_PEOPLE, person.grid)
    if not kind.is_active:
        raise Invalid(_("This tag is no longer in use."), "tag")
    if not may_see_tag(actor, kind):
        raise NotAllowed(_("Only the roles the city named may give this tag."))
    now = clock.now()
    expires = None
    if kind.is_sensitive and kind.retention_days:
        expires = now + timedelta(days=kind.retention_days)
    with transaction.atomic():
        tag, _created = PersonTag.objects.update_or_create(
            person=person,
            kind=kind,
            defaults={
                "since": since or timezone.localdate(now),
                "note": note.strip()[:200],
                "expires_at": expires,
                "given_by": actor,
            },
            create_defaults={
                "since": since or timezone.localdate(now),
                "note": note.strip()[:200],
                "expires_at": expires,
                "given_by": actor,
                "created_at": now,
            },
        )
        audit.record(actor, "people.tag.give", tag, f"#{person.pk} {kind.code}")
    return tag


def remove_tag(actor: User | None, tag: PersonTag, reason: str) -> None:
    require(actor, Capability.MANAGE_PEOPLE, tag.person.grid)
    if not may_see_tag(actor, tag.kind):
        raise NotAllowed()
    if len(reason.strip()) < PURPOSE_MIN:
        raise Invalid(_("Say why the tag is removed."), "reason")
    with transaction.atomic():
        audit.record(
            actor, "people.tag.remove", tag, f"#{tag.person_id} {tag.kind.code}", reason=reason
        )
        tag.delete()


def open_sensitive_tags(actor: User, person: Person, purpose: str) -> list[PersonTag]:
    """The person's sensitive tags that `actor` may see; each opening is logged with its
    purpose (PIPL: who saw what, when and why)."""
    require(actor, Capability.VIEW_PEOPLE, person.grid)
    purpose = purpose.strip()
    if len(purpose) < PURPOSE_MIN:
        raise Invalid(_("Say why you need to see these tags."), "purpose")
    now = clock.now()
    tags = [
        tag
        for tag in person.tags.select_related("kind").filter(kind__is_sensitive=True)
        if may_see_tag(actor, tag.kind) and (tag.expires_at is None or tag.expires_at > now)
    ]
    sensitive_kinds = TagKind.objects.filter(is_sensitive=True)
    if not tags and not any(may_see_tag(actor, kind) for kind in sensitive_kinds):
        raise NotAllowed(_("Your role may not see sensitive tags."))
    Reveal.objects.create(
        at=now,
        actor=actor,
        person=person,
        field=Reveal.Field.SENSITIVE_TAGS,
        reason=purpose[:200],
        grid_id=person.grid_id,
    )
    return tags


def expire_sensitive_tags() -> int:
    """Remove sensitive tags past their retention period; each removal is in the audit log.
    A periodic job of `wangge worker`."""
    expired = list(PersonTag.objects.select_related("kind").filter(expires_at__lte=clock.now()))
    with transaction.atomic():
        for tag in expired:
            audit.record(None, "people.tag.expire", tag, f"#{tag.person_id} {tag.kind.code}")
            tag.delete()
    return len(expired)


# --- care visits ---------------------------------------------------------------------------


def record_visit(
    actor: User,
    person: Person,
    *,
    outcome: str,
    found: str = "",
    visited_at: datetime | None = None,
    follow_up_category: str = "",
) -> CareVisit:
    """A grid worker visited the person. With `follow_up_category`, a case is reported for
    what was found (at the person's current house) and linked to the visit."""
    require(actor, Capability.MANAGE_PEOPLE, person.grid)
    if outcome not in VisitOutcome.values:
        raise Invalid(_("Choose what the visit found."), "outcome")
    now = clock.now()
    visited_at = visited_at or now
    if visited_at > now + timedelta(minutes=5):
        raise Invalid(_("The visit time is in the future."), "visited_at")
    found = found.strip()
    if len(found) > 2000:
        raise Invalid(_("At most %(count)d characters are allowed.") % {"count": 2000}, "found")
    if follow_up_category and not found:
        raise Invalid(_("Say what was found, for the follow-up case."), "found")
    with transaction.atomic():
        case: Case | None = None
        if follow_up_category:
            home = (
                Residence.objects.filter(person=person, moved_out__isnull=True)
                .select_related("house")
                .first()
            )
            report = Report(
                category=follow_up_category,
                description=found,
                address=home.house.address if home else person.grid.name,
                grid=person.grid.code,
            )
            case = report_case(actor, report).case
        visit = CareVisit.objects.create(
            person=person,
            grid_id=person.grid_id,
            visited_by=actor,
            visited_at=visited_at,
            outcome=outcome,
            found=found,
            follow_up=case,
            created_at=now,
        )
        audit.record(actor, "people.visit", visit, f"#{person.pk} {outcome}")
    return visit


@dataclass(frozen=True)
class VisitDue:
    person: Person
    kind: TagKind
    last_visit: datetime | None
    due: date

    @property
    def reason(self) -> str:
        """Why the visit is due, as a list shows it: a sensitive tag is not named there (it is
        opened on the person's page, with a purpose)."""
        if self.kind.is_sensitive:
            return _("Regular visit")
        return self.kind.name

    def overdue_days(self, today: date) -> int:
        return (today - self.due).days


def visits_due(user: User, *, today: date | None = None, within_days: int = 0) -> list[VisitDue]:
    """The people in the user's grids whose care visit is due by `today + within_days`, the
    most overdue first: a tag's frequency after the last visit (or after it was given)."""
    today = today or clock.today()
    scope = scope_for(user, Capability.MANAGE_PEOPLE)
    if scope.is_empty:
        return []
    tags = PersonTag.objects.filter(kind__visit_every_days__isnull=False, kind__is_active=True)
    if not scope.everything:
        tags = tags.filter(person__grid__in=units_in(scope))
    last = (
        CareVisit.objects.filter(person=OuterRef("person"))
        .values("person")
        .annotate(last=Max("visited_at"))
        .values("last")
    )
    due: dict[int, VisitDue] = {}
    horizon = today + timedelta(days=within_days)
    for tag in tags.select_related("person", "kind").annotate(last_visit=Subquery(last)):
        if not may_see_tag(user, tag.kind):  # a sensitive tag stays unseen in the list too
            continue
        start = tag.last_visit.date() if tag.last_visit else tag.since
        when = start + timedelta(days=tag.kind.visit_every_days)
        if when > horizon:
            continue
        known = due.get(tag.person_id)
        if known is None or when < known.due:  # the most frequent tag decides
            due[tag.person_id] = VisitDue(tag.person, tag.kind, tag.last_visit, when)
    return sorted(due.values(), key=lambda item: (item.due, item.person.name))
