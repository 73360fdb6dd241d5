"""Two-way claiming (双向认领): the member units (大党委成员单位) of a community and their contacts,
the three lists — resources the units offer (资源清单), needs raised by residents, staff or from
cases (需求清单), and the services or projects the community plans (服务清单) — the agreements
(认领协议) a claim turns into, with their deliverables, progress and evidence; and the residents and
party members who report to their community as volunteers (双报到), with small wishes (微心愿),
posts (岗位) and service hours; and the micro-project funds (微实事基金).

States are plain fields moved only by `services`; whether a deliverable or an agreement is
overdue is read from its dates (`queries`), never stored. Phones are encrypted at rest and found
by blind index, like the registry's.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.crypto import EncryptedTextField


class MemberUnitKind(models.TextChoices):
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital or clinic")
    PROPERTY_COMPANY = "property_company", _("Property management company")
    BANK = "bank", _("Bank")
    ENTERPRISE = "enterprise", _("Enterprise")
    GOVERNMENT = "government", _("Government agency")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    OTHER = "other", _("Other")


class MemberUnit(models.Model):
    """A member unit of a community's big party committee (大党委成员单位): a school, a hospital,
    a property company, a bank branch… One unit may serve several communities."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=MemberUnitKind)
    # 统一社会信用代码 (GB 32100), checked as the registry checks it; empty for those without one.
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    communities = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("communities served"), related_name="member_units"
    )
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="member_unit_credit_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person a member unit names as its contact. Linked to an account, they act in the
    platform for this member unit only (claim, record progress); one account, one unit."""

    member_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("member unit"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(_("role"), max_length=64, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=32, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_contacts",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["member_unit", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(user__isnull=False, is_active=True),
                name="contact_one_unit_per_account",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("Venue sharing")  # 场地共享
    REPAIR = "repair", _("Inspection and repair")  # 检查维修
    VOLUNTEERS = "volunteers", _("Volunteer service")  # 志愿服务
    FUNDING = "funding", _("Funding")  # 资金支持
    OTHER = "other", _("Other")  # 其他


class Resource(models.Model):
    """What a member unit offers (资源清单): how much, where, and from when until when."""

    member_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("member unit"),
        on_delete=models.PROTECT,
        related_name="resources",
    )
    community = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveIntegerField(_("capacity or quantity"), null=True, blank=True)
    unit = models.CharField(_("unit of quantity"), max_length=16, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["community", "kind", "title", "pk"]
        indexes = [models.Index(fields=["community", "kind"], name="claims_resource_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_until__gte=models.F("available_from")),
                name="resource_available_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class NeedState(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED_UNMET = "closed_unmet", _("Closed unmet")


class NeedSource(models.TextChoices):
    RESIDENT = "resident", _("A resident")
    STAFF = "staff", _("Community staff")
    CASE = "case", _("A case")
    CANVASS = "canvass", _("A canvass visit")  # raised by the campaigns app from an answer


class Need(models.Model):
    """A need (需求清单) of a community: raised by a resident on the public page, by community
    staff, or from a case. Claimed once, by one agreement."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind)
    title = models.CharField(_("what is needed"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveIntegerField(_("quantity needed"), null=True, blank=True)
    unit = models.CharField(_("unit of quantity"), max_length=16, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency, default=Urgency.NORMAL)
    wanted_by = models.DateField(_("wanted by"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=NeedState, default=NeedState.OPEN)
    source = models.CharField(_("raised by"), max_length=8, choices=NeedSource)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    contact_phone_index = models.CharField(max_length=32, blank=True, editable=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="claims_need_state_idx")]

    def __str__(self) -> str:
        return self.title


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CLAIMED = "claimed", _("Claimed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Project(models.Model):
    """A service or project the community plans (服务清单), a micro-project (微实事) among them."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProjectState, default=ProjectState.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("service or project")
        verbose_name_plural = _("services and projects")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="claims_project_state_idx")]

    def __str__(self) -> str:
        return self.title


class AgreementState(models.TextChoices):
    AGREED = "agreed", _("Agreed")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


class Agreement(models.Model):
    """An agreement (认领协议) between a community and a member unit that claimed one of its
    needs or projects: the parties, the dates, the deliverables, and what was done."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    member_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("member unit"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("member unit's contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    title = models.CharField(_("title"), max_length=100)
    terms = models.TextField(_("what the member unit undertakes"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(
        _("state"), max_length=12, choices=AgreementState, default=AgreementState.AGREED
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    outcome = models.TextField(_("what was done"), blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-claimed_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "state"], name="claims_agreement_state_idx"),
            models.Index(fields=["member_unit", "state"], name="claims_agreement_unit_idx"),
        ]
        constraints = [
            # A need or a project is claimed once: a second live agreement is refused by the
            # database even if two claims pass the services' checks at the same moment.
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(need__isnull=False) & ~Q(state="cancelled"),
                name="agreement_one_live_per_need",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(project__isnull=False) & ~Q(state="cancelled"),
                name="agreement_one_live_per_project",
            ),
            models.CheckConstraint(
                condition=Q(need__isnull=True) | Q(project__isnull=True),
                name="agreement_need_or_project",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="agreement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.state in (AgreementState.AGREED, AgreementState.IN_PROGRESS)


class Deliverable(models.Model):
    """Something the member unit undertakes to deliver by a date; overdue when not done by it."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="deliverables",
    )
    title = models.CharField(_("deliverable"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["agreement", "due_on"], name="claims_deliverable_due_idx")]

    def __str__(self) -> str:
        return self.title


class ProgressEntry(models.Model):
    """A note of what was done under an agreement, with evidence; the last one completes it."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="progress",
    )
    deliverable = models.ForeignKey(
        Deliverable,
        verbose_name=_("deliverable"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("what was done"))
    is_completion = models.BooleanField(_("completes the agreement"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return self.note[:50]


class Evidence(models.Model):
    """A photo or document (kept by the cases app's attachment handling) proving a progress
    entry; served only to those who may see the agreement."""

    entry = models.ForeignKey(
        ProgressEntry,
        verbose_name=_("progress entry"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    attachment = models.OneToOneField(
        "cases.Attachment",
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.attachment_id)


class VolunteerState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


class Volunteer(models.Model):
    """A resident or working party member who reported to the community (双报到) to serve.
    Registered on a public page, confirmed by staff; they reach their own page through a
    personal signed link (they have no account)."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=64)
    phone = EncryptedTextField(_("phone"))
    phone_index = models.CharField(max_length=32, editable=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=VolunteerState, default=VolunteerState.PENDING
    )
    # Changed to withdraw a link that leaked: the signed link carries it.
    link_nonce = models.CharField(max_length=16, editable=False)
    registered_at = models.DateTimeField(_("registered at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "phone_index"], name="volunteer_once_per_community"
            ),
        ]
        indexes = [models.Index(fields=["community", "state"], name="claims_volunteer_state_idx")]

    def __str__(self) -> str:
        return self.name


class WishState(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled")


class Wish(models.Model):
    """A small wish (微心愿): a small concrete wish of a resident, claimed by one volunteer and
    fulfilled with evidence."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("wish"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # Whose wish it is, shown masked (张*) to volunteers.
    wisher_name = models.CharField(_("whose wish"), max_length=64, blank=True)
    wisher_phone = EncryptedTextField(_("phone of whose wish"), blank=True)
    wisher_phone_index = models.CharField(max_length=32, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=WishState, default=WishState.OPEN)
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wishes",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    outcome = models.TextField(_("what was done"), blank=True)
    evidence = models.ForeignKey(
        "cases.Attachment",
        verbose_name=_("evidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("small wish")
        verbose_name_plural = _("small wishes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="claims_wish_state_idx")]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """A volunteer post (岗位) of a community, with a number of places."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("post"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    places = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("volunteer post")
        verbose_name_plural = _("volunteer posts")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class PostSignup(models.Model):
    """A volunteer taking one of a post's places."""

    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("post sign-up")
        verbose_name_plural = _("post sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["post", "volunteer"], name="post_signup_once"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.post_id}"


class HoursState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ServiceHours(models.Model):
    """Hours a volunteer served: recorded by staff (confirmed at once) or by the volunteer
    (confirmed by staff). Only confirmed hours count."""

    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="hours",
    )
    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    what = models.CharField(_("what was done"), max_length=200)
    post = models.ForeignKey(
        Post,
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=HoursState, default=HoursState.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["-served_on", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="claims_hours_state_idx")]

    def __str__(self) -> str:
        return f"{self.served_on} {self.hours}"


class FundAllocation(models.Model):
    """The micro-project fund (微实事基金) a community has for a year."""

    community = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        ordering = ["-year", "community"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="fund_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class FundSpending(models.Model):
    """Money spent from a year's allocation on a project; never more than the allocation."""

    allocation = models.ForeignKey(
        FundAllocation,
        verbose_name=_("fund allocation"),
        on_delete=models.PROTECT,
        related_name="spendings",
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="spendings"
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    spent_on = models.DateField(_("spent on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("fund spending")
        verbose_name_plural = _("fund spendings")
        ordering = ["-spent_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.amount}"
