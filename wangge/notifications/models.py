"""A person's inbox of notices and the outgoing webhooks with their delivery queue.

Both tables are outboxes: the services write them inside the transaction of the change they
report, so a notice or a webhook event exists exactly when that change does. Delivering
webhooks happens later, in the worker, which claims each delivery by compare-and-set.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.crypto import EncryptedTextField


class NotificationKind(models.TextChoices):
    CASE_QUEUED = "case_queued", _("A case is waiting for you")
    CASE_RETURNED = "case_returned", _("A case was returned")
    CASE_DUE_SOON = "case_due_soon", _("A case is due soon")
    CASE_OVERDUE = "case_overdue", _("A case is overdue")
    CASE_SUPERVISED = "case_supervised", _("A case is supervised")
    CASE_CLOSED = "case_closed", _("A case you reported is closed")
    CASE_INSTRUCTED = "case_instructed", _("A leader instructed on a case")
    OTHER = "other", _("Other")


class Notification(models.Model):
    """One notice for one person; `dedupe_key` makes sending the same notice twice a no-op."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=64, blank=True)
    # NULL, not "": a notice without a key is never a duplicate (NULLs are distinct in UNIQUE).
    dedupe_key = models.CharField(  # noqa: DJ001
        _("deduplication key"), max_length=128, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], name="notification_once_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Webhook(models.Model):
    """A receiver outside Wangge that is sent every event of the kinds it asks for."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    # Signs every delivery (HMAC-SHA256); encrypted at rest like personal data.
    secret = EncryptedTextField(_("signing secret"))
    event_kinds = models.JSONField(
        _("event kinds"),
        default=list,
        blank=True,
        help_text=_("Kinds of event to send; empty means every kind."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_kind: str) -> bool:
        return not self.event_kinds or event_kind in self.event_kinds


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event on its way to one webhook: retried with backoff until delivered or failed."""

    webhook = models.ForeignKey(
        Webhook,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event_id = models.CharField(_("event"), max_length=64)
    event_kind = models.CharField(_("event kind"), max_length=64)
    payload = models.JSONField(_("data"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event_id"], name="webhook_delivery_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} {self.event_id} → {self.webhook_id}"
