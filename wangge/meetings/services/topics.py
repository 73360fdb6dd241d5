"""Topics (议题): proposed by a resident on the public page, by a member unit or by staff, or
taken from the community's stuck cases to build a joint meeting's agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from wangge.cases.models import Case, SupervisionOrder
from wangge.cases.permissions import visible_cases
from wangge.cases.workflow import OPEN_STATES
from wangge.core import audit, clock
from wangge.core.masking import normalize_phone
from wangge.core.models import User
from wangge.meetings.exceptions import Conflict, Invalid
from wangge.meetings.models import Topic, TopicSource, TopicState
from wangge.meetings.permissions import require_run
from wangge.org.models import OrgUnit
from wangge.org.roles import AREA_KINDS

TITLE_MAX = 120
TEXT_MAX = 2000
NAME_MAX = 64
# A case open this long is "stuck" even before a deadline passes.
DEFAULT_STUCK_DAYS = 30


@dataclass
class TopicInput:
    title: str
    description: str = ""
    source: str = TopicSource.STAFF
    proposer_name: str = ""
    proposer_phone: str = ""


def check_community(community: OrgUnit) -> None:
    if community.kind not in AREA_KINDS or not community.is_active:
        raise Invalid(_("Choose a community or a village."), "community")


def _checked(given: TopicInput) -> TopicInput:
    title = (given.title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(
            _("A title of 1 to %(max)d characters is required.") % {"max": TITLE_MAX}, "title"
        )
    description = (given.description or "").strip()
    if len(description) > TEXT_MAX:
        raise Invalid(
            _("At most %(max)d characters are allowed.") % {"max": TEXT_MAX}, "description"
        )
    if given.source not in (TopicSource.RESIDENT, TopicSource.MEMBER_UNIT, TopicSource.STAFF):
        raise Invalid(_("Choose who proposes the topic."), "source")
    name = (given.proposer_name or "").strip()
    if len(name) > NAME_MAX:
        raise Invalid(
            _("At most %(max)d characters are allowed.") % {"max": NAME_MAX}, "proposer_name"
        )
    if given.source == TopicSource.MEMBER_UNIT and not name:
        raise Invalid(_("Name the member unit that proposes it."), "proposer_name")
    phone = normalize_phone(given.proposer_phone or "")
    if given.proposer_phone and not 5 <= len(phone) <= 20:
        raise Invalid(_("Enter a phone number of 5 to 20 digits."), "proposer_phone")
    return TopicInput(title, description, given.source, name, phone)


def propose_topic(actor: User | None, community: OrgUnit, given: TopicInput) -> Topic:
    """A topic proposed by staff, or on behalf of a resident or a member unit."""
    check_community(community)
    require_run(actor, community)
    return _create(actor, community, _checked(given))


def propose_topic_publicly(community: OrgUnit, given: TopicInput) -> Topic:
    """A resident's proposal from the public page (no account): name and phone required."""
    check_community(community)
    given.source = TopicSource.RESIDENT
    checked = _checked(given)
    if not checked.proposer_name:
        raise Invalid(_("Enter your name."), "proposer_name")
    if not checked.proposer_phone:
        raise Invalid(_("Enter a phone number to be called back on."), "proposer_phone")
    return _create(None, community, checked)


def _create(
    actor: User | None, community: OrgUnit, given: TopicInput, case: Case | None = None
) -> Topic:
    now = clock.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            community=community,
            title=given.title,
            description=given.description,
            source=given.source,
            proposer_name=given.proposer_name,
            proposer_phone=given.proposer_phone,
            case=case,
            proposed_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record(actor, "meetings.topic.propose", topic, given.title)
    return topic


def stuck_cases(actor: User, community: OrgUnit, *, open_days: int = DEFAULT_STUCK_DAYS):
    """The open cases of `community` that `actor` may see and that are stuck: past their
    deadline, under supervision (督办), or open longer than `open_days`; without a topic still
    to be discussed. Read through the case app's own visibility rule."""
    now = clock.now()
    open_topic = Topic.objects.filter(
        case=OuterRef("pk"), state__in=[TopicState.PROPOSED, TopicState.SCHEDULED]
    )
    supervised = SupervisionOrder.objects.filter(case=OuterRef("pk"))
    return (
        visible_cases(actor)
        .filter(
            state__in=[state.value for state in OPEN_STATES],
            area__path__descendant_of=community.path,
        )
        .filter(
            Q(due_at__lt=now)
            | Q(reported_at__lt=now - timedelta(days=open_days))
            | Exists(supervised)
        )
        .exclude(Exists(open_topic))
        .select_related("category")
        .order_by("reported_at", "pk")
    )


def topics_from_cases(
    actor: User,
    community: OrgUnit,
    case_numbers: list[str] | None = None,
    *,
    open_days: int = DEFAULT_STUCK_DAYS,
) -> list[Topic]:
    """A topic for each stuck case of the community the actor may see (those named, or all),
    linked to its case; a case that already has a topic to be discussed is skipped."""
    check_community(community)
    require_run(actor, community)
    cases = stuck_cases(actor, community, open_days=open_days)
    if case_numbers is not None:
        cases = cases.filter(number__in=case_numbers)
    created = []
    for case in cases[:200]:
        given = TopicInput(
            title=case.title[:TITLE_MAX],
            description=_("From case %(number)s: %(text)s")
            % {"number": case.number, "text": case.description[: TEXT_MAX - 40]},
            source=TopicSource.CASE,
        )
        try:
            with transaction.atomic():
                created.append(_create(actor, community, given, case=case))
        except IntegrityError:
            continue  # another organiser took it at the same moment
    return created


def reject_topic(actor: User, topic: Topic, reason: str) -> Topic:
    """Decline a proposed topic (not to be discussed), with a reason."""
    reason = (reason or "").strip()
    if not reason or len(reason) > TEXT_MAX:
        raise Invalid(_("Say why the topic is rejected."), "reason")
    with transaction.atomic():
        topic = Topic.objects.select_for_update().select_related("community").get(pk=topic.pk)
        require_run(actor, topic.community)
        if topic.state not in (TopicState.PROPOSED, TopicState.SCHEDULED):
            raise Conflict(_("This topic has been settled already."), "state")
        topic.state = TopicState.REJECTED
        topic.outcome_note = reason
        topic.updated_at = clock.now()
        topic.save(update_fields=["state", "outcome_note", "updated_at"])
        audit.record(actor, "meetings.topic.reject", topic, reason[:200])
    return topic
