"""Volunteers who report to their community (双报到): residents and working party members
register on a public page, staff confirm them, and they reach their own page through a
personal signed link (they have no account). There they claim small wishes (微心愿, one volunteer
each, fulfilled with evidence), take a place in a post (岗位), and record the hours they served,
which count once staff confirm them (hours staff record count at once).

A volunteer acts as themselves (`Volunteer`), not as a user: the audit log names them in its
data. The link carries the volunteer's id and a nonce, signed with the site's key; reissuing
the link changes the nonce, so a link that leaked stops working.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.models import Attachment
from wangge.claims.exceptions import Invalid, InvalidState, NotAllowed, NotFound
from wangge.claims.models import (
    HoursState,
    Post,
    PostSignup,
    ServiceHours,
    Volunteer,
    VolunteerState,
    Wish,
    WishState,
)
from wangge.claims.permissions import require_manage
from wangge.claims.services import checks
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.people.services.persons import phone_index

_LINK_SALT = "wangge.claims.volunteer-link"
MAX_HOURS = Decimal(24)
MIN_HOURS = Decimal("0.5")


@dataclass
class VolunteerInput:
    name: str
    phone: str
    is_party_member: bool = False
    skills: str = ""


def register_volunteer(community: OrgUnit, given: VolunteerInput) -> Volunteer:
    """A resident or party member registers with `community` (public page; its rate limit is
    the page's). Waits for staff to confirm; one registration per phone and community."""
    checks.community(community)
    name = checks.text("name", given.name, 64, required=True)
    digits = checks.phone(given.phone, "phone", required=True)
    volunteer = Volunteer(
        community=community,
        name=name,
        phone=digits,
        phone_index=phone_index(digits),
        is_party_member=bool(given.is_party_member),
        skills=checks.text("skills", given.skills, 200),
        link_nonce=secrets.token_hex(8),
        registered_at=clock.now(),
    )
    try:
        with transaction.atomic():
            volunteer.save()
            audit.record(None, "claims.volunteer.register", volunteer, community.code)
    except IntegrityError:
        raise Invalid(
            _("This phone number is already registered with this community."), "phone"
        ) from None
    return volunteer


def _decide(actor: User | None, volunteer: Volunteer, state: str) -> Volunteer:
    require_manage(actor, volunteer.community)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if locked.state != VolunteerState.PENDING:
            raise InvalidState(_("This registration has been decided already."), "state")
        locked.state = state
        locked.confirmed_at = clock.now()
        locked.confirmed_by = actor
        locked.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        audit.record(actor, f"claims.volunteer.{state}", locked, locked.name)
    return locked


def confirm_volunteer(actor: User | None, volunteer: Volunteer) -> Volunteer:
    return _decide(actor, volunteer, VolunteerState.CONFIRMED)


def decline_volunteer(actor: User | None, volunteer: Volunteer) -> Volunteer:
    return _decide(actor, volunteer, VolunteerState.DECLINED)


def volunteer_key(volunteer: Volunteer) -> str:
    """The signed part of the volunteer's personal link."""
    return signing.dumps([volunteer.pk, volunteer.link_nonce], salt=_LINK_SALT, compress=True)


def volunteer_from_key(key: str) -> Volunteer:
    """The volunteer a personal link names; NotFound for a forged, reissued or unknown one."""
    try:
        volunteer_id, nonce = signing.loads(str(key)[:200], salt=_LINK_SALT)
        volunteer = Volunteer.objects.select_related("community").get(pk=int(volunteer_id))
    except (signing.BadSignature, ValueError, TypeError, Volunteer.DoesNotExist, OverflowError):
        raise NotFound() from None
    if not secrets.compare_digest(str(nonce), volunteer.link_nonce):
        raise NotFound()
    if volunteer.state == VolunteerState.DECLINED:
        raise NotFound()
    return volunteer


def reissue_link(actor: User | None, volunteer: Volunteer) -> Volunteer:
    require_manage(actor, volunteer.community)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        locked.link_nonce = secrets.token_hex(8)
        locked.save(update_fields=["link_nonce"])
        audit.record(actor, "claims.volunteer.reissue_link", locked, locked.name)
    return locked


def _require_confirmed(volunteer: Volunteer) -> None:
    if volunteer.state != VolunteerState.CONFIRMED:
        raise NotAllowed(_("Your registration has not been confirmed by the community yet."))


# --- small wishes -----------------------------------------------------------------------------


@dataclass
class WishInput:
    title: str
    description: str = ""
    wisher_name: str = ""
    wisher_phone: str = ""


def _wish(
    community: OrgUnit, given: WishInput, actor: User | None, *, phone_required: bool
) -> Wish:
    checks.community(community)
    digits = checks.phone(given.wisher_phone, "wisher_phone", required=phone_required)
    wish = Wish(
        community=community,
        title=checks.text("title", given.title, 100, required=True),
        description=checks.text("description", given.description, 2000),
        wisher_name=checks.text("wisher_name", given.wisher_name, 64),
        wisher_phone=digits,
        wisher_phone_index=phone_index(digits),
        raised_by=actor,
        created_at=clock.now(),
    )
    with transaction.atomic():
        wish.save()
        audit.record(actor, "claims.wish.raise", wish, f"{community.code} {wish.title}")
    return wish


def raise_wish(actor: User | None, community: OrgUnit, given: WishInput) -> Wish:
    """A small wish raised by the community's staff (for a resident)."""
    checks.community(community)
    require_manage(actor, community)
    return _wish(community, given, actor, phone_required=False)


def raise_wish_as_resident(community: OrgUnit, given: WishInput) -> Wish:
    """A small wish a resident raised on the public page; their phone is required."""
    return _wish(community, given, None, phone_required=True)


def claim_wish(volunteer: Volunteer, wish: Wish) -> Wish:
    """A confirmed volunteer of the wish's community takes it on; a wish is claimed once."""
    _require_confirmed(volunteer)
    if wish.community_id != volunteer.community_id:
        raise NotFound()
    with transaction.atomic():
        locked = Wish.objects.select_for_update().get(pk=wish.pk)
        if locked.state != WishState.OPEN:
            raise InvalidState(_("This wish has been claimed already."), "wish")
        locked.state = WishState.CLAIMED
        locked.volunteer = volunteer
        locked.claimed_at = clock.now()
        locked.save(update_fields=["state", "volunteer", "claimed_at"])
        audit.record(None, "claims.wish.claim", locked, locked.title, volunteer=volunteer.pk)
    return locked


def fulfil_wish(
    volunteer: Volunteer | None,
    wish: Wish,
    outcome: str,
    evidence: Attachment | None,
    *,
    actor: User | None = None,
) -> Wish:
    """The volunteer who claimed the wish (or the community's staff, `actor`, for them)
    records it fulfilled, with a photo or document as evidence."""
    if volunteer is None:
        require_manage(actor, wish.community)
    outcome = checks.text("outcome", outcome, 2000, required=True)
    if evidence is None:
        raise Invalid(_("Fulfilling a wish needs a photo or a document as evidence."), "evidence")
    with transaction.atomic():
        locked = Wish.objects.select_for_update().get(pk=wish.pk)
        if volunteer is not None and locked.volunteer_id != volunteer.pk:
            raise NotAllowed(_("Only the volunteer who claimed this wish can fulfil it."))
        if locked.state != WishState.CLAIMED:
            raise InvalidState(_("Only a claimed wish can be fulfilled."), "wish")
        locked.state = WishState.FULFILLED
        locked.fulfilled_at = clock.now()
        locked.outcome = outcome
        locked.evidence = evidence
        locked.save(update_fields=["state", "fulfilled_at", "outcome", "evidence"])
        audit.record(
            actor,
            "claims.wish.fulfil",
            locked,
            locked.title,
            volunteer=locked.volunteer_id,
            for_volunteer=volunteer is None,
        )
    return locked


# --- posts ------------------------------------------------------------------------------------


@dataclass
class PostInput:
    title: str
    places: int | None
    description: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    is_open: bool = True


def save_post(
    actor: User | None, community: OrgUnit, given: PostInput, post: Post | None = None
) -> Post:
    checks.community(community)
    require_manage(actor, community)
    places = checks.positive_quantity(given.places, "places")
    if places is None:
        raise Invalid(_("Enter how many places the post has."), "places")
    if places > 1000:
        raise Invalid(_("Enter a number between 1 and 1,000."), "places")
    checks.dates_in_order(given.starts_on, given.ends_on, "ends_on")
    item = post or Post(community=community, created_at=clock.now())
    if post is not None and places < post.signups.count():
        raise Invalid(_("More volunteers have taken this post already."), "places")
    item.title = checks.text("title", given.title, 100, required=True)
    item.description = checks.text("description", given.description, 2000)
    item.places = places
    item.starts_on = given.starts_on
    item.ends_on = given.ends_on
    item.is_open = bool(given.is_open)
    with transaction.atomic():
        item.save()
        audit.record(actor, "claims.post.save", item, f"{community.code} {item.title}")
    return item


def sign_up_for_post(volunteer: Volunteer, post: Post) -> PostSignup:
    """A confirmed volunteer takes one of the post's places, while any is left."""
    _require_confirmed(volunteer)
    if post.community_id != volunteer.community_id:
        raise NotFound()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if not locked.is_open:
            raise InvalidState(_("This post is closed."), "post")
        if locked.signups.filter(volunteer=volunteer).exists():
            raise InvalidState(_("You have taken this post already."), "post")
        if locked.signups.count() >= locked.places:
            raise InvalidState(_("No places are left in this post."), "post")
        signup = PostSignup.objects.create(post=locked, volunteer=volunteer, created_at=clock.now())
        audit.record(None, "claims.post.sign_up", locked, locked.title, volunteer=volunteer.pk)
    return signup


# --- service hours ----------------------------------------------------------------------------


def _hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("Enter the hours, e.g. 2 or 2.5."), "hours") from None
    if not hours.is_finite() or not MIN_HOURS <= hours <= MAX_HOURS:
        raise Invalid(_("Enter between 0.5 and 24 hours for one day."), "hours")
    return hours


