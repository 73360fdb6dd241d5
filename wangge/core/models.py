"""Accounts and the audit log: the two tables every app leans on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """One account for everything; what it may do comes from its memberships (see org)."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class AuditEntry(models.Model):
    """Who did or saw what, when. Rows are only ever added (see `wangge.core.audit`)."""

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.summary}"


class CalendarDay(models.Model):
    """A date whose working status an administrator sets by hand.

    A row overrides the State Council's published holidays for its date (a city may add a local
    holiday) and is the only source of holidays for years the `chinese-calendar` package does not
    cover yet; see `wangge.core.calendar`.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), default=False)
    name = models.CharField(
        _("name"),
        max_length=64,
        blank=True,
        help_text=_("What the day is, for example Spring Festival or an adjusted working day."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class ApiKey(models.Model):
    """A key another system uses to call the API as one account (a hotline platform, a
    district command platform). Only a hash is stored; the key is shown once, when created."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    # The first characters of the key, to tell keys apart in lists without revealing them.
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class OfficePeriod(models.Model):
    """One period of the working day the SLA clocks count (e.g. 08:30–12:00). No rows: the
    calendar's default periods. Changed as a whole through `calendar.set_office_hours`."""

    starts_at = models.TimeField(_("starts at"), unique=True)
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="office_period_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Generation(models.Model):
    """A random token that changes, in the same transaction, whenever the data it names changes.

    A process keeps small, rarely changed tables in memory (see `wangge.core.generations`) and
    compares one token per use instead of reading the table again. Random tokens, not counters,
    so a token from a rolled-back change can never come back and pass for current.
    """

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    token = models.BigIntegerField(_("token"))

    class Meta:
        verbose_name = _("data generation")
        verbose_name_plural = _("data generations")

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"


class RateCounter(models.Model):
    """How often one key (a limit's name and a hashed address or phone) was counted in one fixed
    window; see `wangge.core.ratelimit`. Rows of ended windows are swept by a periodic job."""

    key = models.CharField(_("key"), max_length=100)
    window_start = models.DateTimeField(_("window start"))
    # When the window ends: the sweep deletes rows past it (windows differ in length per key).
    expires_at = models.DateTimeField(_("expires at"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="rate_counter_one_row_per_window"
            )
        ]
        indexes = [models.Index(fields=["expires_at"], name="rate_counter_expires_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"
