"""Background tasks of the notifications app (Django's Tasks API, run by `wangge worker`)."""

from __future__ import annotations

from django_tasks import task

from wangge.notifications.services import deliver_due_webhooks


@task()
def deliver_webhooks() -> dict[str, int]:
    """Send the webhook deliveries that are due; queued when an event commits, so delivery
    starts at once. Retries are left to the worker's periodic job."""
    return deliver_due_webhooks().as_dict()
