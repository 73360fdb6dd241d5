"""The records a page names in its URL, for the user asking, or 404: an unknown id and one
outside the user's reach are not told apart."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from wangge.campaigns.exceptions import NotFound
from wangge.campaigns.models import Campaign, Target
from wangge.campaigns.permissions import get_campaign_for_user, get_target_for_user, may_run
from wangge.core.models import User


def actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    try:
        return get_campaign_for_user(request.user, campaign_id)
    except NotFound:
        raise Http404(campaign_id) from None


def run_campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    """A campaign the user runs; one they only see is a 403, one they cannot see a 404."""
    campaign = campaign_or_404(request, campaign_id)
    if not may_run(request.user, campaign):  # type: ignore[arg-type]
        raise PermissionDenied
    return campaign


def target_or_404(request: HttpRequest, target_id: int) -> Target:
    try:
        return get_target_for_user(request.user, target_id)
    except NotFound:
        raise Http404(target_id) from None
