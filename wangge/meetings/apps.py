"""Meetings and votes: topics, joint meetings with their decisions and tasks, votes with one-time
links, and the village procedure of four deliberations and two disclosures (四议两公开).

The worker closes votes whose time has come (`periodic_jobs`); the app offers its pages to the
home workbench and the main menu, and a user's open tasks to "my work"."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MINUTE = 60.0
PANEL_ITEMS = 5


class MeetingsConfig(AppConfig):
    name = "wangge.meetings"
    label = "meetings"
    verbose_name = _("Meetings and votes")
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.meetings.services.votes.close_due_votes", MINUTE),
    )

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        from wangge.meetings.permissions import may_view_any

        if not request.user.is_authenticated or not may_view_any(request.user):
            return []
        return [
            {
                "url": reverse("meetings:home"),
                "title": gettext("Meetings and votes"),
                "description": gettext(
                    "Topics, joint meetings, decisions and their tasks, votes and 四议两公开."
                ),
                "order": 20,
            }
        ]

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        entries = [
            {"url": e["url"], "title": e["title"], "order": e["order"]}
            for e in self.home_entries(request)
        ]
        for entry in entries:
            entry["is_current"] = request.path.startswith(str(entry["url"]))
        return entries

    def work_panels(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The user's open tasks from meeting decisions, the earliest deadline first."""
        from wangge.core import clock
        from wangge.meetings.queries import open_tasks_of

        user = request.user
        if not user.is_authenticated:
            return []
        tasks = list(open_tasks_of(user)[: PANEL_ITEMS + 1])  # type: ignore[arg-type]
        if not tasks:
            return []
        now = clock.now()
        count = len(tasks) if len(tasks) <= PANEL_ITEMS else open_tasks_of(user).count()  # type: ignore[arg-type]
        items = [
            {
                "title": task.title,
                "detail": gettext("%(place)s · due %(day)s")
                % {
                    "place": task.community.name,
                    "day": timezone.localdate(task.due_at).isoformat(),
                },
                "url": reverse("meetings:task", args=[task.pk]),
                "is_overdue": task.due_at < now,
            }
            for task in tasks[:PANEL_ITEMS]
        ]
        return [
            {
                "title": gettext("My tasks from meetings"),
                "url": reverse("meetings:tasks") + "?mine=1",
                "count": count,
                "items": items,
                "order": 20,
            }
        ]
