"""A place another app vouches for, carried into the public report form: a doorplate's QR code
(一户一码, wangge.campaigns) sends a resident to /public/report/ with the house's address and
grid filled in. The place travels signed, so the form can trust its grid (which a resident
could not otherwise choose) and a link cannot be forged to file reports into another grid."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

_SALT = "wangge.cases.public-report-place"


@dataclass(frozen=True)
class Place:
    address: str
    grid: str  # a grid code


def public_report_link(place: Place) -> str:
    """The public report form's URL with `place` filled in."""
    token = signing.dumps({"address": place.address, "grid": place.grid}, salt=_SALT)
    return f"{reverse('public:report')}?{urlencode({'place': token})}"


def place_of(token: str) -> Place | None:
    """The place a token vouches for; None for a missing, altered or forged one."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    address, grid = data.get("address"), data.get("grid")
    if not isinstance(address, str) or not isinstance(grid, str):
        return None
    return Place(address=address, grid=grid)
