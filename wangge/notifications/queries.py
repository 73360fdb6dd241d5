"""Reads of the inbox and of the webhook delivery queue."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core.models import User
from wangge.notifications.models import Notification, Webhook, WebhookDelivery


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """`user`'s notices, newest first (one query, served by the inbox index)."""
    notices = Notification.objects.filter(user=user)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def deliveries(webhook: Webhook, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """The deliveries of one webhook, newest first, optionally of one status."""
    rows = WebhookDelivery.objects.filter(webhook=webhook)
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")
