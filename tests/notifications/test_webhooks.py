"""Outgoing webhooks: who may register one, how events are queued with the change that raised
them, and how the worker delivers them to a real HTTP receiver on 127.0.0.1 (signed, retried
with backoff, claimed by one worker at a time, given up after the last attempt)."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections, transaction
from django_tasks_db.models import DBTaskResult

from tests.notifications.receiver import Receiver, unreachable_url
from wangge.core import clock, crypto
from wangge.core.models import AuditEntry, User
from wangge.notifications.exceptions import DeliveryNotFailed, NotAllowed, WebhookInvalid
from wangge.notifications.models import DeliveryStatus, Webhook, WebhookDelivery
from wangge.notifications.queries import deliveries
from wangge.notifications.services import (
    claim_delivery,
    create_webhook,
    deliver_due_webhooks,
    enqueue_webhook_event,
    retry_delivery,
    set_webhook_active,
    verify_signature,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CASE_CLOSED = {"number": "20261123000042", "title": "路灯不亮", "state": "closed"}


def hook(url: str, name: str = "城运中心", **options) -> tuple[Webhook, str]:
    return create_webhook(None, name=name, url=url, **options)


def raise_event(event_id: str = "evt-1", kind: str = "case.closed", payload=None) -> int:
    with transaction.atomic():
        return enqueue_webhook_event(kind, event_id, payload or CASE_CLOSED)


def with_permission(user: User, codename: str) -> User:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="notifications", codename=codename)
    )
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached


# --- Delivering ---------------------------------------------------------------------------------


def test_an_event_reaches_the_receiver_signed_with_the_webhook_secret(receiver):
    _, secret = hook(receiver.url)
    with clock.frozen_at(T0):
        raise_event()
        report = deliver_due_webhooks()

    assert report.as_dict() == {"delivered": 1, "retrying": 0, "failed": 0}
    [request] = receiver.requests
    assert request.path == "/hook?token=abc"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Wangge-Webhook/1"
    assert request.headers["X-Wangge-Event"] == "case.closed"
    assert request.headers["X-Wangge-Delivery"] == "evt-1"
    assert request.headers["X-Wangge-Timestamp"] == str(int(T0.timestamp()))
    assert json.loads(request.body) == {
        "id": "evt-1",
        "kind": "case.closed",
        "created_at": T0.isoformat(),
        "data": CASE_CLOSED,
    }
    assert "路灯不亮".encode() in request.body  # UTF-8, not \u escapes
    timestamp, signature = (
        request.headers["X-Wangge-Timestamp"],
        request.headers["X-Wangge-Signature"],
    )
    assert signature.startswith("sha256=")
    assert verify_signature(secret, timestamp, request.body, signature, now=T0)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at == T0


def test_a_tampered_body_a_wrong_secret_or_a_replay_fails_verification(receiver):
    _, secret = hook(receiver.url)
    with clock.frozen_at(T0):
        raise_event()
        deliver_due_webhooks()
    [request] = receiver.requests
    timestamp, signature = (
        request.headers["X-Wangge-Timestamp"],
        request.headers["X-Wangge-Signature"],
    )
    tampered = request.body.replace(b"closed", b"opened")

    assert not verify_signature(secret, timestamp, tampered, signature, now=T0)
    assert not verify_signature("another-secret-value", timestamp, request.body, signature, now=T0)
    assert not verify_signature(secret, int(timestamp) + 1, request.body, signature, now=T0)
    assert not verify_signature(
        secret, timestamp, request.body, signature, now=T0 + timedelta(minutes=6)
    )
    assert not verify_signature(secret, "yesterday", request.body, signature, now=T0)
    assert not verify_signature(secret, timestamp, request.body, "sha256=00", now=T0)


def test_a_receiver_that_fails_gets_the_event_again_after_the_backoff_and_only_once():
    with Receiver([500, 200]) as receiver:
        hook(receiver.url)
        with clock.frozen_at(T0):
            raise_event()
            first = deliver_due_webhooks()
        delivery = WebhookDelivery.objects.get()
        with clock.frozen_at(T0 + timedelta(seconds=29)):
            too_early = deliver_due_webhooks()
        with clock.frozen_at(T0 + timedelta(seconds=34)):
            second = deliver_due_webhooks()
        with clock.frozen_at(T0 + timedelta(hours=2)):
            later = deliver_due_webhooks()

    assert (first.retrying, delivery.status, delivery.attempts) == (1, "pending", 1)
    assert delivery.last_status_code == 500
    assert "HTTP 500" in delivery.last_error
    assert T0 + timedelta(seconds=30) <= delivery.next_attempt_at <= T0 + timedelta(seconds=33)
    assert not too_early
    assert second.delivered == 1
    assert not later
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")


def test_an_unreachable_receiver_is_given_up_after_the_last_attempt(db, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    hook(unreachable_url())
    with clock.frozen_at(T0):
        raise_event()
    reports = []
    waits = []
    for hour in range(5):
        with clock.frozen_at(T0 + timedelta(hours=hour)):
            reports.append(deliver_due_webhooks().as_dict())
        delivery = WebhookDelivery.objects.get()
        waits.append(delivery.next_attempt_at - T0 - timedelta(hours=hour))

    assert reports == [
        {"delivered": 0, "retrying": 1, "failed": 0},
        {"delivered": 0, "retrying": 1, "failed": 0},
        {"delivered": 0, "retrying": 0, "failed": 1},
        {"delivered": 0, "retrying": 0, "failed": 0},
        {"delivered": 0, "retrying": 0, "failed": 0},
    ]
    assert timedelta(seconds=30) <= waits[0] <= timedelta(seconds=33)  # 30 s, then doubling
    assert timedelta(seconds=60) <= waits[1] <= timedelta(seconds=66)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, None)
    assert "Connection" in delivery.last_error


def test_backoff_doubles_and_stops_growing_at_an_hour(db, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 20
    hook(unreachable_url())
    with clock.frozen_at(T0):
        raise_event()
    waits = []
    for round_ in range(10):
        moment = T0 + timedelta(hours=2 * round_)
        with clock.frozen_at(moment):
            deliver_due_webhooks()
        waits.append((WebhookDelivery.objects.get().next_attempt_at - moment).total_seconds())

    for wait, base in zip(waits[:4], [30, 60, 120, 240], strict=True):
        assert base <= wait <= base * 1.1
    assert 3600 <= waits[-1] <= 3960


def test_a_redirect_is_not_followed(db):
    with Receiver([302]) as receiver:
        hook(receiver.url)
        raise_event()
        report = deliver_due_webhooks()

    assert report.retrying == 1
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().last_status_code == 302


def test_one_failing_webhook_does_not_stop_the_others(receiver):
    hook(unreachable_url(), name="broken")
    hook(receiver.url, name="working")
    raise_event()

    report = deliver_due_webhooks()

    assert (report.delivered, report.retrying) == (1, 1)
    assert len(receiver.requests) == 1


# --- Claiming -----------------------------------------------------------------------------------


def test_a_delivery_can_be_claimed_by_one_worker_only(receiver):
    hook(receiver.url)
    raise_event()
    seen_by_one = WebhookDelivery.objects.get()
    seen_by_other = WebhookDelivery.objects.get()

    assert claim_delivery(seen_by_one)
    assert not claim_delivery(seen_by_other)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERING
    assert not deliver_due_webhooks()  # claimed and not stale: nobody sends it
    assert receiver.requests == []


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_twice_the_timeout(receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    hook(receiver.url)
    with clock.frozen_at(T0):
        raise_event()
        assert claim_delivery(WebhookDelivery.objects.get())  # ... and the worker dies
    with clock.frozen_at(T0 + timedelta(seconds=9)):
        still_claimed = deliver_due_webhooks()
    with clock.frozen_at(T0 + timedelta(seconds=11)):
        taken_over = deliver_due_webhooks()

    assert not still_claimed
    assert taken_over.delivered == 1
    assert len(receiver.requests) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database that runs threads at once"
)
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_a_delivery_send_it_once():
    with Receiver(delay=0.2) as receiver:
        hook(receiver.url)
        raise_event()
        start = threading.Barrier(4)
        reports = []

        def worker() -> None:
            try:
                start.wait()
                reports.append(deliver_due_webhooks().delivered)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(reports) == [0, 0, 0, 1]
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1


# --- Queueing events ----------------------------------------------------------------------------


def test_an_event_is_queued_for_the_webhooks_that_want_its_kind(receiver):
    closed_only, _ = hook(receiver.url, name="closed only", event_kinds=["case.closed"])
    everything, _ = hook(receiver.url, name="everything")

    assert raise_event("evt-1", kind="case.reported") == 1
    assert raise_event("evt-2", kind="case.closed") == 2

    assert list(deliveries(closed_only).values_list("event_id", flat=True)) == ["evt-2"]
    assert set(deliveries(everything).values_list("event_id", flat=True)) == {"evt-1", "evt-2"}


def test_an_event_raised_twice_is_delivered_once(receiver):
    hook(receiver.url)
    raise_event("evt-1")
    raise_event("evt-1")

    deliver_due_webhooks()

    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_an_event_is_queued_only_if_the_change_commits(
    receiver, django_capture_on_commit_callbacks
):
    hook(receiver.url)

    with (
        django_capture_on_commit_callbacks() as rolled_back,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_webhook_event("case.closed", "evt-1", CASE_CLOSED)
        raise RuntimeError("the case change failed")
    with django_capture_on_commit_callbacks(execute=True) as committed:
        raise_event("evt-2")

    assert rolled_back == []
    assert len(committed) == 1
    assert list(WebhookDelivery.objects.values_list("event_id", flat=True)) == ["evt-2"]
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.status) == (
        "wangge.notifications.tasks.deliver_webhooks",
        "READY",
    )


def test_a_paused_webhook_is_sent_nothing_until_it_resumes(receiver):
    webhook, _ = hook(receiver.url)
    raise_event("evt-1")
    set_webhook_active(None, webhook, False)

    assert raise_event("evt-2") == 0
    assert not deliver_due_webhooks()
    set_webhook_active(None, webhook, True)
    assert deliver_due_webhooks().delivered == 1
    assert [request.headers["X-Wangge-Delivery"] for request in receiver.requests] == ["evt-1"]


# --- Managing webhooks ----------------------------------------------------------------------------


def test_only_http_and_https_receivers_are_accepted(cast):
    audit_entries = AuditEntry.objects.count()

    with pytest.raises(WebhookInvalid) as refused:
        create_webhook(None, name="ftp", url="ftp://files.example.gov.cn/in/")

    assert refused.value.field == "url"
    assert "ftp://" in refused.value.message
    assert not Webhook.objects.exists()
    assert AuditEntry.objects.count() == audit_entries


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " ", "url": "https://a.example/"}, "name"),
        ({"name": "x" * 65, "url": "https://a.example/"}, "name"),
        ({"name": "a", "url": ""}, "url"),
        ({"name": "a", "url": "https:///no-host"}, "url"),
        ({"name": "a", "url": "https://a.example:port/"}, "url"),
        ({"name": "a", "url": "a.example/hook"}, "url"),
        ({"name": "a", "url": "https://a.example/", "event_kinds": "case.closed"}, "event_kinds"),
        ({"name": "a", "url": "https://a.example/", "event_kinds": ["", "x"]}, "event_kinds"),
        ({"name": "a", "url": "https://a.example/", "secret": "short"}, "secret"),
    ],
)
def test_a_webhook_with_an_unusable_field_is_refused_naming_the_field(db, fields, field):
    with pytest.raises(WebhookInvalid) as refused:
        create_webhook(None, **fields)

    assert refused.value.field == field
    assert not Webhook.objects.exists()


def test_two_webhooks_may_not_share_a_name(db):
    hook("https://a.example/hook", name="城运中心")

    with pytest.raises(WebhookInvalid) as refused:
        hook("https://b.example/hook", name="城运中心")

    assert refused.value.field == "name"


def test_someone_without_the_permission_may_not_manage_webhooks(cast):
    webhook, _ = hook("https://a.example/hook")
    audit_entries = AuditEntry.objects.count()

    # cast.community_staff holds no role at the top of the tree, so no webhook permission.
    for person in (cast.grid_worker_a, cast.dispatcher, cast.community_staff):
        with pytest.raises(NotAllowed):
            create_webhook(person, name="mine", url="https://b.example/hook")
        with pytest.raises(NotAllowed):
            set_webhook_active(person, webhook, False)

    assert list(Webhook.objects.values_list("name", "is_active")) == [("城运中心", True)]
    assert AuditEntry.objects.count() == audit_entries


def test_an_administrator_given_the_permission_or_a_superuser_may_create_one(cast):
    administrator = with_permission(cast.administrator, "add_webhook")
    superuser = cast.outsider
    superuser.is_superuser = True

    by_administrator, _ = create_webhook(
        administrator, name="a", url="https://a.example/", event_kinds=["case.closed"]
    )
    by_superuser, _ = create_webhook(superuser, name="b", url="https://b.example/")

    assert by_administrator.created_by == administrator
    assert by_administrator.event_kinds == ["case.closed"]
    assert by_superuser.created_by == superuser


def test_a_generated_secret_is_returned_once_and_encrypted_at_rest(db):
    webhook, secret = hook("https://a.example/hook")
    _, given = hook("https://b.example/hook", name="given", secret="a-secret-of-our-own")

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhook WHERE id = %s", [webhook.pk])
        [stored] = cursor.fetchone()

    assert len(secret) >= 32
    assert given == "a-secret-of-our-own"
    assert secret not in stored
    assert crypto.decrypt(stored) == secret
    assert Webhook.objects.get(pk=webhook.pk).secret == secret


def test_the_creation_is_audited_without_the_secret_or_the_url_token(cast):
    administrator = with_permission(cast.administrator, "add_webhook")

    webhook, secret = create_webhook(
        administrator, name="钉钉群", url="https://oapi.example/robot/send?access_token=t0ken"
    )

    entry = AuditEntry.objects.get(action="notifications.webhook.create")
    assert (entry.actor, entry.target_id) == (administrator, str(webhook.pk))
    assert entry.data["url"] == "https://oapi.example/robot/send"
    written = json.dumps(entry.data) + entry.summary
    assert secret not in written
    assert "t0ken" not in written


def test_a_failed_delivery_can_be_sent_again_by_an_administrator(cast, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    webhook, _ = hook(receiver.url)
    receiver.statuses = [503, 200]
    raise_event()
    deliver_due_webhooks()
    failed = deliveries(webhook, DeliveryStatus.FAILED).get()

    with pytest.raises(NotAllowed):
        retry_delivery(cast.grid_worker_a, failed)
    retried = retry_delivery(with_permission(cast.administrator, "change_webhook"), failed)
    with pytest.raises(DeliveryNotFailed):
        retry_delivery(None, retried)
    report = deliver_due_webhooks()

    assert (retried.status, retried.attempts) == ("pending", 0)
    assert report.delivered == 1
    assert AuditEntry.objects.filter(action="notifications.delivery.retry").count() == 1
    assert deliveries(webhook, DeliveryStatus.DELIVERED).count() == 1
