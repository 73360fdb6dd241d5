"""Every write to the inbox and the outgoing webhooks, and the delivery of webhook events.

`notify` and `enqueue_webhook_event` are outboxes: other apps call them inside the transaction
of the change they report, so a notice or an event exists exactly when the change does. The
worker then delivers due webhook events (`deliver_due_webhooks`): each delivery is claimed by
compare-and-set, so two workers never send the same delivery at the same time, and a failed
attempt is retried with exponential backoff until `WEBHOOK_MAX_ATTEMPTS`. Delivery is at least
once (a worker that dies after sending but before recording is retried), so receivers should
deduplicate by the `X-Wangge-Delivery` header.

Managing webhooks takes Django's model permissions on `Webhook` (`notifications.add_webhook`,
`notifications.change_webhook`) or a superuser; `actor=None` is the system itself (trusted
commands). This app cannot see org roles, so whoever grants the administrator role also grants
those permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import random
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from wangge.core import audit, clock, generations
from wangge.core.models import User
from wangge.notifications.exceptions import DeliveryNotFailed, NotAllowed, WebhookInvalid
from wangge.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    Webhook,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

WEBHOOK_NAME_MAX_LENGTH = 64
WEBHOOK_URL_MAX_LENGTH = 500
WEBHOOK_SCHEMES = ("http", "https")
EVENT_KIND_MAX_LENGTH = 64
EVENT_ID_MAX_LENGTH = 64
SECRET_MIN_LENGTH = 16
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
BACKOFF_JITTER = 0.1
USER_AGENT = "Wangge-Webhook/1"
SIGNATURE_SCHEME = "sha256="
# How much of a receiver's error response is kept for the administrator to read.
ERROR_EXCERPT_CHARS = 500


# --- The inbox ---------------------------------------------------------------------------------


def notify(
    users: Iterable[User | int],
    kind: str,
    *,
    title: str,
    body: str = "",
    link: str = "",
    subject: str = "",
    dedupe_key: str | None = None,
) -> int:
    """Put one notice in the inbox of each user (User objects or ids; None is skipped); return
    how many users were addressed. With a `dedupe_key`, a user who already has a notice with
    that key gets no second one. Runs in the caller's transaction, so the notices commit with
    the change."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    if len(link) > 300:
        raise ValueError("a notification link has at most 300 characters")
    if dedupe_key is not None and len(dedupe_key) > 128:
        raise ValueError("a dedupe key has at most 128 characters")
    user_ids = [
        user_id
        for user_id in dict.fromkeys(getattr(user, "pk", user) for user in users)
        if user_id is not None
    ]
    if not user_ids:
        return 0
    created_at = clock.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                title=_shorten(title, 200),
                body=body,
                link=link,
                subject=subject[:64],
                dedupe_key=dedupe_key,
                created_at=created_at,
            )
            for user_id in user_ids
        ],
        # ON CONFLICT DO NOTHING: a duplicate never aborts the caller's transaction.
        ignore_conflicts=True,
    )
    return len(user_ids)


def mark_read(user: User, notification_ids: Iterable[int]) -> int:
    """Mark some of `user`'s own notices read; ids of anyone else's are ignored."""
    return Notification.objects.filter(
        user=user, pk__in=list(notification_ids), read_at__isnull=True
    ).update(read_at=clock.now())


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())


# --- Managing webhooks -------------------------------------------------------------------------


def _require(actor: User | None, permission: str) -> None:
    """`actor=None` is the system itself (trusted commands, the demo loader)."""
    if actor is None:
        return
    if actor.is_active and actor.is_superuser:
        return
    if actor.has_perm(permission):
        return
    raise NotAllowed(_("Only an administrator may manage webhooks."))


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise WebhookInvalid("name", _("The name is required."))
    if len(name) > WEBHOOK_NAME_MAX_LENGTH:
        raise WebhookInvalid(
            "name",
            _("The name has at most %(count)d characters.") % {"count": WEBHOOK_NAME_MAX_LENGTH},
        )
    return name


