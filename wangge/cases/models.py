"""Case categories: a two-level tree (大类/小类) of the kinds of work a case can be, each leaf
carrying its own deadlines, supervision ladder, grid-entry flag and Open311 attributes.

Categories are data a city edits (through `wangge.cases.services`), not code; the default set
ships in a data migration. A child does not read anything from its parent at run time: it
carries its own values, so changing a top-level class never silently moves a leaf's deadlines.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.cases.workflow import ActorKind
from wangge.core.crypto import EncryptedTextField


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("Component")  # 部件: a public facility that is broken or missing
    EVENT = "event", _("Event")  # 事件: something happening in the street
    REQUEST = "request", _("Request")  # 诉求: what a resident asks for


class DeadlineUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    # Emergencies run on the wall clock: a gas leak at 22:00 cannot wait for office hours.
    HOURS = "hours", _("hours")


# The stages a category sets a deadline for, in case order.
STAGES = ("accept", "dispatch", "handle")


def _amount_field(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, default=1)


def _unit_field(verbose_name: str, default: str) -> models.CharField:
    return models.CharField(
        verbose_name, max_length=16, choices=DeadlineUnit.choices, default=default
    )


class Category(models.Model):
    parent = models.ForeignKey(
        "self",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Empty for a top-level class; a subcategory's class must be top-level."),
    )
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short and stable: Open311 clients use it as the service code."),
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    default_department = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_grid_entry = models.BooleanField(
        _("grid-entry item"),
        default=False,
        help_text=_("Whether cases of this kind may be pushed down to grid workers."),
    )
    # Open311 attribute definitions: [{code, datatype, required, description, order, values}].
    open311_attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)

    accept_amount = _amount_field(_("time to accept"))
    accept_unit = _unit_field(_("unit of the time to accept"), DeadlineUnit.WORKING_HOURS)
    dispatch_amount = _amount_field(_("time to dispatch"))
    dispatch_unit = _unit_field(_("unit of the time to dispatch"), DeadlineUnit.WORKING_HOURS)
    handle_amount = _amount_field(_("time to handle"))
    handle_unit = _unit_field(_("unit of the time to handle"), DeadlineUnit.WORKING_DAYS)

    # The supervision ladder (督办): a reminder at the deadline, then a yellow and a red card
    # this many working days late.
    accept_yellow_days = models.PositiveSmallIntegerField(
        _("yellow card for acceptance after (working days late)"), default=1
    )
    accept_red_days = models.PositiveSmallIntegerField(
        _("red card for acceptance after (working days late)"), default=2
    )
    handle_yellow_days = models.PositiveSmallIntegerField(
        _("yellow card for handling after (working days late)"), default=5
    )
    handle_red_days = models.PositiveSmallIntegerField(
        _("red card for handling after (working days late)"), default=10
    )

    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CategoryKind.values), name="case_category_kind_known"
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{stage}_amount__gt": 0}),
                    name=f"case_category_{stage}_amount_positive",
                )
                for stage in STAGES
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{stage}_unit__in": DeadlineUnit.values}),
                    name=f"case_category_{stage}_unit_known",
                )
                for stage in STAGES
            ),
            models.CheckConstraint(
                condition=models.Q(accept_yellow_days__gt=0)
                & models.Q(accept_red_days__gt=models.F("accept_yellow_days")),
                name="case_category_accept_red_after_yellow",
            ),
            models.CheckConstraint(
                condition=models.Q(handle_yellow_days__gt=0)
                & models.Q(handle_red_days__gt=models.F("handle_yellow_days")),
                name="case_category_handle_red_after_yellow",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None


# --- cases -------------------------------------------------------------------------------------


class Channel(models.TextChoices):
    GRID_PATROL = "grid_patrol", _("Grid patrol")  # 网格巡查
    RESIDENT = "resident", _("Resident report")  # 居民上报
    HOTLINE = "hotline", _("12345 hotline")
    ENTERPRISE = "enterprise", _("Enterprise request")  # 诉求直通
    INFORMATION_REPORT = "information_report", _("Information report")  # 信息报送
    IMPORT = "import", _("Import")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")  # 一般
    URGENT = "urgent", _("Urgent")  # 紧急
    EMERGENCY = "emergency", _("Emergency")  # 特急


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


class Stage(models.TextChoices):
    """The deadline a case is running against now (none while it waits for verification)."""

    ACCEPT = "accept", _("Acceptance")
    DISPATCH = "dispatch", _("Dispatch")
    HANDLE = "handle", _("Handling")


class PendingRequest(models.TextChoices):
    EXTENSION = "extension", _("Extension")  # 延期
    DEFERRAL = "deferral", _("Deferral")  # 缓办


class Case(models.Model):
    """One resident request or field report. `state`, `version` and the deadline columns are
    written only by `services.perform()`, together with the event that explains them."""

    number = models.CharField(_("number"), max_length=16, unique=True)
    state = models.CharField(_("state"), max_length=16, default="reported")
    # Moves with every event (event.seq == the version it produced): a writer holding an older
    # version lost a race and gets a Conflict.
    version = models.PositiveIntegerField(_("version"), default=1)
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The grid the location lies in; when none was found, the unit the case was filed under
    # (flagged `needs_grid` for a dispatcher to assign). Scope follows this unit's path.
    area = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid or unit"), on_delete=models.PROTECT, related_name="+"
    )
    needs_grid = models.BooleanField(_("needs a grid"), default=False)
    reporter_name = EncryptedTextField(_("reporter's name"), blank=True)
    reporter_phone = EncryptedTextField(_("reporter's phone"), blank=True)
    reporter_phone_index = models.CharField(max_length=32, blank=True, editable=False)
    reported_by = models.ForeignKey(
        "core.User",
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    source_ref = models.CharField(_("reference in the source system"), max_length=64, blank=True)
    # Hash of (client, Idempotency-Key): the same intake twice creates one case.
    intake_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    # The unit handling it: a department, or a grid for grid-entry work (入格事项).
    department = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        "core.User",
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    master = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )

    reported_at = models.DateTimeField(_("reported at"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # When the current stage turns yellow (80 % of its time used), stored with `due_at`.
    warn_at = models.DateTimeField(null=True, blank=True)
    accept_due_at = models.DateTimeField(_("acceptance due at"))
    handle_due_at = models.DateTimeField(_("handling due at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("accepted or declined at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=24, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Highest supervision card of the current stage (0: none, 1 reminder, 2 yellow, 3 red).
    supervision_level = models.PositiveSmallIntegerField(_("supervision"), default=0)
    # When the "due soon" reminder of the current stage went out (sent once per stage).
    warned_at = models.DateTimeField(null=True, blank=True)
    pending_request = models.CharField(
        _("pending request"), max_length=16, choices=PendingRequest.choices, blank=True
    )
    pending_due_at = models.DateTimeField(_("requested deadline"), null=True, blank=True)
    pending_reason = models.TextField(_("reason for the request"), blank=True)
    is_deferred = models.BooleanField(_("deferred"), default=False)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        indexes = [
            # The one-state tabs of "my work" read their pages straight from these.
            models.Index(fields=["state", "due_at", "id"], name="case_state_due_idx"),
            models.Index(fields=["area", "state", "due_at"], name="case_area_state_idx"),
            models.Index(fields=["department", "state", "due_at"], name="case_department_idx"),
            models.Index(fields=["reported_by", "state"], name="case_reported_by_idx"),
            models.Index(fields=["reporter_phone_index"], name="case_reporter_phone_idx"),
            models.Index(fields=["reported_at", "id"], name="case_reported_at_idx"),
            models.Index(fields=["closed_at"], name="case_closed_at_idx"),  # closures by day
            models.Index(fields=["stage", "due_at"], name="case_stage_due_idx"),
            # Closed cases waiting for a call-back (most cases are closed and rated), and cases
            # with a request for more time: their tabs and counts. The area is included so a
            # count within a dispatcher's area reads the index alone (PostgreSQL only).
            models.Index(
                fields=["due_at", "id"],
                include=["area"],
                condition=models.Q(state="closed", rating="", master__isnull=True),
                name="case_to_rate_idx",
            ),
            models.Index(
                fields=["due_at", "id"],
                include=["area"],
                condition=models.Q(state="handling") & ~models.Q(pending_request=""),
                name="case_requests_idx",
            ),
            models.Index(fields=["area", "state", "rating"], name="case_area_rating_idx"),
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(supervision_level__gt=0),
                name="case_supervised_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lon__isnull=True, lat__isnull=True)
                | models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="case_location_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(supervision_level__lte=3), name="case_supervision_level_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One line of a case's log: append-only; the case's state is the last line's `to_state`."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=24)
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16)
    actor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Which of the table's actor kinds the actor acted as (dispatcher, reporter, system, …).
    actor_kind = models.CharField(_("acting as"), max_length=24)
    # The user's name as it was then; empty for the reporter and the system, whose label is
    # translated when read (a stored label would keep the language of the request that wrote it).
    actor_name = models.CharField(_("by"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    @property
    def actor_label(self) -> str:
        """Who acted, as a page or the API shows it: the user's name, or what kind of actor."""
        if self.actor_name:
            return self.actor_name
        try:
            return str(ActorKind(self.actor_kind).label)
        except ValueError:  # a kind since removed: show what was stored
            return self.actor_kind


