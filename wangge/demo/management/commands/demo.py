"""`wangge demo`: load the demo district 蓬江区 (idempotent) and print what it holds and how to
log in. This is what `make demo` shows before it starts the server."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.demo.loader import DEMO_PASSWORD, demo_summary, load_demo
from wangge.org.exceptions import OrgError
from wangge.org.roles import Role


def display_width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def format_table(rows: list[list[str]]) -> list[str]:
    widths = [max(display_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(
            cell + " " * (width - display_width(cell))
            for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo district 蓬江区 with its towns, communities, grids, people and one account "
        "per role. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            load = load_demo()
        except OrgError as refusal:
            # Only when someone changed the demo's map so that it no longer fits back.
            raise CommandError(str(refusal)) from refusal
        if not load.changed_anything:
            self.stdout.write(_("The demo was already loaded; nothing changed."))
        else:
            self.stdout.write(
                _(
                    "Demo loaded in %(seconds).1f s: %(units)d units and %(accounts)d accounts "
                    "created, %(roles)d roles granted."
                )
                % {
                    "seconds": load.seconds,
                    "units": load.created_units,
                    "accounts": load.created_accounts,
                    "roles": load.granted_roles,
                }
            )
        if load.created_cases:
            self.stdout.write(
                _("%(count)d demo cases filed and moved through the loop.")
                % {"count": load.created_cases}
            )
        if load.trained_models:
            self.stdout.write(
                _(
                    "A routing model was trained from the demo's closed cases; the dispatcher "
                    "sees its suggestions on the dispatch console."
                )
            )
        if load.registered_people:
            self.stdout.write(
                _("%(count)d residents registered in the demo grid's houses.")
                % {"count": load.registered_people}
            )
        if load.community_work_rows:
            self.stdout.write(
                _(
                    "%(count)d rows of community work added: canvass campaigns, two-way "
                    "claiming, meetings and votes, information reports and an evaluation round."
                )
                % {"count": load.community_work_rows}
            )
        if load.restored_units:
            self.stdout.write(
                _("Put back after being renamed or redrawn: %(codes)s")
                % {"codes": " ".join(load.restored_units)}
            )
        summary = demo_summary()
        self.stdout.write("")
        for label, value in (
            (_("Towns and subdistricts"), summary.towns),
            (_("Communities"), summary.communities),
            (_("Villages"), summary.villages),
            (_("Grids"), summary.grids),
            (_("Full-time grid workers"), summary.grid_workers),
            (_("Part-time grid workers"), summary.part_time_grid_workers),
            (_("Building volunteers"), summary.building_volunteers),
            (_("Departments"), summary.departments),
        ):
            self.stdout.write(f"  {label}: {value}")
        self.stdout.write("")
        self.stdout.write(
            _("Demo accounts (all with the password %(password)s):") % {"password": DEMO_PASSWORD}
        )
        rows = [[_("Account"), _("Role"), _("Unit"), _("Password")]]
        rows += [
            [account.username, str(Role(account.role).label), unit_name, DEMO_PASSWORD]
            for account, unit_name in summary.accounts
        ]
        for line in format_table(rows):
            self.stdout.write(f"  {line}")
