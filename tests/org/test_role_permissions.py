"""Roles held at the top of the tree bring the Django permissions of apps below org."""

from __future__ import annotations

from conftest import make_user
from wangge.notifications.services import create_webhook
from wangge.org.roles import Role
from wangge.org.services import grant_role


def test_a_city_administrator_may_add_webhooks(cast) -> None:
    assert cast.administrator.has_perm("notifications.add_webhook")

    webhook, _secret = create_webhook(
        cast.administrator, name="upper", url="https://command.example/hook"
    )

    assert webhook.pk is not None


def test_an_administrator_of_a_town_or_another_role_may_not(cast) -> None:
    town_admin = make_user("town_admin")
    grant_role(None, town_admin, cast.tree.town, Role.ADMINISTRATOR)

    assert not town_admin.has_perm("notifications.add_webhook")
    assert not cast.dispatcher.has_perm("notifications.add_webhook")
    assert not cast.outsider.has_perm("notifications.add_webhook")
