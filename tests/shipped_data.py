"""The rows migrations ship (grid kinds, categories, tag kinds, canvass outcome codes, quorum
rules), put back after a committing test's flush removed them. Django's serialized rollback
would do this, but it clashes with the flushes of the committing tests that run before
(duplicate content types)."""

from __future__ import annotations

import importlib

SHIPPED = (
    ("wangge.org.migrations.0002_default_grid_kinds", "add_default_kinds"),
    ("wangge.cases.migrations.0002_default_categories", "add_default_categories"),
    ("wangge.people.migrations.0002_default_tag_kinds", "add_default_tag_kinds"),
    ("wangge.campaigns.migrations.0002_default_outcome_codes", "add_default_outcomes"),
    ("wangge.meetings.migrations.0002_default_quorum_rules", "add_default_quorum_rules"),
    ("wangge.info_reports.migrations.0003_default_kinds", "add_default_kinds"),
)


def restore_shipped_rows() -> None:
    from django.apps import apps

    for module, function in SHIPPED:
        getattr(importlib.import_module(module), function)(apps, None)
