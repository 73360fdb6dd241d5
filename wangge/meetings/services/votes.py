"""Votes (表决): who may vote, one-time links, ballots, the close and the result.

Eligible voters are read from the registry (`wangge.people`'s models, never changed here): the
household representatives of a community or village (the head of each household whose house
lies in it), the owners of a compound's houses (each owner once), those signed in at a meeting
of the community, or a list of names entered by staff. The list is fixed when the vote opens.

Links. Each voter gets a link holding a random token (32 bytes); the voter row keeps only
`token_hash = SHA-256(token)`, and the link is shown once, when issued (`issue_links`). A lost
link is not re-issued: for a secret ballot nobody can tell whether the old one was used, and a
second token would be a second ballot.

Secret ballots. A ballot row is keyed by `key = HMAC(index key, "meetings-ballot:<vote>" ‖
token)` (`core.crypto.blind_index`), a different function of the token than the voter row's
hash. Someone reading the whole database sees voter rows with SHA-256 values and ballot rows
with HMAC values: going from one to the other needs the token itself, which is stored nowhere
(SHA-256 cannot be inverted, and 256 random bits cannot be guessed) — even the index key does
not help without it. So:
- one ballot per voter: the token always gives the same key, and (vote, key) is unique;
- a changeable ballot is found again by the same key and its choice replaced;
- nothing written when a secret ballot is cast names the voter: the voter row is not touched
  (no "voted at", which would line up with the ballot's row order), the ballot row has no
  voter, no time, and the audit entry names only the vote.
Open ballots set `Ballot.voter`, on purpose. What stays outside the database matters too: the
link's token is in the URL path, so a reverse proxy must not log the path of
`/public/meetings/ballot/…` (nor `/api/v1/meetings/ballots/…`), and the ballot pages send
`Referrer-Policy: same-origin` so the token never leaves the site.

Concurrency: casting locks the vote row, so a ballot and the close never cross, and two
submissions with one token end with one ballot (the unique key; a changeable vote keeps the
last). Votes close by the organiser or, at `closes_at`, by the worker (`close_due_votes`); a
closed vote refuses every ballot, and its result is computed once, at the close.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.crypto import blind_index
from wangge.core.models import User
from wangge.meetings.exceptions import Conflict, Invalid
from wangge.meetings.models import (
    Ballot,
    Decision,
    Electorate,
    MajorityBase,
    Meeting,
    MeetingState,
    Threshold,
    Vote,
    Voter,
    VoteState,
)
from wangge.meetings.permissions import require_run
from wangge.meetings.rules import vote_outcome
from wangge.meetings.services.topics import check_community
from wangge.meetings.tokens import new_token, token_hash
from wangge.org.models import OrgUnit
from wangge.people.models import Compound, House, Household

QUESTION_MAX = 200
OPTION_MAX = 40
MAX_OPTIONS = 10
MAX_VOTERS = 5000


def default_options() -> list[str]:
    """Stored as text, so in the platform's language (the voters'), not the organiser's."""
    with translation.override(settings.LANGUAGE_CODE):
        return [_("In favour"), _("Against"), _("Abstain")]


@dataclass
class VoteInput:
    question: str
    electorate: str
    closes_at: datetime
    options: list[str] = field(default_factory=list)
    is_secret: bool = False
    quorum: str = Threshold.MORE_THAN_HALF
    majority: str = Threshold.MORE_THAN_HALF
    majority_base: str = MajorityBase.CAST
    is_changeable: bool = True
    compound: Compound | None = None
    meeting: Meeting | None = None
    names: list[str] = field(default_factory=list)
    decision: Decision | None = None


@dataclass(frozen=True)
class Eligible:
    name: str
    person_id: int | None = None


def ballot_key(vote_id: int, token: str) -> str:
    return blind_index(token, f"meetings-ballot:{vote_id}")


