"""The case loop. Besides the usual configuration, it offers its pages to the home workbench
and the main menu (`home_entries`, `nav_entries`), "my work" first."""

from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wangge.cases"
    label = "cases"
    verbose_name = _("Cases")
    # Due-soon notices and the supervision ladder (see services/supervision.py).
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.cases.services.supervision.sweep_deadlines", None),
    )

    def ready(self) -> None:
        from wangge.cases.models import Category
        from wangge.cases.services.categories import GENERATION
        from wangge.core import generations

        generations.follow(Category, GENERATION)

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Cards for the home workbench: {url, title, description, order}."""
        from wangge.cases.queries import may_dispatch, may_use_case_map
        from wangge.cases.services.categories import may_manage_categories
        from wangge.cases.services.intake import may_report

        user = request.user
        if not user.is_authenticated:
            return []
        entries: list[dict[str, object]] = [
            {
                "url": reverse("cases:my_work"),
                "title": gettext("My work"),
                "description": gettext("The cases waiting for you, the most urgent first."),
                "order": 0,
            }
        ]
        if may_report(user):
            entries.append(
                {
                    "url": reverse("cases:report"),
                    "title": gettext("Report a case"),
                    "description": gettext("Photo, place and a few words: filed in a minute."),
                    "order": 1,
                }
            )
        if may_dispatch(user):
            entries.append(
                {
                    "url": reverse("cases:dispatch"),
                    "title": gettext("Dispatch console"),
                    "description": gettext("Accept, dispatch in bulk, chase the overdue."),
                    "order": 1,
                }
            )
        entries.append(
            {
                "url": reverse("cases:list"),
                "title": gettext("Cases"),
                "description": gettext("Every case of your area: search, filter, export."),
                "order": 2,
            }
        )
        if may_use_case_map(user):
            entries.append(
                {
                    "url": reverse("cases:map"),
                    "title": gettext("Case map"),
                    "description": gettext(
                        "Grids coloured by their open or overdue cases; tap one for its cases."
                    ),
                    "order": 2,
                }
            )
        if may_manage_categories(user):
            entries.append(
                {
                    "url": reverse("cases:categories"),
                    "title": gettext("Categories"),
                    "description": gettext(
                        "Categories of cases, their deadlines and supervision ladder."
                    ),
                    "order": 20,
                }
            )
        return entries

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Main-menu links: {url, title, is_current, order}; the longest matching URL is
        current."""
        entries = [
            {"url": e["url"], "title": e["title"], "order": e["order"]}
            for e in self.home_entries(request)
        ]
        matching = [e for e in entries if request.path.startswith(str(e["url"]))]
        current = max(matching, key=lambda e: len(str(e["url"])), default=None)
        for entry in entries:
            entry["is_current"] = entry is current
        return entries
