"""One-time links: a random token goes into the link and only its SHA-256 is stored, so a copy
of the database opens no link. 32 random bytes: not guessable within any rate limit."""

from __future__ import annotations

import hashlib
import re
import secrets

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(_TOKEN.match(token or ""))