def eligible_voters(community: OrgUnit, given: VoteInput) -> list[Eligible]:
    """Who may vote, read from the registry or the meeting or the list given."""
    if given.electorate == Electorate.HOUSEHOLDS:
        households = (
            Household.objects.filter(house__grid__path__descendant_of=community.path)
            .select_related("head", "house")
            .order_by("house__address", "pk")
        )
        seen: set[int] = set()
        voters = []
        for household in households:
            if household.head_id is None or household.head_id in seen:
                continue
            seen.add(household.head_id)
            voters.append(Eligible(household.head.name, household.head_id))
        return voters
    if given.electorate == Electorate.OWNERS:
        compound = given.compound
        if compound is None or not compound.grid.path.startswith(community.path):
            raise Invalid(_("Choose a compound of this community."), "compound")
        owners = (
            House.objects.filter(building__compound=compound, owner__isnull=False)
            .select_related("owner")
            .order_by("owner__name", "owner_id")
        )
        unique = {house.owner_id: house.owner for house in owners}
        return [Eligible(person.name, person.pk) for person in unique.values()]
    if given.electorate == Electorate.ATTENDEES:
        meeting = given.meeting
        if meeting is None or meeting.community_id != community.pk:
            raise Invalid(_("Choose a meeting of this community."), "meeting")
        if meeting.state == MeetingState.CANCELLED:
            raise Invalid(_("The meeting was cancelled."), "meeting")
        present = meeting.invitees.filter(signed_in_at__isnull=False).order_by("pk")
        return [Eligible(invitee.name) for invitee in present]
    if given.electorate == Electorate.LIST:
        names = [name.strip() for name in given.names if name.strip()]
        if any(len(name) > 64 for name in names):
            raise Invalid(_("Each name has at most 64 characters."), "names")
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise Invalid(
                _("%(name)s is listed twice: add something to tell them apart.")
                % {"name": twice[0]},
                "names",
            )
        return [Eligible(name) for name in names]
    raise Invalid(_("Choose who may vote."), "electorate")


def _check(given: VoteInput) -> tuple[str, list[str]]:
    question = (given.question or "").strip()
    if not question or len(question) > QUESTION_MAX:
        raise Invalid(
            _("A question of 1 to %(max)d characters is required.") % {"max": QUESTION_MAX},
            "question",
        )
    options = [option.strip() for option in given.options if option.strip()] or default_options()
    if len(options) < 2 or len(options) > MAX_OPTIONS:
        raise Invalid(_("Give 2 to %(max)d options.") % {"max": MAX_OPTIONS}, "options")
    if any(len(option) > OPTION_MAX for option in options) or len(set(options)) != len(options):
        raise Invalid(
            _("Options must differ and have at most %(max)d characters.") % {"max": OPTION_MAX},
            "options",
        )
    for name, value in (("quorum", given.quorum), ("majority", given.majority)):
        if value not in Threshold.values:
            raise Invalid(_("Choose a rule."), name)
    if given.majority_base not in MajorityBase.values:
        raise Invalid(_("Choose a rule."), "majority_base")
    if (
        given.closes_at is None
        or timezone.is_naive(given.closes_at)
        or given.closes_at <= clock.now()
    ):
        raise Invalid(_("The vote must close in the future."), "closes_at")
    return question, options


def create_vote(actor: User | None, community: OrgUnit, given: VoteInput) -> Vote:
    """Open a vote with its eligible voters fixed now (links are issued by `issue_links`)."""
    check_community(community)
    require_run(actor, community)
    question, options = _check(given)
    if given.decision is not None and given.decision.community_id != community.pk:
        raise Invalid(_("The decision belongs to another community."), "decision")
    with transaction.atomic():
        voters = eligible_voters(community, given)
        if not voters:
            raise Invalid(_("Nobody is eligible to vote: check who may vote."), "electorate")
        if len(voters) > MAX_VOTERS:
            raise Invalid(_("At most %(max)d voters.") % {"max": MAX_VOTERS}, "electorate")
        vote = Vote.objects.create(
            community=community,
            decision=given.decision,
            question=question,
            options=options,
            is_secret=given.is_secret,
            electorate=given.electorate,
            quorum=given.quorum,
            majority=given.majority,
            majority_base=given.majority_base,
            is_changeable=given.is_changeable,
            closes_at=given.closes_at,
            eligible_count=len(voters),
            created_by=actor,
            created_at=clock.now(),
        )
        Voter.objects.bulk_create(
            Voter(vote=vote, name=voter.name[:64], person_id=voter.person_id) for voter in voters
        )
        audit.record(actor, "meetings.vote.create", vote, question, voters=len(voters))
    return vote


