"""What every org page shares: finding the unit a URL names (outside the user's scope it does
not exist: 404), refusing someone who holds a capability nowhere (403), the breadcrumbs, and
the links and map data the pages hand to their scripts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from wangge.core.scope import Scope
from wangge.org.exceptions import NotFound
from wangge.org.models import OrgUnit
from wangge.org.permissions import can, get_unit_for_user, scope_for
from wangge.org.queries import ancestors_of
from wangge.org.roles import Capability


def unit_or_404(request: HttpRequest, code: str, capability: str = Capability.VIEW_ORG) -> OrgUnit:
    try:
        return get_unit_for_user(request.user, code, capability)
    except NotFound:
        raise Http404(code) from None


def managed_unit(request: HttpRequest, code: str, capability: str) -> OrgUnit:
    """A unit the user may see (404 otherwise) and act on with `capability` (403 otherwise)."""
    unit = unit_or_404(request, code)
    if not can(request.user, capability, unit):
        raise PermissionDenied
    return unit


def require_capability(request: HttpRequest, capability: str) -> Scope:
    scope = scope_for(request.user, capability)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def breadcrumbs(request: HttpRequest, unit: OrgUnit) -> list[dict[str, Any]]:
    """The unit's ancestors, root first; only those inside the user's scope are links."""
    scope = scope_for(request.user, Capability.VIEW_ORG)
    return [
        {
            "name": ancestor.name,
            "url": unit_url(ancestor.code) if scope.contains(ancestor.path) else None,
        }
        for ancestor in ancestors_of(unit)
    ]


def unit_url(code: str) -> str:
    return reverse("org:unit", args=[code])


def map_urls(within: OrgUnit | None = None) -> dict[str, str]:
    """Where map scripts fetch grids, and the unit page URL with `__code__` to replace."""
    grids_url = reverse("api:grid_map")
    if within is not None:
        grids_url = f"{grids_url}?{urlencode({'within': within.code})}"
    return {"gridsUrl": grids_url, "unitUrl": unit_url("__code__")}


def feature(unit: OrgUnit, **extra: Any) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "boundary": unit.boundary,
        **extra,
    }
