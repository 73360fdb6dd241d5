"""Fixtures of the campaigns' tests: the shipped outcome codes (a committing test elsewhere may
have flushed them) and a building volunteer of grid A."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _outcome_codes(db) -> None:
    import importlib

    from django.apps import apps

    module = importlib.import_module("wangge.campaigns.migrations.0002_default_outcome_codes")
    module.add_default_outcomes(apps, None)


@pytest.fixture
def volunteer(cast):
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    user = make_user("vol_a", "志愿楼长甲")
    grant_role(None, user, cast.tree.grid_a, Role.BUILDING_VOLUNTEER)
    return user