def issue_links(
    actor: User | None, vote: Vote, voter_ids: list[int] | None = None
) -> list[tuple[Voter, str]]:
    """Tokens for the voters who have none yet (those named, or all), returned once: print or
    send them now; only their hashes are kept."""
    with transaction.atomic():
        vote = Vote.objects.select_for_update().select_related("community").get(pk=vote.pk)
        require_run(actor, vote.community)
        if vote.state != VoteState.OPEN:
            raise Conflict(_("The vote is closed."), "state")
        voters = vote.voters.select_for_update().filter(token_hash__isnull=True).order_by("pk")
        if voter_ids is not None:
            voters = voters.filter(pk__in=voter_ids)
        issued = []
        for voter in voters:
            token = new_token()
            voter.token_hash = token_hash(token)
            voter.save(update_fields=["token_hash"])
            issued.append((voter, token))
        audit.record(actor, "meetings.vote.issue_links", vote, f"{len(issued)} link(s)")
    return issued


def voter_by_token(token: str) -> Voter | None:
    return (
        Voter.objects.select_related("vote", "vote__community")
        .filter(token_hash=token_hash(token))
        .first()
    )


def my_choice(voter: Voter, token: str) -> int | None:
    """The choice this token's holder made, if any (only the token finds it)."""
    ballot = Ballot.objects.filter(
        vote_id=voter.vote_id, key=ballot_key(voter.vote_id, token)
    ).first()
    return ballot.choice if ballot is not None else None


def cast_ballot(token: str, choice: int) -> Ballot:
    """The holder of `token` votes for option `choice` (0-based). Refused when the link is
    unknown, the vote closed, or they voted already and ballots may not be changed."""
    voter = Voter.objects.filter(token_hash=token_hash(token)).select_related("vote").first()
    if voter is None:
        raise Invalid(_("This voting link is not valid."), "ballot_token")
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=voter.vote_id)
        if vote.state != VoteState.OPEN or clock.now() >= vote.closes_at:
            raise Conflict(_("Voting has closed."), "state")
        if (
            not isinstance(choice, int)
            or isinstance(choice, bool)
            or not 0 <= choice < len(vote.options)
        ):
            raise Invalid(_("Choose one of the options."), "choice")
        key = ballot_key(vote.pk, token)
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    vote=vote, key=key, choice=choice, voter=None if vote.is_secret else voter
                )
            action = "meetings.ballot.cast"
        except IntegrityError:
            if not vote.is_changeable:
                raise Conflict(
                    _("You have voted already; this vote does not allow changes."), "ballot_token"
                ) from None
            ballot = Ballot.objects.select_for_update().get(vote=vote, key=key)
            ballot.choice = choice
            ballot.save(update_fields=["choice"])
            action = "meetings.ballot.change"
        if vote.is_secret:
            audit.record(None, action, vote, "")
        else:
            audit.record(None, action, vote, voter.name, voter=voter.pk, choice=choice)
    return ballot


def _close(vote_id: int, actor: User | None, *, due_only: bool) -> Vote | None:
    with transaction.atomic():
        vote = Vote.objects.select_for_update().select_related("community").get(pk=vote_id)
        if vote.state != VoteState.OPEN:
            if due_only:
                return None
            raise Conflict(_("The vote is closed already."), "state")
        now = clock.now()
        if due_only and vote.closes_at > now:
            return None
        if not due_only:
            require_run(actor, vote.community)
        by_choice = dict(
            vote.ballots.values_list("choice").annotate(n=Count("pk")).values_list("choice", "n")
        )
        counts = [by_choice.get(index, 0) for index in range(len(vote.options))]
        outcome = vote_outcome(
            counts,
            vote.eligible_count,
            quorum=vote.quorum,
            majority=vote.majority,
            majority_base=vote.majority_base,
        )
        vote.state = VoteState.CLOSED
        vote.closed_at = now
        vote.result = outcome.as_json()
        vote.save(update_fields=["state", "closed_at", "result"])
        audit.record(actor, "meetings.vote.close", vote, vote.question, **outcome.as_json())
    return vote


def close_vote(actor: User | None, vote: Vote) -> Vote:
    """The organiser closes the vote now; its result is computed and published."""
    closed = _close(vote.pk, actor, due_only=False)
    assert closed is not None
    return closed


def close_due_votes() -> str | None:
    """The worker's job: close every open vote whose time has come (each once, however many
    workers run it: the row is locked and its state checked again)."""
    due = list(
        Vote.objects.filter(state=VoteState.OPEN, closes_at__lte=clock.now()).values_list(
            "pk", flat=True
        )[:500]
    )
    closed = [vote for vote in (_close(pk, None, due_only=True) for pk in due) if vote is not None]
    return f"meetings: {len(closed)} vote(s) closed" if closed else None
