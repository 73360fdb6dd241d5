"""Rate limits kept in the database, so that every process serving the site shares one count
and no cache server is needed: the abuse guard of pages open to the public (no captcha).

`hit(key, limit=, window_seconds=)` counts one request under `key` in the current window and
says whether the count is still within `limit`. It is one statement — an upsert returning the
new count, on SQLite 3.35+ and PostgreSQL alike — so two processes counting at once never lose
a count. A caller that runs `hit` inside the transaction of the work it guards has the count
undone with the work when the work is refused (a mistyped form does not use up a limit).

Windows are fixed and aligned to the epoch (an hour runs from one full UTC hour to the next, a
day from UTC midnight): a burst across a boundary may pass up to twice the limit, which is
enough to stop a flood and costs one row per key and window. Ended windows are deleted by
`sweep_rate_counters`, a periodic job of the core app (`wangge worker`).

Keys never hold an address or a phone in clear: `hashed_key` turns them into a keyed hash (the
blind index of `crypto.py`; a plain hash of a phone number is easy to reverse). `client_ip`
reads the client's address from REMOTE_ADDR, and from X-Forwarded-For only when the request
comes from one of `settings.TRUSTED_PROXIES` (WANGGE_TRUSTED_PROXIES).
"""

from __future__ import annotations

import ipaddress
import math
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import ngettext

from wangge.core import clock
from wangge.core.crypto import blind_index
from wangge.core.models import RateCounter

_TABLE = "core_ratecounter"
_KEY_PURPOSE = "ratelimit"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Only so many forwarded addresses are looked at (a client may send any number).
_MAX_FORWARDED = 20


def window_start(window_seconds: int, now: datetime | None = None) -> datetime:
    """The start of the fixed window of `window_seconds` that holds `now` (default: now)."""
    if window_seconds < 1:
        raise ValueError("window_seconds must be at least 1")
    moment = now or clock.now()
    elapsed = math.floor((moment - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=elapsed - elapsed % window_seconds)


def retry_after(window_seconds: int, now: datetime | None = None) -> int:
    """Whole seconds until the current window ends (for a Retry-After header)."""
    moment = now or clock.now()
    ends = window_start(window_seconds, moment) + timedelta(seconds=window_seconds)
    return max(1, math.ceil((ends - moment).total_seconds()))


def count_hit(key: str, *, window_seconds: int) -> int:
    """Count one request under `key` in the current window; the count including this one."""
    if not key or len(key) > RateCounter._meta.get_field("key").max_length:
        raise ValueError("a rate-limit key must be 1 to 100 characters")
    now = clock.now()
    start = window_start(window_seconds, now)
    expires = start + timedelta(seconds=window_seconds)
    quote = connection.ops.quote_name
    table = quote(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('key')}, {quote('window_start')}, "  # noqa: S608
            f"{quote('expires_at')}, {quote('count')}) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT ({quote('key')}, {quote('window_start')}) "
            f"DO UPDATE SET {quote('count')} = {table}.{quote('count')} + 1 "
            f"RETURNING {quote('count')}",
            [
                key,
                connection.ops.adapt_datetimefield_value(start),
                connection.ops.adapt_datetimefield_value(expires),
            ],
        )
        (count,) = cursor.fetchone()
    return int(count)


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request under `key`; True while the count in this window is within `limit`."""
    return count_hit(key, window_seconds=window_seconds) <= limit


def hashed_key(name: str, value: str) -> str:
    """The key of `value` (an address, a normalised phone) under the limit called `name`."""
    return f"{name}:{blind_index(value, f'{_KEY_PURPOSE}:{name}')}"


def sweep_rate_counters() -> str | None:
    """Delete the counters of ended windows (a periodic job); a summary when any were."""
    deleted, _by_model = RateCounter.objects.filter(expires_at__lte=clock.now()).delete()
    return f"rate limits: {deleted} ended window(s) deleted" if deleted else None


# --- the client's address ---------------------------------------------------------------------


@cache
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, raw: str) -> str:
    """What one client is counted as: an IPv4 address, or an IPv6 /64 (one home or phone is
    given a whole /64, and could otherwise take a new address for every request)."""
    if address is None:
        return raw.strip()[:64] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from, as a rate-limit bucket. Behind a reverse proxy, list
    the proxy in WANGGE_TRUSTED_PROXIES (and have it set X-Forwarded-For): the nearest address
    in that header not itself a trusted proxy is the client. Otherwise the header is ignored,
    since any client can send one."""
    remote_raw = request.META.get("REMOTE_ADDR", "")
    remote = _parse(remote_raw)
    if not _is_trusted(remote):
        return _bucket(remote, remote_raw)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()][-_MAX_FORWARDED:]
    for raw in reversed(hops):
        address = _parse(raw)
        if not _is_trusted(address):
            return _bucket(address, raw)
    return _bucket(remote, remote_raw)


def try_again_in(seconds: int) -> str:
    """ "Please try again in N minutes", for a page that refused a request over its limit."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Please try again in %(minutes)d minute.",
        "Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
