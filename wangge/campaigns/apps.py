"""Canvass campaigns (敲门行动/摸排): who is to be visited, by whom, with which questionnaire,
and what each visit found. Offers the campaigns to the home workbench and the main menu, and a
helper's remaining visits to "my work"."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PANEL_ITEMS = 5


def _may_see_campaigns(request: HttpRequest) -> bool:
    from wangge.org.permissions import scope_for
    from wangge.org.roles import Capability

    user = request.user
    if not user.is_authenticated:
        return False
    return not (
        scope_for(user, Capability.VIEW_CAMPAIGNS).is_empty
        and scope_for(user, Capability.CANVASS).is_empty
    )


class CampaignsConfig(AppConfig):
    name = "wangge.campaigns"
    label = "campaigns"
    verbose_name = _("Canvass campaigns")

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        if not _may_see_campaigns(request):
            return []
        entries: list[dict[str, object]] = [
            {
                "url": reverse("campaigns:list"),
                "title": gettext("Canvass campaigns"),
                "description": gettext(
                    "Knock on every door: your visit lists, progress by grid, QR doorplates."
                ),
                "order": 5,
            }
        ]
        from wangge.campaigns.permissions import may_manage_outcomes

        if may_manage_outcomes(request.user):
            entries.append(
                {
                    "url": reverse("campaigns:outcomes"),
                    "title": gettext("Visit outcomes"),
                    "description": gettext(
                        "The outcomes a canvass visit records, and which count as reached."
                    ),
                    "order": 32,
                }
            )
        return entries

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        if not _may_see_campaigns(request):
            return []
        url = reverse("campaigns:list")
        return [
            {
                "url": url,
                "title": gettext("Canvass"),
                "order": 5,
                "is_current": request.path.startswith(url),
            }
        ]

    def work_panels(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The visitor's remaining targets of open campaigns, in list order (two queries)."""
        from wangge.campaigns.models import CampaignState, Target
        from wangge.campaigns.queries import LIST_ORDER

        user = request.user
        if not user.is_authenticated:
            return []
        remaining = Target.objects.filter(
            assignee=user, is_done=False, campaign__state=CampaignState.OPEN
        )
        count = remaining.count()
        if not count:
            return []
        first = list(
            remaining.select_related("campaign", "last_outcome").order_by(
                "campaign__ends_on", "campaign", *LIST_ORDER
            )[:PANEL_ITEMS]
        )
        items = [
            {
                "title": f"{t.compound_name} {t.label}".strip(),
                "detail": f"{t.campaign.title} · "
                + (t.last_outcome.name if t.last_outcome else gettext("to visit")),
                "url": reverse("campaigns:target", args=[t.pk]),
                "is_overdue": False,
            }
            for t in first
        ]
        return [
            {
                "title": gettext("Canvass visits to make"),
                "url": reverse("campaigns:mine", args=[first[0].campaign_id]),
                "count": count,
                "items": items,
                "order": 8,
            }
        ]
