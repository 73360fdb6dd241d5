"""API keys for systems: created once (the key is printed and never stored), found again by
its SHA-256 hash, and acting as one account, so every scope rule that applies to a person
applies to the system too.

A key is 32 random bytes, url-safe: a hash without a salt is enough (nothing to brute-force),
and lets a lookup be one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core import audit, clock
from wangge.core.models import ApiKey, User

KEY_PREFIX = "wg_"
# last_used_at is written at most this often per key, so busy integrations do not write a row
# on every request.
_TOUCH_EVERY = timedelta(minutes=5)


class ApiKeyInvalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(
    actor: User | None, name: str, *, user: User | None = None
) -> tuple[ApiKey, str]:
    """A new key named `name`, acting as `user` (default: a new account of the same name with
    no password and no roles; grant it roles like any account). Returns (key row, raw key)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ApiKeyInvalid("name", _("Give the key a name of 1 to 64 characters."))
    if actor is not None and not actor.is_superuser:
        raise ApiKeyInvalid("actor", _("Only a superuser may create API keys."))
    with transaction.atomic():
        if ApiKey.objects.filter(name=name).exists():
            raise ApiKeyInvalid(
                "name", _("A key named “%(name)s” exists already.") % {"name": name}
            )
        if user is None:
            username = f"api:{name}"[:150]
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, full_name=name[:64])
                user.set_unusable_password()
                user.save()
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey.objects.create(
            name=name,
            prefix=raw[:10],
            key_hash=_hash(raw),
            user=user,
            created_at=clock.now(),
        )
        audit.record(actor, "api_key.create", key, f"API key {name} for {user.get_username()}")
    return key, raw


def user_for_api_key(raw: str | None) -> User | None:
    """The active account behind an active key, or None."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = ApiKey.objects.select_related("user").filter(key_hash=_hash(raw), is_active=True).first()
    if key is None or not key.user.is_active:
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


def revoke_api_key(actor: User | None, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    audit.record(actor, "api_key.revoke", key, f"API key {key.name} revoked")
