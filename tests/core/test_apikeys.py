"""API keys: created once and shown once, acting as one account, refused once revoked; and the
API answering a request signed with `X-API-Key` exactly as it answers that account's session."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import make_user
from wangge.cases.models import Case
from wangge.core import clock
from wangge.core.apikeys import ApiKeyInvalid, create_api_key, revoke_api_key, user_for_api_key
from wangge.core.models import ApiKey, AuditEntry, User

API = "/api/v1"
IN_GRID_A = {"lon": 113.085, "lat": 22.585}


def create_by_command(*args: str) -> str:
    """Run `wangge apikey create …` and return the key it prints as its last line."""
    out = io.StringIO()
    call_command("apikey", "create", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


# --- the services -----------------------------------------------------------------------------


def test_a_key_is_shown_once_and_stored_only_as_a_hash(db):
    # When a superuser's tool creates a key for the hotline platform
    key, raw = create_api_key(None, "hotline")

    # Then the key works, the row holds only its hash and a short prefix
    assert raw.startswith("wg_")
    assert len(raw) > 40
    assert user_for_api_key(raw) == key.user
    stored = ApiKey.objects.get(name="hotline")
    assert raw not in (stored.key_hash, stored.prefix)
    assert raw.startswith(stored.prefix)
    # and it acts as a new account of its own, with no password and no role
    assert key.user.username == "api:hotline"
    assert not key.user.has_usable_password()
    assert AuditEntry.objects.filter(action="api_key.create").count() == 1


def test_a_key_may_act_as_an_existing_account(cast):
    _key, raw = create_api_key(None, "command platform", user=cast.dispatcher)
    assert user_for_api_key(raw) == cast.dispatcher


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_key_needs_a_name(db, name):
    with pytest.raises(ApiKeyInvalid) as refused:
        create_api_key(None, name)
    assert refused.value.field == "name"
    assert ApiKey.objects.count() == 0


def test_two_keys_cannot_share_a_name(db):
    create_api_key(None, "hotline")
    with pytest.raises(ApiKeyInvalid) as refused:
        create_api_key(None, "hotline")
    assert refused.value.field == "name"
    assert ApiKey.objects.count() == 1


def test_only_a_superuser_creates_keys(cast):
    with pytest.raises(ApiKeyInvalid) as refused:
        create_api_key(cast.administrator, "hotline")
    assert refused.value.field == "actor"
    boss = User.objects.create_superuser("root", password=None)
    key, raw = create_api_key(boss, "hotline")
    assert user_for_api_key(raw) == key.user


def test_a_revoked_key_stops_working(db):
    key, raw = create_api_key(None, "hotline")

    revoke_api_key(None, key)

    assert user_for_api_key(raw) is None
    assert AuditEntry.objects.filter(action="api_key.revoke").count() == 1


def test_a_key_of_a_deactivated_account_stops_working(db):
    key, raw = create_api_key(None, "hotline")
    User.objects.filter(pk=key.user_id).update(is_active=False)
    assert user_for_api_key(raw) is None


@pytest.mark.parametrize(
    "raw", [None, "", "wg_", "wg_not-a-key", "not-even-the-prefix", "wg_" * 50]
)
def test_a_wrong_key_finds_no_one(db, raw):
    create_api_key(None, "hotline")
    assert user_for_api_key(raw) is None


def test_use_is_recorded_at_most_every_few_minutes(db):
    key, raw = create_api_key(None, "hotline")
    start = clock.now()
    with clock.frozen_at(start):
        user_for_api_key(raw)
    with clock.frozen_at(start + timedelta(minutes=1)):
        user_for_api_key(raw)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == start
    with clock.frozen_at(start + timedelta(minutes=10)):
        user_for_api_key(raw)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == start + timedelta(minutes=10)


# --- the command ------------------------------------------------------------------------------


def test_the_command_prints_the_key_last(cast):
    raw = create_by_command("hotline", "--user", cast.dispatcher.username)
    assert user_for_api_key(raw) == cast.dispatcher


def test_the_command_refuses_an_unknown_account(db):
    with pytest.raises(CommandError, match="no such user"):
        create_by_command("hotline", "--user", "nobody")
    assert ApiKey.objects.count() == 0


def test_the_command_revokes_and_lists_keys(db):
    raw = create_by_command("hotline")
    out = io.StringIO()
    call_command("apikey", "revoke", "hotline", stdout=out)
    call_command("apikey", "list", stdout=out)
    assert user_for_api_key(raw) is None
    assert "revoked" in out.getvalue()
    assert raw not in out.getvalue()


# --- the API ----------------------------------------------------------------------------------


def test_a_system_calls_the_api_with_the_key_the_command_printed(cast):
    # Given a key for the hotline platform, acting as the district dispatcher
    raw = create_by_command("hotline", "--user", cast.dispatcher.username)

    # When the platform lists cases with it, and no session
    response = Client().get(f"{API}/cases", HTTP_X_API_KEY=raw)

    # Then it is answered as the dispatcher
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_a_system_reports_with_its_key_and_no_csrf_token(cast):
    # Given a key, and a client that enforces CSRF as a browser would
    raw = create_by_command("hotline", "--user", cast.dispatcher.username)
    system = Client(enforce_csrf_checks=True)

    # When the system reports a case with the key
    response = system.post(
        f"{API}/cases",
        {"category": "C0104", "description": "路灯不亮", "channel": "hotline", **IN_GRID_A},
        "application/json",
        HTTP_X_API_KEY=raw,
    )

    # Then it is filed as reported by the dispatcher's account
    assert response.status_code == 201, response.content
    assert Case.objects.get().reported_by == cast.dispatcher


def test_a_session_still_needs_its_csrf_token_to_write(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.dispatcher)

    response = browser.post(
        f"{API}/cases", {"category": "C0104", "description": "x", **IN_GRID_A}, "application/json"
    )

    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_a_key_answers_with_the_scope_of_its_account(cast):
    # Given a key acting as the grid worker of grid B, and a case in grid A
    raw = create_by_command("grid b app", "--user", cast.grid_worker_b.username)
    case = Client()
    case.force_login(cast.grid_worker_a)
    number = case.post(
        f"{API}/cases", {"category": "C0104", "description": "x", **IN_GRID_A}, "application/json"
    ).json()["number"]

    # Then with the key, as with the account, the case does not exist
    assert Client().get(f"{API}/cases/{number}", HTTP_X_API_KEY=raw).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_key_is_refused(cast, method):
    create_by_command("hotline", "--user", cast.dispatcher.username)
    response = getattr(Client(), method)(f"{API}/cases", HTTP_X_API_KEY="wg_wrong")
    assert response.status_code == 401
    assert Case.objects.count() == 0


def test_a_revoked_key_is_refused(cast):
    raw = create_by_command("hotline", "--user", cast.dispatcher.username)
    call_command("apikey", "revoke", "hotline", stdout=io.StringIO())

    response = Client().get(f"{API}/cases", HTTP_X_API_KEY=raw)

    assert response.status_code == 401


def test_a_wrong_key_is_refused_even_beside_a_session(cast):
    # A caller who sends a key means it: a bad one is not quietly replaced by the session.
    browser = Client()
    browser.force_login(cast.dispatcher)
    response = browser.get(f"{API}/cases", HTTP_X_API_KEY="wg_wrong")
    assert response.status_code == 401


def test_the_org_endpoints_take_a_key_too(cast):
    raw = create_by_command("map", "--user", make_user("mapper").username)
    response = Client().get(f"{API}/locate", IN_GRID_A, HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response.json()["grid"]["code"] == cast.tree.grid_a.code
