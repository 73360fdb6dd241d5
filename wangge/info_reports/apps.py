"""Information reports (信息报送): urgent information sent up the org tree with a first-report
deadline (首报时限), followed like a case deadline.

The worker reminds receivers of reports not signed for and reporters of requested continued
reports (`periodic_jobs`); the app offers its pages to the home workbench and the main menu."""

from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MINUTE = 60.0


class InfoReportsConfig(AppConfig):
    name = "wangge.info_reports"
    label = "info_reports"
    verbose_name = _("Information reports")
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.info_reports.services.reminders.sweep_info_reports", MINUTE),
    )

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        from wangge.info_reports.permissions import may_manage_kinds, may_receive, may_report

        user = request.user
        if not user.is_authenticated:
            return []
        entries: list[dict[str, object]] = []
        if may_report(user):
            entries.append(
                {
                    "url": reverse("info_reports:mine"),
                    "title": gettext("Information reports"),
                    "description": gettext(
                        "Send urgent information up in minutes: first, continued, final report."
                    ),
                    "order": 3,
                }
            )
        if may_receive(user):
            entries.append(
                {
                    "url": reverse("info_reports:received"),
                    "title": gettext("Received information reports"),
                    "description": gettext(
                        "Sign for urgent reports, ask for more, forward them upward."
                    ),
                    "order": 3,
                }
            )
        if may_manage_kinds(user):
            entries.append(
                {
                    "url": reverse("info_reports:kinds"),
                    "title": gettext("Kinds of information"),
                    "description": gettext("Kinds of urgent information and their time limits."),
                    "order": 21,
                }
            )
        return entries

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        entries = [
            {"url": e["url"], "title": e["title"], "order": e["order"]}
            for e in self.home_entries(request)
        ]
        matching = [e for e in entries if request.path.startswith(str(e["url"]))]
        current = max(matching, key=lambda e: len(str(e["url"])), default=None)
        for entry in entries:
            entry["is_current"] = entry is current
        return entries
