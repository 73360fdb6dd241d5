"""Analytics: the figures of the case loop for any org unit and period, and the dashboard.
It reads every app; no app reads it."""

from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "wangge.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
    # Apply new case events to the rollups every few seconds (compare-and-set claims: safe to
    # run in several workers at once).
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.analytics.rollups.apply_pending", 5),
    )

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        from wangge.analytics.permissions import has_dashboard

        if not request.user.is_authenticated or not has_dashboard(request.user):
            return []
        return [
            {
                "url": reverse("analytics:dashboard"),
                "title": gettext("Dashboard"),
                "description": gettext("Counts, the three rates and trends of your area."),
                "order": 3,
            }
        ]

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        return [
            {**entry, "is_current": request.path.startswith(str(entry["url"]))}
            for entry in self.home_entries(request)
        ]
