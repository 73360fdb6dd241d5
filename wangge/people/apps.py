"""The person-house registry. Expired sensitive tags are swept by the worker. Besides the usual
configuration, it offers its pages to the home workbench and the main menu (`home_entries`,
`nav_entries`) and the care visits due to "my work" (`work_panels`), each according to what the
user may do."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HOUR = 3600.0
PANEL_ITEMS = 5


class PeopleConfig(AppConfig):
    name = "wangge.people"
    label = "people"
    verbose_name = _("Person-house registry")
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.people.services.care.expire_sensitive_tags", HOUR),
        ("wangge.people.import_jobs.sweep_import_files", HOUR),
    )

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Cards for the home workbench: {url, title, description, order}."""
        from wangge.org.permissions import scope_for
        from wangge.org.roles import Capability
        from wangge.people.services import may_manage_tag_kinds

        user = request.user
        if not user.is_authenticated:
            return []
        entries: list[dict[str, object]] = []
        if not scope_for(user, Capability.VIEW_PEOPLE).is_empty:
            entries.append(
                {
                    "url": reverse("people:home"),
                    "title": gettext("Residents and houses"),
                    "description": gettext(
                        "Who lives where in your grids: find a person, a house, a rental."
                    ),
                    "order": 3,
                }
            )
        if not scope_for(user, Capability.MANAGE_PEOPLE).is_empty:
            entries.append(
                {
                    "url": reverse("people:visits_due"),
                    "title": gettext("Care visits due"),
                    "description": gettext("The people to visit now, the most overdue first."),
                    "order": 4,
                }
            )
        if may_manage_tag_kinds(user):
            entries.append(
                {
                    "url": reverse("people:tag_kinds"),
                    "title": gettext("Person tags"),
                    "description": gettext(
                        "The tags people are given, how often they are visited, who sees them."
                    ),
                    "order": 31,
                }
            )
        if not scope_for(user, Capability.READ_AUDIT).is_empty:
            entries.append(
                {
                    "url": reverse("people:audit"),
                    "title": gettext("Log of reveals"),
                    "description": gettext(
                        "Who saw a whole ID or phone number, whose, when and why."
                    ),
                    "order": 30,
                }
            )
        return entries

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Main-menu links: {url, title, is_current, order}; the longest matching URL is
        current. The visits due are reached from the registry and "my work", and the tags from
        the workbench and the registry, not the menu (a whole-city administrator's menu is full)."""
        off_menu = {reverse("people:visits_due"), reverse("people:tag_kinds")}
        entries = [
            {"url": e["url"], "title": e["title"], "order": e["order"]}
            for e in self.home_entries(request)
            if e["url"] not in off_menu
        ]
        matching = [e for e in entries if request.path.startswith(str(e["url"]))]
        current = max(matching, key=lambda e: len(str(e["url"])), default=None)
        for entry in entries:
            entry["is_current"] = entry is current
        return entries

    def work_panels(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The care visits due now, for "my work" (see `wangge.core.menus`): one scoped query
        (`visits_due`), for those who make the visits."""
        from wangge.core import clock
        from wangge.org.permissions import roles_of
        from wangge.org.roles import Role
        from wangge.people.services import visits_due

        user = request.user
        # Those who make the visits: a district's administrator keeps the registry too, but
        # their "my work" is not the place for every grid's visits (nor worth the reading).
        visitors = {Role.GRID_WORKER, Role.PART_TIME_GRID_WORKER, Role.COMMUNITY_STAFF}
        if not user.is_authenticated or not roles_of(user) & visitors:
            return []
        today = clock.today()
        due = visits_due(user, today=today)  # type: ignore[arg-type]
        items = [
            {
                "title": item.person.name,
                "detail": gettext("%(tag)s · due %(day)s")
                % {"tag": item.reason, "day": item.due.isoformat()},
                "url": reverse("people:person", args=[item.person.pk]),
                "is_overdue": item.due < today,
            }
            for item in due[:PANEL_ITEMS]
        ]
        return [
            {
                "title": gettext("Care visits due"),
                "url": reverse("people:visits_due"),
                "count": len(due),
                "items": items,
                "order": 10,
            }
        ]
