"""The org app: the org tree, grids and their boundaries, locating points, members and roles.

Besides the usual configuration, it offers the pages it owns to the home workbench
(`home_entries`) and to the main menu (`nav_entries`), each according to what the user may do.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class OrgConfig(AppConfig):
    name = "wangge.org"
    label = "org"
    verbose_name = gettext_lazy("Organisation and grids")

    def home_entries(self, request: HttpRequest) -> list[dict[str, str]]:
        """Cards for the home workbench: {url, title, description}."""
        from wangge.org.permissions import scope_for
        from wangge.org.roles import Capability

        entries: list[dict[str, str]] = []
        if not scope_for(request.user, Capability.VIEW_ORG).is_empty:
            entries.append(
                {
                    "url": reverse("org:tree"),
                    "title": _("Org tree"),
                    "description": _("Units and grids of your area, and who works in each."),
                }
            )
            entries.append(
                {
                    "url": reverse("org:map"),
                    "title": _("Grid map"),
                    "description": _("Find your grid, or the grid of any place you tap."),
                }
            )
        if not scope_for(request.user, Capability.MANAGE_ORG).is_empty:
            entries.append(
                {
                    "url": reverse("org:grid_import"),
                    "title": _("Import grids"),
                    "description": _(
                        "Upload grid boundaries as GeoJSON; download the current ones."
                    ),
                }
            )
        if not scope_for(request.user, Capability.MANAGE_MEMBERS).is_empty:
            entries.append(
                {
                    "url": reverse("org:people_home"),
                    "title": _("Accounts and roles"),
                    "description": _("Who holds which role where: create accounts, grant roles."),
                }
            )
        return entries

    def nav_entries(self, request: HttpRequest) -> list[dict[str, object]]:
        """Main-menu links: {url, title, is_current}; the longest matching URL is current."""
        entries: list[dict[str, object]] = [
            {"url": entry["url"], "title": entry["title"]} for entry in self.home_entries(request)
        ]
        matching = [e for e in entries if request.path.startswith(str(e["url"]))]
        current = max(matching, key=lambda e: len(str(e["url"])), default=None)
        for entry in entries:
            entry["is_current"] = entry is current
        return entries
