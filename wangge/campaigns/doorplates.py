"""One code per household (一户一码): a doorplate's QR code is a URL under /public/campaigns/
carrying the house's code, signed with the site's key (django.core.signing, its own salt), so a
code cannot be made up or altered, and it expires after `DOORPLATE_MAX_AGE` (doorplates are
reprinted). The QR is drawn as SVG here, without any network.

A signed-in helper who may visit the house lands on its visit form, and the scan, kept in the
session, proves a visit recorded soon after was made at the door; anybody else reaches the
residents' page of the house (report a problem there).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import qrcode
import qrcode.image.svg
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from wangge.people.models import House

SALT = "wangge.campaigns.doorplate"
DOORPLATE_MAX_AGE = timedelta(days=3 * 365)
# Session key: {house code: ISO time of the scan} of the doorplates this browser scanned.
SCANS = "campaigns_door_scans"
SCANS_KEPT = 20


class DoorplateInvalid(Exception):
    """Forged, altered or expired."""


def sign_house(house: House) -> str:
    return signing.dumps(house.code, salt=SALT, compress=False)


def house_code_of(doorplate: str) -> str:
    """The house code a doorplate carries, or DoorplateInvalid."""
    try:
        code = signing.loads(doorplate, salt=SALT, max_age=DOORPLATE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        raise DoorplateInvalid() from None
    if not isinstance(code, str) or not code or len(code) > 16:
        raise DoorplateInvalid()
    return code


def doorplate_path(house: House) -> str:
    return reverse("public_campaigns:door", args=[sign_house(house)])


def qr_svg(url: str) -> str:
    """The QR code of `url` as an inline SVG element (no XML declaration)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=2,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(url)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def remember_scan(session: dict, house: House, at: datetime) -> None:
    scans = session.get(SCANS)
    scans = dict(scans) if isinstance(scans, dict) else {}
    scans.pop(house.code, None)
    scans[house.code] = at.isoformat()
    session[SCANS] = dict(list(scans.items())[-SCANS_KEPT:])


def scanned_at(session: dict, house: House | None) -> datetime | None:
    """When this browser last scanned the house's doorplate, if it did."""
    if house is None:
        return None
    scans = session.get(SCANS)
    if not isinstance(scans, dict):
        return None
    value = scans.get(house.code)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None