def _clean_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise WebhookInvalid("url", _("The URL is required."))
    if len(url) > WEBHOOK_URL_MAX_LENGTH or any(char.isspace() for char in url):
        raise WebhookInvalid("url", _("This is not a usable URL."))
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port that is not a number
    except ValueError:
        raise WebhookInvalid("url", _("This is not a usable URL.")) from None
    if port == 0:
        raise WebhookInvalid("url", _("This is not a usable URL."))
    scheme = parts.scheme.lower()
    if scheme not in WEBHOOK_SCHEMES:
        raise WebhookInvalid(
            "url",
            _("Webhooks are sent over http:// or https:// only, not %(scheme)s.")
            % {"scheme": f"{scheme}://" if scheme else url},
        )
    if not parts.hostname:
        raise WebhookInvalid("url", _("The URL needs a host name."))
    return url


def _url_for_log(url: str) -> str:
    """The URL without credentials or query: chat-robot URLs carry their token there."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _clean_event_kinds(event_kinds: Iterable[str]) -> list[str]:
    if isinstance(event_kinds, str | bytes) or not isinstance(event_kinds, Iterable):
        raise WebhookInvalid("event_kinds", _("The event kinds must be a list of names."))
    kinds: list[str] = []
    for kind in event_kinds:
        if not isinstance(kind, str) or not kind.strip():
            raise WebhookInvalid("event_kinds", _("The event kinds must be a list of names."))
        if len(kind.strip()) > EVENT_KIND_MAX_LENGTH:
            raise WebhookInvalid(
                "event_kinds",
                _("An event kind has at most %(count)d characters.")
                % {"count": EVENT_KIND_MAX_LENGTH},
            )
        kinds.append(kind.strip())
    return list(dict.fromkeys(kinds))


def _clean_secret(secret: str | None) -> str:
    if secret is None:
        return secrets.token_urlsafe(32)
    secret = secret.strip()
    if len(secret) < SECRET_MIN_LENGTH:
        raise WebhookInvalid(
            "secret",
            _("The secret needs at least %(count)d characters.") % {"count": SECRET_MIN_LENGTH},
        )
    return secret


def create_webhook(
    actor: User | None,
    *,
    name: str,
    url: str,
    secret: str | None = None,
    event_kinds: Iterable[str] = (),
) -> tuple[Webhook, str]:
    """Register a receiver; return it with its signing secret (generated when not given), which
    the administrator hands to the receiver. The secret is never written to the audit log."""
    _require(actor, "notifications.add_webhook")
    name = _clean_name(name)
    url = _clean_url(url)
    kinds = _clean_event_kinds(event_kinds)
    secret = _clean_secret(secret)
    taken = WebhookInvalid("name", _("A webhook named %(name)s already exists.") % {"name": name})
    with transaction.atomic():
        if Webhook.objects.filter(name=name).exists():
            raise taken
        try:
            with transaction.atomic():
                webhook = Webhook.objects.create(
                    name=name,
                    url=url,
                    secret=secret,
                    event_kinds=kinds,
                    created_at=clock.now(),
                    created_by=actor if actor is not None and actor.pk else None,
                )
        except IntegrityError:  # created at the same moment by someone else
            raise taken from None
        audit.record(
            actor,
            "notifications.webhook.create",
            webhook,
            name,
            url=_url_for_log(url),
            event_kinds=kinds,
        )
    return webhook, secret


def set_webhook_active(actor: User | None, webhook: Webhook, is_active: bool) -> Webhook:
    """Pause or resume a receiver. Deliveries of a paused one wait and go out when it resumes;
    events raised while it is paused are not queued for it."""
    _require(actor, "notifications.change_webhook")
    with transaction.atomic():
        locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
        locked.is_active = is_active
        locked.save(update_fields=["is_active"])
        action = "notifications.webhook.activate" if is_active else "notifications.webhook.pause"
        audit.record(actor, action, locked, locked.name)
    return locked


def retry_delivery(actor: User | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again, with a fresh series of attempts."""
    _require(actor, "notifications.change_webhook")
    with transaction.atomic():
        retried = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.FAILED
        ).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=clock.now(),
            claimed_at=None,
        )
        if not retried:
            raise DeliveryNotFailed(_("Only a failed delivery can be sent again."))
        audit.record(
            actor,
            "notifications.delivery.retry",
            delivery,
            f"{delivery.event_kind} {delivery.event_id}",
        )
    delivery.refresh_from_db()
    return delivery


