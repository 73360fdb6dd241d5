"""What the claiming pages share: the acting user, records found for the user or a 404, the
communities a user keeps, and the one way a form page is rendered (a refusal beside its field
with a 400)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.claims.exceptions import NotAllowed, NotFound
from wangge.claims.permissions import communities_for, contact_of, may_view_claims
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.roles import Capability

T = TypeVar("T")


def actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def found(getter: Callable[..., T], request: HttpRequest, record_id: Any) -> T:
    """`getter(user, id)`, or a 404 (NotFound: the record is unknown or out of reach)."""
    try:
        return getter(request.user, record_id)
    except NotFound:
        raise Http404(str(record_id)) from None


def require_viewer(request: HttpRequest) -> None:
    """Claiming pages are for those who hold VIEW_CLAIMS somewhere and for contacts."""
    if not may_view_claims(request.user):
        raise PermissionDenied


def kept_communities(request: HttpRequest) -> QuerySet[OrgUnit]:
    """The communities where the user keeps the lists (MANAGE_CLAIMS)."""
    return communities_for(request.user, Capability.MANAGE_CLAIMS).order_by("code")


def require_keeper(request: HttpRequest) -> QuerySet[OrgUnit]:
    communities = kept_communities(request)
    if not communities.exists():
        raise PermissionDenied
    return communities


def refused(error: NotAllowed) -> PermissionDenied:
    return PermissionDenied(error.message)


def form_page(
    request: HttpRequest,
    *,
    title: str,
    form: Any,
    crumbs: list[tuple[str, str]],
    cancel: str,
    submit: str = "",
    status: int = 200,
    multipart: bool = False,
    intro: str = "",
) -> HttpResponse:
    """A page holding one form: title, breadcrumbs, fields with their errors, save/cancel."""
    context = {
        "title": title,
        "form": form,
        "crumbs": crumbs,
        "cancel": cancel,
        "submit": submit,
        "multipart": multipart,
        "intro": intro,
        "is_contact": contact_of(request.user) is not None,
    }
    return render(request, "claims/form.html", context, status=status)
