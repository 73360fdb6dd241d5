"""Tables of meetings and votes: topics (议题) and the meetings that discuss them (联席会议,
议事会, 村民代表会议 …) with their invitees, decisions and the tasks decisions give; votes with
their eligible voters and ballots; and the village procedure of four deliberations and two
disclosures (四议两公开) with its steps, their documents and the quorum rules a city sets.

Every row belongs to one community or village (`community`), so every scoped list is one
indexed filter on it. Deadline lights of tasks are read from `due_at` and `warn_at`, as those of
cases are. How secret ballots are kept apart from voters: see `services/votes.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.crypto import EncryptedTextField


class TopicSource(models.TextChoices):
    RESIDENT = "resident", _("A resident")
    MEMBER_UNIT = "member_unit", _("A member unit")
    STAFF = "staff", _("Community staff")
    CASE = "case", _("A stuck or overdue case")


class TopicState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCHEDULED = "scheduled", _("Scheduled")
    DECIDED = "decided", _("Decided")
    REJECTED = "rejected", _("Rejected")


class Topic(models.Model):
    """A matter to be discussed (议题), proposed by a resident on the public page, a member unit,
    staff, or taken from a stuck case of the community."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("proposed by"), max_length=16, choices=TopicSource.choices)
    proposer_name = models.CharField(_("proposer"), max_length=64, blank=True)
    # A resident's phone, to be called back: encrypted, shown masked.
    proposer_phone = EncryptedTextField(_("proposer's phone"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=TopicState.choices, default=TopicState.PROPOSED
    )
    meeting = models.ForeignKey(
        "Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )
    outcome_note = models.TextField(pgettext_lazy("topic", "outcome"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A case becomes one topic while that topic is still to be discussed.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(case__isnull=False, state__in=["proposed", "scheduled"]),
                name="meetings_topic_one_open_per_case",
            )
        ]
        indexes = [models.Index(fields=["community", "state"], name="meetings_topic_state_idx")]

    def __str__(self) -> str:
        return self.title


class MeetingKind(models.TextChoices):
    JOINT = "joint", _("Joint meeting")  # 联席会议
    COUNCIL = "council", _("Residents' council")  # 议事会
    REPRESENTATIVES = "representatives", _("Villagers' representatives' meeting")  # 村民代表会议
    OTHER = "other", _("Other meeting")


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of meeting"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=120)
    scheduled_at = models.DateTimeField(_("scheduled at"))
    place = models.CharField(pgettext_lazy("meeting", "place"), max_length=120)
    state = models.CharField(
        _("state"), max_length=16, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "scheduled_at"], name="meetings_meeting_when_idx"),
            models.Index(fields=["kind", "state", "held_at"], name="meetings_meeting_held_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class InviteeKind(models.TextChoices):
    ACCOUNT = "account", _("Account")
    MEMBER_UNIT = "member_unit", _("Member unit representative")
    RESIDENT = "resident", _("Resident")


class Invitee(models.Model):
    """Someone invited to a meeting. They sign in on the day: marked by the organiser, or by
    themselves through a one-time link whose token is kept only as a hash."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="invitees")
    kind = models.CharField(_("invited as"), max_length=16, choices=InviteeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=64)
    organisation = models.CharField(_("member unit"), max_length=100, blank=True)
    sign_in_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    community = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("decision"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Task(models.Model):
    """Work a decision gives to one account, by a deadline; overdue is read from the clock."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="tasks")
    community = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("task", "owner"),
        on_delete=models.PROTECT,
        related_name="meeting_tasks",
    )
    state = models.CharField(
        _("state"), max_length=8, choices=TaskState.choices, default=TaskState.OPEN
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField()
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["owner", "state", "due_at"], name="meetings_task_owner_idx"),
            models.Index(fields=["community", "state"], name="meetings_task_community_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskEvidence(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="evidence")
    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return str(self.attachment_id)


class Threshold(models.TextChoices):
    """A share to reach: more than half (过半数, half itself is not enough) or at least two
    thirds (三分之二以上: the law counts 以上 inclusively)."""

    NONE = "none", _("No minimum")
    MORE_THAN_HALF = "more_than_half", _("More than half")
    TWO_THIRDS = "two_thirds", _("At least two thirds")


class MajorityBase(models.TextChoices):
    CAST = "cast", _("of the votes cast")
    ELIGIBLE = "eligible", _("of the eligible voters")


class Electorate(models.TextChoices):
    HOUSEHOLDS = "households", _("Household representatives (one per household)")
    OWNERS = "owners", _("Owners of a compound's houses")
    ATTENDEES = "attendees", _("Those present at a meeting")
    LIST = "list", _("A list entered by staff")


class VoteState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", pgettext_lazy("vote", "Closed")


class Vote(models.Model):
    """A question put to the eligible voters, on a decision or on its own. The first option is
    the proposal (同意): it passes when quorum and majority are both reached."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="votes",
    )
    question = models.CharField(_("question"), max_length=200)
    options = models.JSONField(_("options"), default=list)
    is_secret = models.BooleanField(_("secret ballot"), default=False)
    electorate = models.CharField(_("who may vote"), max_length=16, choices=Electorate.choices)
    quorum = models.CharField(
        _("quorum"), max_length=16, choices=Threshold.choices, default=Threshold.MORE_THAN_HALF
    )
    majority = models.CharField(
        _("majority"), max_length=16, choices=Threshold.choices, default=Threshold.MORE_THAN_HALF
    )
    majority_base = models.CharField(
        _("majority of"), max_length=8, choices=MajorityBase.choices, default=MajorityBase.CAST
    )
    is_changeable = models.BooleanField(_("ballots may be changed until the close"), default=True)
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(
        _("state"), max_length=8, choices=VoteState.choices, default=VoteState.OPEN
    )
    closed_at = models.DateTimeField(pgettext_lazy("vote", "closed at"), null=True, blank=True)
    eligible_count = models.PositiveIntegerField(_("eligible voters"), default=0)
    # Set at the close: {"counts": [..per option..], "cast": n, "quorum_met": b, "passed": b}.
    result = models.JSONField(_("result"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "closes_at"], name="meetings_vote_due_idx")]

    def __str__(self) -> str:
        return self.question


class Voter(models.Model):
    """One eligible voter of a vote. `token_hash` is SHA-256 of the one-time link's token (empty
    until the link is issued); nothing here says whether or how they voted in a secret ballot."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="voters")
    name = models.CharField(_("name"), max_length=64)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["vote", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "person"],
                condition=Q(person__isnull=False),
                name="meetings_voter_one_per_person",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    """A ballot, keyed by a keyed hash of the voter's token that cannot be computed from the
    voter row (see `services/votes.py`). `voter` is set for open ballots only."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    key = models.CharField(max_length=64)
    voter = models.OneToOneField(
        Voter, null=True, blank=True, on_delete=models.PROTECT, related_name="open_ballot"
    )
    choice = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["vote", "key"], name="meetings_ballot_one_per_voter")
        ]

    def __str__(self) -> str:
        return f"ballot #{self.pk}"


class Step(models.TextChoices):
    """The six steps of 四议两公开, in their order."""

    PROPOSAL = "proposal", _("Proposal by the party branch")  # 村党组织提议
    CONSULTATION = "consultation", _("Consultation by the two committees")  # 村"两委"会议商议
    REVIEW = "review", _("Review by the party members' meeting")  # 党员大会审议
    RESOLUTION = "resolution", _("Resolution by the villagers' representatives")  # 村民代表会议决议
    RESOLUTION_DISCLOSED = "resolution_disclosed", _("Public disclosure of the resolution")
    OUTCOME_DISCLOSED = "outcome_disclosed", _("Public disclosure of the outcome")


STEP_ORDER: tuple[str, ...] = tuple(Step.values)
MEETING_STEPS = frozenset({Step.CONSULTATION, Step.REVIEW, Step.RESOLUTION})
DISCLOSURE_STEPS = frozenset({Step.RESOLUTION_DISCLOSED, Step.OUTCOME_DISCLOSED})


class QuorumRule(models.Model):
    """What a meeting step of 四议两公开 must reach, as the city sets it: the share of those
    expected who are present, and the share of those present in favour. Shipped with the
    defaults of the regulations (two thirds present, more than half in favour)."""

    step = models.CharField(_("step"), max_length=24, choices=Step.choices, unique=True)
    present = models.CharField(_("present"), max_length=16, choices=Threshold.choices)
    in_favour = models.CharField(_("in favour"), max_length=16, choices=Threshold.choices)

    class Meta:
        verbose_name = _("quorum rule")
        verbose_name_plural = _("quorum rules")
        ordering = ["step"]

    def __str__(self) -> str:
        return self.get_step_display()


class Procedure(models.Model):
    """A village matter taken through 四议两公开; its steps are recorded one by one, in order."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("matter"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("four deliberations and two disclosures")
        verbose_name_plural = _("four deliberations and two disclosures")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ProcedureStep(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(_("step"), max_length=24, choices=Step.choices)
    held_on = models.DateField(_("date"))
    expected = models.PositiveIntegerField(_("people expected"), null=True, blank=True)
    present = models.PositiveIntegerField(_("people present"), null=True, blank=True)
    in_favour = models.PositiveIntegerField(_("votes in favour"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["procedure", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "step"], name="meetings_procedure_step_once"
            )
        ]

    def __str__(self) -> str:
        return self.get_step_display()


class StepDocument(models.Model):
    """A document or photo of a step; a disclosure's photo of the notice board is public."""

    step = models.ForeignKey(ProcedureStep, on_delete=models.PROTECT, related_name="documents")
    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return str(self.attachment_id)
