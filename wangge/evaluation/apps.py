"""Evaluation (考核): indicator systems the city configures, role figures, appeals and the
periodic results per person and unit. It reads analytics' figures; nothing reads it.

It offers its pages to the home workbench and the main menu (`home_entries`, `nav_entries`):
"evaluation" to whoever sees results or evaluates (a grid worker their own results; evaluators
rounds, systems and appeals), and "appeals" to those who may appeal a case for their unit."""

from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "wangge.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Cards for the home workbench: {url, title, description, order}."""
        from wangge.evaluation.permissions import (
            may_appeal_anywhere,
            may_evaluate_anywhere,
            may_view_anywhere,
        )

        user = request.user
        if not user.is_authenticated:
            return []
        entries: list[dict[str, object]] = []
        evaluates = may_evaluate_anywhere(user)
        if evaluates or may_view_anywhere(user):
            entries.append(
                {
                    "url": reverse("evaluation:home"),
                    "title": gettext("Evaluation"),
                    "description": gettext(
                        "Indicator systems, rounds, ranked results and appeals to decide."
                    )
                    if evaluates
                    else gettext("Your evaluation results and the details behind every score."),
                    "order": 14,
                }
            )
        if may_appeal_anywhere(user):
            entries.append(
                {
                    "url": reverse("evaluation:appeals"),
                    "title": gettext("Appeals"),
                    "description": gettext(
                        "Appeal a case your unit should not be scored on, with evidence."
                    ),
                    "order": 15,
                }
            )
        return entries

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Main-menu links: {url, title, is_current, order}; the longest matching URL is
        current (so /evaluation/appeals/ marks "appeals", not "evaluation")."""
        entries = [
            {"url": e["url"], "title": e["title"], "order": e["order"]}
            for e in self.home_entries(request)
        ]
        matching = [e for e in entries if request.path.startswith(str(e["url"]))]
        current = max(matching, key=lambda e: len(str(e["url"])), default=None)
        for entry in entries:
            entry["is_current"] = entry is current
        return entries
