from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "wangge.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    # Run by `wangge worker` (see wangge.core.jobs); None: every WORKER_TICK_SECONDS.
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.notifications.services.deliver_due_webhooks", None),
    )

    def ready(self) -> None:
        from wangge.core import generations
        from wangge.notifications.models import Webhook
        from wangge.notifications.services import WEBHOOK_GENERATION

        generations.follow(Webhook, WEBHOOK_GENERATION)
