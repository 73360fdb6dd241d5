"""The records a page names in its URL, for the user asking, or 404: an unknown id and one
outside the user's grids are not told apart. Refusals of the services become 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.people import queries
from wangge.people.exceptions import NotFound
from wangge.people.models import House, Person, Residence
from wangge.people.permissions import get_house_for_user, get_person_for_user


def person_or_404(request: HttpRequest, person_id: int) -> Person:
    try:
        return get_person_for_user(request.user, person_id)
    except NotFound:
        raise Http404(person_id) from None


def house_or_404(request: HttpRequest, house_id: int) -> House:
    try:
        return get_house_for_user(request.user, house_id)
    except NotFound:
        raise Http404(house_id) from None


def grid_or_404(request: HttpRequest, code: str) -> OrgUnit:
    try:
        return queries.get_grid_for_user(request.user, code)
    except NotFound:
        raise Http404(code) from None


def residence_or_404(request: HttpRequest, residence_id: int) -> Residence:
    try:
        return queries.get_residence_for_user(actor(request), residence_id)
    except NotFound:
        raise Http404(residence_id) from None


def actor(request: HttpRequest) -> User:
    """The logged-in user acting (every page here is behind `login_required`)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