# --- Webhook events ----------------------------------------------------------------------------


# Active receivers, kept by each process and checked against this generation at every event
# (every Webhook save or delete changes it: NotificationsConfig.ready).
WEBHOOK_GENERATION = "webhooks"


def _active_receivers() -> tuple[Webhook, ...]:
    return tuple(Webhook.objects.filter(is_active=True).only("pk", "event_kinds"))


_RECEIVERS = generations.ProcessCache(WEBHOOK_GENERATION, _active_receivers)


def enqueue_webhook_event(event_kind: str, event_id: str, payload: dict[str, Any]) -> int:
    """Queue one delivery of an event per active webhook that wants its kind; return how many
    webhooks were addressed. Call it inside the transaction of the change (an outbox): the
    deliveries commit with it, and once committed a task is queued to send them at once. An
    event id already queued for a webhook is not queued again."""
    if not event_kind or len(event_kind) > EVENT_KIND_MAX_LENGTH:
        raise ValueError(f"an event kind has 1 to {EVENT_KIND_MAX_LENGTH} characters")
    if not event_id or len(event_id) > EVENT_ID_MAX_LENGTH:
        raise ValueError(f"an event id has 1 to {EVENT_ID_MAX_LENGTH} characters")
    webhooks = [webhook for webhook in _RECEIVERS.get() if webhook.wants(event_kind)]
    if not webhooks:
        return 0
    created_at = clock.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                webhook_id=webhook.pk,
                event_id=event_id,
                event_kind=event_kind,
                payload=payload,
                next_attempt_at=created_at,
                created_at=created_at,
            )
            for webhook in webhooks
        ],
        ignore_conflicts=True,
    )
    # robust: a task queue that cannot be reached must not fail the committed change; the
    # worker's periodic job sends the deliveries anyway.
    transaction.on_commit(_start_delivery, robust=True)
    return len(webhooks)


def _start_delivery() -> None:
    # Imported here: the task module imports this one.
    from wangge.notifications.tasks import deliver_webhooks

    deliver_webhooks.enqueue()


@dataclass
class DeliveryReport:
    """What one round of webhook delivery did; false when it did nothing."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.delivered or self.retrying or self.failed)

    def __str__(self) -> str:
        return _("Webhooks: %(delivered)d delivered, %(retrying)d to retry, %(failed)d failed.") % {
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
        }

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "retrying": self.retrying, "failed": self.failed}


def due_deliveries(limit: int = 100) -> list[WebhookDelivery]:
    """Deliveries to send now: pending ones whose time has come, and ones claimed by a worker
    that has not finished within twice the timeout (it died)."""
    now = clock.now()
    stale_before = now - timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS)
    return list(
        WebhookDelivery.objects.filter(webhook__is_active=True)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.DELIVERING, claimed_at__lt=stale_before)
        )
        .select_related("webhook")
        .order_by("next_attempt_at", "pk")[:limit]
    )


def claim_delivery(delivery: WebhookDelivery) -> bool:
    """Take `delivery` for sending, as it was read: the UPDATE matches only if no other worker
    has claimed it since (compare-and-set), so exactly one of two racing workers wins."""
    if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.DELIVERING):
        return False
    claimed_at = clock.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=delivery.status, claimed_at=delivery.claimed_at
    ).update(status=DeliveryStatus.DELIVERING, claimed_at=claimed_at)
    if claimed != 1:
        return False
    delivery.status, delivery.claimed_at = DeliveryStatus.DELIVERING, claimed_at
    return True


def deliver_due_webhooks(limit: int = 100) -> DeliveryReport:
    """Send every due delivery (at most `limit`) once; the periodic job and the task call it."""
    report = DeliveryReport()
    for delivery in due_deliveries(limit):
        if not claim_delivery(delivery):
            continue  # another worker has it
        try:
            status_code, error = _post(delivery)
        except Exception as unexpected:  # one broken delivery must never stop the others
            logger.exception("webhook delivery %s failed unexpectedly", delivery.pk)
            status_code, error = None, f"{type(unexpected).__name__}: {unexpected}"
        outcome = _record_attempt(delivery, status_code, error)
        if outcome == DeliveryStatus.DELIVERED:
            report.delivered += 1
        elif outcome == DeliveryStatus.PENDING:
            report.retrying += 1
        elif outcome == DeliveryStatus.FAILED:
            report.failed += 1
    return report


def backoff_delay(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failures: 30 s doubling up to an hour, plus
    up to 10 % so that receivers coming back are not hit by every retry at once."""
    seconds = min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * (1 + random.uniform(0, BACKOFF_JITTER)))


