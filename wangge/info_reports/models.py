"""Tables of information reports (信息报送): the kinds of urgent information a city defines with
their time limits, the reports sent up the org tree, the units that receive them (the first
receiver and those it was forwarded to), the append-only timeline of each report (first,
continued and final reports, signing for, requests, forwarding, closing), the continued reports
a receiver asked for, and the files attached to timeline entries.

Time limits are natural minutes, not working hours: emergencies do not wait for office hours.
Deadline lights are read from stored timestamps (`*_due_at`, `*_warn_at`), as those of cases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InfoLevel(models.TextChoices):
    EXTRAORDINARY = "extraordinary", _("Extraordinarily serious")  # 特别重大
    MAJOR = "major", _("Major")  # 重大
    LARGE = "large", _("Large")  # 较大
    GENERAL = "general", _("General")  # 一般


LIMIT_HELP = _(
    "Natural minutes counted from when the reporter learned of it, nights and holidays "
    "included, not working hours: emergencies do not wait for office hours."
)


class InfoKind(models.Model):
    """A kind of urgent information and its time limits, as the city sets them."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=InfoLevel.choices)
    first_report_minutes = models.PositiveIntegerField(
        _("first report within (minutes)"), help_text=LIMIT_HELP
    )
    written_report_minutes = models.PositiveIntegerField(
        _("written report within (minutes)"), help_text=LIMIT_HELP
    )
    continued_report_minutes = models.PositiveIntegerField(
        _("continued report every (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: continued reports only when the receiver asks for one."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("kind of information")
        verbose_name_plural = _("kinds of information")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_report_minutes__gte=1)
                & Q(written_report_minutes__gte=models.F("first_report_minutes")),
                name="info_kind_limits_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReportState(models.TextChoices):
    REPORTED = "reported", _("First report sent")  # 首报
    FOLLOWING = "following", _("Being followed")  # 续报
    FINISHED = "finished", _("Final report sent")  # 终报
    CLOSED = "closed", pgettext_lazy("information report", "Closed")


class InfoReport(models.Model):
    number = models.CharField(_("number"), max_length=16, unique=True)
    kind = models.ForeignKey(
        InfoKind, verbose_name=_("kind of information"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what happened"))
    from_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("reporting unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("sent to"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("where"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    happened_at = models.DateTimeField(_("happened at"))
    known_at = models.DateTimeField(_("learned of it at"))
    reported_at = models.DateTimeField(_("reported at"))
    # The latest figures: each continued or final report may change them.
    dead = models.PositiveIntegerField(_("dead"), default=0)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    measures = models.TextField(_("measures taken"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.REPORTED
    )
    first_report_due_at = models.DateTimeField(_("first report due at"))
    first_report_warn_at = models.DateTimeField()
    # 迟报: entered after the first-report deadline, by this many whole minutes (rounded up).
    is_late = models.BooleanField(_("late"), default=False)
    minutes_late = models.PositiveIntegerField(_("minutes late"), default=0)
    closed_at = models.DateTimeField(pgettext_lazy("information report", "closed at"), null=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("information report")
        verbose_name_plural = _("information reports")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["from_unit", "state"], name="info_report_from_idx"),
            models.Index(fields=["first_report_due_at"], name="info_report_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(known_at__gte=models.F("happened_at")),
                name="info_report_known_after_happened",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class InfoReportNumberCounter(models.Model):
    """The last sequence number handed out on a day (report numbers are XB + day + sequence)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Receipt(models.Model):
    """A unit that receives a report: the one it was sent to, then each it was forwarded to.
    Each signs for it (签收) once."""

    report = models.ForeignKey(InfoReport, on_delete=models.PROTECT, related_name="receipts")
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("receiving unit"), on_delete=models.PROTECT, related_name="+"
    )
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    # Set once by the worker's reminder to sign for it (compare-and-set: one reminder).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("receiving unit")
        verbose_name_plural = _("receiving units")
        ordering = ["report", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "unit"], name="info_receipt_once_per_unit")
        ]
        indexes = [models.Index(fields=["signed_at", "created_at"], name="info_receipt_sign_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.unit_id}"


class EntryKind(models.TextChoices):
    FIRST = "first", _("First report")  # 首报
    CONTINUED = "continued", _("Continued report")  # 续报
    FINAL = "final", _("Final report")  # 终报
    SIGNED = "signed", _("Signed for")  # 签收
    REQUESTED = "requested", _("Continued report requested")  # 要求续报
    FORWARDED = "forwarded", _("Forwarded")  # 转报
    CLOSED = "closed", pgettext_lazy("information report", "Closed")


class Entry(models.Model):
    """One step of a report's timeline. Append-only, in the database itself."""

    report = models.ForeignKey(InfoReport, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("step"), max_length=16, choices=EntryKind.choices)
    text = models.TextField(_("text"), blank=True)
    dead = models.PositiveIntegerField(_("dead"), null=True, blank=True)
    injured = models.PositiveIntegerField(_("injured"), null=True, blank=True)
    missing = models.PositiveIntegerField(_("missing"), null=True, blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The actor's name as it was then.
    actor_name = models.CharField(_("by"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["report", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="info_entry_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.seq} {self.kind}"


class EntryAttachment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="files")
    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return str(self.attachment_id)


class ContinuedRequest(models.Model):
    """A receiver's request for a continued report (要求续报) by a deadline; fulfilled by the
    next continued or final report. One open request per report at a time."""

    report = models.ForeignKey(InfoReport, on_delete=models.PROTECT, related_name="requests")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("what to report"), blank=True)
    created_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField()
    fulfilled_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set once each by the worker (compare-and-set): the due-soon and the overdue reminder.
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("continued report requested")
        verbose_name_plural = _("continued reports requested")
        ordering = ["report", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(fulfilled_at__isnull=True),
                name="info_request_one_open_per_report",
            )
        ]
        indexes = [models.Index(fields=["fulfilled_at", "due_at"], name="info_request_due_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} by {self.due_at}"
