"""Two-way claiming (双向认领): member units' resources, residents' and communities' needs, planned
services, the agreements that match them, and volunteers. Offers the overview to the home
workbench and the main menu of those who see claims, the member unit's own page to its
contacts' accounts, and what waits (open needs, overdue agreements, registrations and hours to
confirm) to the "my work" of community staff."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "wangge.claims"
    label = "claims"
    verbose_name = _("Two-way claiming")

    def home_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Cards for the home workbench: {url, title, description, order}."""
        from wangge.claims.permissions import contact_of
        from wangge.org.permissions import scope_for
        from wangge.org.roles import Capability

        user = request.user
        if not user.is_authenticated:
            return []
        entries: list[dict[str, object]] = []
        contact = contact_of(user)
        if contact is not None:
            entries.append(
                {
                    "url": reverse("claims:unit_home"),
                    "title": contact.member_unit.name,
                    "description": gettext(
                        "Your member unit: open needs to claim, your agreements and progress."
                    ),
                    "order": 2,
                }
            )
        if not scope_for(user, Capability.VIEW_CLAIMS).is_empty:
            entries.append(
                {
                    "url": reverse("claims:home"),
                    "title": gettext("Two-way claiming"),
                    "description": gettext(
                        "Member units' resources, needs, projects, agreements and volunteers."
                    ),
                    "order": 12,
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

    def work_panels(self, request: HttpRequest) -> list[dict[str, Any]]:
        """For community staff: overdue agreements first, then open needs (one query each)."""
        from wangge.claims import queries
        from wangge.claims.models import NeedState
        from wangge.claims.permissions import visible_needs
        from wangge.org.permissions import roles_of
        from wangge.org.roles import Role

        user = request.user
        if not user.is_authenticated or Role.COMMUNITY_STAFF not in roles_of(user):
            return []
        overdue = queries.agreement_list(user, overdue=True)  # type: ignore[arg-type]
        open_needs = visible_needs(user).filter(state=NeedState.OPEN)  # type: ignore[arg-type]
        needs = list(open_needs.select_related("community").order_by("wanted_by", "-pk")[:5])
        items = [
            {
                "title": agreement.title,
                "detail": gettext("%(unit)s · overdue") % {"unit": agreement.member_unit.name},
                "url": reverse("claims:agreement", args=[agreement.pk]),
                "is_overdue": True,
            }
            for agreement in overdue[:5]
        ] + [
            {
                "title": need.title,
                "detail": gettext("Open need · %(community)s") % {"community": need.community.name},
                "url": reverse("claims:need", args=[need.pk]),
                "is_overdue": False,
            }
            for need in needs
        ]
        if not items:
            return []
        return [
            {
                "title": gettext("Two-way claiming"),
                "url": reverse("claims:home"),
                "count": len(overdue) + (open_needs.count() if len(needs) == 5 else len(needs)),
                "items": items[:5],
                "order": 30,
            }
        ]
