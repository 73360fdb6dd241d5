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
        ("wangge.analytics.rollups.apply_settled", 5),
        # Last week's / month's scheduled reports, once each (a unique constraint).
        ("wangge.analytics.reports.make_scheduled_reports", 300),
        # New hot spots of each district and town, told once to its dispatchers and leaders.
        ("wangge.analytics.hotspots.alert_hot_spots", 3600),
        # New hot topics (groups of similar requests) of each district and town, told once.
        ("wangge.routing.hot_topics.alert_hot_topics", 3600),
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
            },
            {
                "url": reverse("analytics:map"),
                "title": gettext("Map of figures"),
                "description": gettext("Grids coloured by any figure, and the heat map of cases."),
                "order": 4,
            },
            {
                "url": reverse("analytics:hotspots"),
                "title": gettext("Hot spots"),
                "description": gettext("Places and categories well above their usual level."),
                "order": 4,
            },
            {
                "url": reverse("analytics:topics"),
                "title": gettext("Hot topics"),
                "description": gettext("Groups of similar requests, with the cases behind each."),
                "order": 4,
            },
            {
                "url": reverse("analytics:reports"),
                "title": gettext("Reports"),
                "description": gettext("Weekly and monthly reports: Excel, PDF, schedules."),
                "order": 4,
            },
            {
                "url": reverse("analytics:screen"),
                "title": gettext("Big screen"),
                "description": gettext(
                    "A full-screen, self-refreshing wall display for the command centre."
                ),
                "order": 5,
            },
        ]

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """One menu entry, the dashboard, current on every analytics page (the dashboard links
        to the others)."""
        entries = self.home_entries(request)[:1]
        return [
            {**entry, "is_current": request.path.startswith("/analytics/")} for entry in entries
        ]