def delivery_body(delivery: WebhookDelivery) -> bytes:
    document = {
        "id": delivery.event_id,
        "kind": delivery.event_kind,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(
        document, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Wangge-Signature` value: HMAC-SHA256 of "<timestamp>." followed by the body."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_SCHEME + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature_header: str,
    *,
    tolerance_seconds: float = 300,
    now: datetime | None = None,
) -> bool:
    """For receivers: true when `signature_header` signs `body` at `timestamp` with `secret`
    and the timestamp is within `tolerance_seconds` of now (a replayed request is refused)."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = (now or clock.now()).timestamp()
    if abs(current - sent_at) > tolerance_seconds:
        return False
    expected = sign(secret, sent_at, body).encode()
    return hmac.compare_digest(expected, signature_header.encode("utf-8", "replace"))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: following it would resend the event elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Send one delivery; return the HTTP status (None when there was no answer) and an error
    text for anything but 2xx."""
    body = delivery_body(delivery)
    timestamp = int(clock.now().timestamp())
    request = urllib.request.Request(  # noqa: S310 (create_webhook admits http and https only)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Wangge-Event": delivery.event_kind,
            "X-Wangge-Delivery": delivery.event_id,
            "X-Wangge-Timestamp": str(timestamp),
            "X-Wangge-Signature": sign(delivery.webhook.secret, timestamp, body),
        },
    )
    if urlsplit(request.full_url).scheme.lower() not in WEBHOOK_SCHEMES:
        return None, "refused: only http and https URLs are sent to"
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(ERROR_EXCERPT_CHARS)
            return response.status, ""
    except urllib.error.HTTPError as error:
        with error:
            excerpt = error.read(ERROR_EXCERPT_CHARS).decode("utf-8", "replace")
        return error.code, f"HTTP {error.code} {error.reason}: {excerpt}".strip()
    except urllib.error.URLError as error:
        return None, f"{type(error.reason).__name__}: {error.reason}"
    except (http.client.HTTPException, OSError) as error:
        return None, f"{type(error).__name__}: {error}"


def _record_attempt(delivery: WebhookDelivery, status_code: int | None, error: str) -> str | None:
    """Store the result of one attempt; return the new status, or None when the claim was
    taken over meanwhile (this worker was too slow and another one reclaimed it)."""
    now = clock.now()
    attempts = delivery.attempts + 1
    changes: dict[str, Any] = {"attempts": attempts, "last_status_code": status_code}
    if status_code is not None and 200 <= status_code < 300:
        changes |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "last_error": ""}
    elif attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        changes |= {"status": DeliveryStatus.FAILED, "last_error": error, "claimed_at": None}
        logger.warning(
            "webhook delivery %s to %s failed for good after %d attempts: %s",
            delivery.pk,
            delivery.webhook.name,
            attempts,
            error,
        )
    else:
        changes |= {
            "status": DeliveryStatus.PENDING,
            "last_error": error,
            "claimed_at": None,
            "next_attempt_at": now + backoff_delay(attempts),
        }
        logger.info("webhook delivery %s will be retried: %s", delivery.pk, error)
    stored = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.DELIVERING, claimed_at=delivery.claimed_at
    ).update(**changes)
    if not stored:
        return None
    for name, value in changes.items():
        setattr(delivery, name, value)
    return changes["status"]


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
