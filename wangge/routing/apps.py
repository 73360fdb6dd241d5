"""Routing (智能分拨): the platform's first read of every new request. A classifier trained on
the platform's own closed cases suggests a category (and so its default department); above the
confidence the city sets, the system accepts and dispatches the case itself. The case loop
never waits on a model: suggestions are made by the worker, after the case is reported."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "wangge.routing"
    label = "routing"
    verbose_name = _("Routing")
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        # New reported cases get a suggestion (and maybe an automatic dispatch) within seconds.
        ("wangge.routing.services.suggest_new_cases", 5),
        # What dispatchers did with the suggestions: confirmed, or corrected (training data).
        ("wangge.routing.services.record_outcomes", 60),
    )

    def case_notes(self, request: HttpRequest, cases: list[Any]) -> dict[int, str]:
        """The suggested category of each case waiting to be accepted, for the console."""
        from wangge.routing.models import Suggestion

        found = Suggestion.objects.filter(case__in=cases).select_related("category")
        return {
            suggestion.case_id: gettext("Suggested: %(category)s (%(percent)d%%)")
            % {
                "category": suggestion.category.name,
                "percent": round(suggestion.confidence * 100),
            }
            for suggestion in found
        }

    def case_panels(self, request: HttpRequest, case: Any, actions: set[str]) -> list[dict]:
        """On the case's page: the suggested category (a one-click accept with it for whoever
        may accept the case now) and, for whoever may merge it, the open cases it may repeat
        (a one-click merge into each)."""
        from wangge.cases.workflow import CaseAction
        from wangge.routing.services import likely_duplicates_for, suggestion_for

        panels: list[dict] = []
        suggestion = suggestion_for(case)
        if suggestion is not None:
            panels.append(
                {
                    "template": "routing/case_panel.html",
                    "order": 10,
                    "suggestion": suggestion,
                    "alternatives": suggestion.alternative_categories(),
                    "may_accept": CaseAction.ACCEPT in actions,
                }
            )
        if CaseAction.MERGE in actions:
            matches = likely_duplicates_for(request.user, case)  # type: ignore[arg-type]
            if matches:
                panels.append(
                    {
                        "template": "routing/duplicates_panel.html",
                        "order": 11,
                        "case": case,
                        "matches": matches,
                    }
                )
        return panels

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """For an administrator of the whole city: the model versions and automatic dispatch."""
        from wangge.routing.services import may_manage_routing

        user = request.user
        if not user.is_authenticated or not may_manage_routing(user):  # type: ignore[arg-type]
            return []
        return [
            {
                "url": reverse("routing:versions"),
                "title": gettext("Routing models"),
                "description": gettext(
                    "Train the classifier that suggests each case's category, compare its "
                    "versions, set automatic dispatch."
                ),
                "order": 22,
            }
        ]

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Main-menu links: {url, title, is_current, order}."""
        return [
            {
                "url": entry["url"],
                "title": entry["title"],
                "order": entry["order"],
                "is_current": request.path.startswith(str(entry["url"])),
            }
            for entry in self.home_entries(request)
        ]
