"""`wangge webhooks add NAME URL [--events case.close,...]` registers a receiver (an upper-level
command platform) and prints its signing secret as the last line; `list` shows receivers with
their pending and failed deliveries; `pause NAME` / `resume NAME`; `retry NAME` sends its failed
deliveries again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from wangge.notifications.exceptions import NotificationsError, WebhookInvalid
from wangge.notifications.models import Webhook, WebhookDelivery
from wangge.notifications.services import create_webhook, retry_delivery, set_webhook_active


class Command(BaseCommand):
    help = "Manage outgoing webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="register a receiver; prints its secret last")
        add.add_argument("name")
        add.add_argument("url")
        add.add_argument("--events", default="", help="comma-separated kinds; empty: all")
        sub.add_parser("list", help="list receivers")
        for verb in ("pause", "resume", "retry"):
            sub.add_parser(verb).add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "add":
            kinds = [k.strip() for k in options["events"].split(",") if k.strip()]
            try:
                webhook, secret = create_webhook(
                    None, name=options["name"], url=options["url"], event_kinds=kinds
                )
            except WebhookInvalid as error:
                raise CommandError(f"{error.field}: {error}") from error
            self.stdout.write(f"Webhook “{webhook.name}” → {webhook.url}")
            self.stdout.write("Signing secret (HMAC-SHA256; shown only now):")
            self.stdout.write(secret)
            return
        if verb == "list":
            rows = Webhook.objects.annotate(
                pending=Count("deliveries", filter=Q(deliveries__status="pending")),
                failed=Count("deliveries", filter=Q(deliveries__status="failed")),
            ).order_by("name")
            for webhook in rows:
                state = "active" if webhook.is_active else "paused"
                self.stdout.write(
                    f"{webhook.name}\t{webhook.url}\t{state}\t"
                    f"pending={webhook.pending}\tfailed={webhook.failed}"
                )
            return
        webhook = Webhook.objects.filter(name=options["name"]).first()
        if webhook is None:
            raise CommandError(f"no such webhook: {options['name']}")
        try:
            if verb in ("pause", "resume"):
                set_webhook_active(None, webhook, verb == "resume")
                self.stdout.write(f"{webhook.name}: {'resumed' if verb == 'resume' else 'paused'}")
            else:
                failed = WebhookDelivery.objects.filter(webhook=webhook, status="failed")
                count = 0
                for delivery in failed:
                    retry_delivery(None, delivery)
                    count += 1
                self.stdout.write(f"{webhook.name}: {count} failed deliveries queued again")
        except NotificationsError as error:
            raise CommandError(str(error)) from error
