"""Personal data at rest: authenticated encryption of single values and a keyed hash (blind
index) to find them again by exact value.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under the keys
in `settings.DATA_KEYS`: the first key encrypts, every key decrypts, so a key is rotated by
putting a new one first and re-encrypting (`reencrypt`). The blind index uses a separate key
(`settings.INDEX_KEY`) that does not rotate with them, so rotation never breaks a search.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionFailed(Exception):
    """A stored value cannot be read with any configured key (a key was removed too early)."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("WANGGE_DATA_KEYS holds no key")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "WANGGE_DATA_KEYS: every key must be 32 url-safe base64-encoded bytes "
            "(make one with `wangge data_key`)"
        ) from error


def _current() -> MultiFernet:
    return _fernet(tuple(settings.DATA_KEYS))


def encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise DecryptionFailed("a stored personal value could not be decrypted") from error


def reencrypt(token: str) -> str:
    """The token under the current first key (key rotation); unchanged value."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionFailed("a stored personal value could not be decrypted") from error


def new_data_key() -> str:
    return Fernet.generate_key().decode("ascii")


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash of `value` for exact search; `purpose` separates kinds (phone, id number),
    so equal strings of different kinds never match. Callers normalise `value` first."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plain value.

    Only `isnull` and exact comparison with "" make sense on ciphertext; search through a
    blind-index column instead.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull", "exact"}:
            raise NotImplementedError(
                f"{self.name} is encrypted: search it through its blind index, not '{lookup_name}'"
            )
        return super().get_lookup(lookup_name)