def _attachment_path(attachment: Attachment, filename: str) -> str:
    # Never the uploaded name: it may hold personal data or path tricks.
    return f"cases/{attachment.created_at:%Y/%m}/{attachment.uid.hex}{attachment.extension}"


class Attachment(models.Model):
    """A photo or file, stored under MEDIA_ROOT (outside the web root) and served only to users
    who may see its case. Uploaded first, then linked to a case and event by the service."""

    uid = models.UUIDField(unique=True, editable=False)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_image = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")  # 主办
    ASSIST = "assist", _("Assisting")  # 协办


class CaseAssignment(models.Model):
    """A unit's share of handling a case: the lead (also `Case.department`) and any assisting
    departments, each with its own deadline. The lead finishes once every assist is done."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=AssignmentRole.choices)
    due_at = models.DateTimeField(_("due at"))
    is_active = models.BooleanField(default=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["case", "role", "id"]
        indexes = [
            models.Index(
                fields=["unit", "is_active", "finished_at"], name="case_assignment_unit_idx"
            ),
            # "Cases my department assists on": a few among every lead assignment of the unit.
            models.Index(
                fields=["unit", "case"],
                condition=models.Q(is_active=True, role="assist"),
                name="case_assist_active_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit"],
                condition=models.Q(is_active=True),
                name="case_assignment_one_active_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.role} {self.unit_id}"


class SupervisionLevel(models.IntegerChoices):
    REMINDER = 1, _("Reminder")  # 催办
    YELLOW = 2, _("Yellow card")  # 黄牌
    RED = 3, _("Red card")  # 红牌


class SupervisionOrder(models.Model):
    """A supervision order (督办单) against the unit responsible, escalated one level up."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervision_orders")
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=SupervisionLevel.choices)
    responsible_unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_to = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The deadline it was issued against: sweeps issue each level once per deadline.
    stage_due_at = models.DateTimeField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage", "level", "stage_due_at"],
                condition=models.Q(issued_by__isnull=True),
                name="case_supervision_swept_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.level}"


class CaseNumberCounter(models.Model):
    """The last sequence number handed out on a day (case numbers are day + sequence)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class LoopRules(models.Model):
    """City-wide rules of the loop a city edits (one row)."""

    max_reopens = models.PositiveSmallIntegerField(
        _("times a case may be reopened after a dissatisfied rating"), default=1
    )
    reopen_on_dissatisfied = models.BooleanField(
        _("reopen automatically on a dissatisfied rating"), default=True
    )

    class Meta:
        verbose_name = _("loop rules")
        verbose_name_plural = _("loop rules")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
