"""`wangge webhooks`: register a receiver from the shell, see it, pause it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wangge.notifications.models import Webhook


def run(*args: str) -> str:
    out = StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue()


def test_an_operator_registers_a_receiver_and_gets_its_secret_last(db) -> None:
    output = run("add", "district", "https://command.example/hook", "--events", "case.close")

    secret = output.strip().splitlines()[-1]
    webhook = Webhook.objects.get(name="district")
    assert webhook.secret == secret
    assert webhook.event_kinds == ["case.close"]
    assert "district" in run("list")


def test_pausing_and_resuming_a_receiver(db) -> None:
    run("add", "district", "https://command.example/hook")

    run("pause", "district")
    assert not Webhook.objects.get(name="district").is_active
    run("resume", "district")
    assert Webhook.objects.get(name="district").is_active


def test_a_bad_url_is_refused_with_the_field_named_and_nothing_kept(db) -> None:
    with pytest.raises(CommandError, match="url"):
        run("add", "district", "ftp://command.example/hook")

    assert not Webhook.objects.exists()