def _record_hours(
    volunteer: Volunteer,
    served_on: date | None,
    hours: object,
    what: str,
    post: Post | None,
    actor: User | None,
    state: str,
) -> ServiceHours:
    if served_on is None:
        raise Invalid(_("Enter the day served."), "served_on")
    if served_on > timezone.localtime(clock.now()).date():
        raise Invalid(_("The day served cannot be in the future."), "served_on")
    if post is not None and post.community_id != volunteer.community_id:
        raise Invalid(_("This post is of another community."), "post")
    now = clock.now()
    row = ServiceHours(
        volunteer=volunteer,
        community_id=volunteer.community_id,
        served_on=served_on,
        hours=_hours(hours),
        what=checks.text("what", what, 200, required=True),
        post=post,
        state=state,
        recorded_by=actor,
        recorded_at=now,
    )
    if state == HoursState.CONFIRMED:
        row.confirmed_by = actor
        row.confirmed_at = now
    with transaction.atomic():
        row.save()
        audit.record(
            actor,
            "claims.hours.record",
            row,
            f"{volunteer.name} {row.hours}",
            volunteer=volunteer.pk,
        )
    return row


def record_hours(
    actor: User | None,
    volunteer: Volunteer,
    served_on: date | None,
    hours: object,
    what: str,
    post: Post | None = None,
) -> ServiceHours:
    """Staff record a volunteer's hours: confirmed at once."""
    require_manage(actor, volunteer.community)
    _require_confirmed(volunteer)
    return _record_hours(volunteer, served_on, hours, what, post, actor, HoursState.CONFIRMED)


def record_own_hours(
    volunteer: Volunteer, served_on: date | None, hours: object, what: str, post: Post | None = None
) -> ServiceHours:
    """A volunteer records their own hours: they count once staff confirm them."""
    _require_confirmed(volunteer)
    return _record_hours(volunteer, served_on, hours, what, post, None, HoursState.PENDING)


def confirm_hours(actor: User | None, row: ServiceHours, *, confirmed: bool = True) -> ServiceHours:
    """Staff confirm (or reject) hours a volunteer recorded."""
    require_manage(actor, row.community)
    with transaction.atomic():
        locked = ServiceHours.objects.select_for_update().get(pk=row.pk)
        if locked.state != HoursState.PENDING:
            raise InvalidState(_("These hours have been decided already."), "state")
        locked.state = HoursState.CONFIRMED if confirmed else HoursState.REJECTED
        locked.confirmed_by = actor
        locked.confirmed_at = clock.now()
        locked.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        audit.record(actor, f"claims.hours.{locked.state}", locked, str(locked.hours))
    return locked
