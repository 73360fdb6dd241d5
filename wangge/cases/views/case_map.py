"""The case map (事件地图): the grids of the user's area coloured by how many open or overdue
cases each holds, a panel per grid with its grid workers, its figures and its most urgent
cases, and the open cases themselves as clustered markers.

The page is a shell for its script, which reads `case_map_data` (everything scoped: the grids
through org's `visible_grid_map`, the cases through `visible_cases` inside the queries):
- by default, the grids as GeoJSON, each with its open and overdue counts (one grouped query),
  and the located open cases, the most urgent first, up to `limit` (`MARKERS_MAX` at most),
  saying whether more were left out;
- with `grid=<code>`, that grid's most urgent open cases, with a place or not, for its panel.
`within=<code>` narrows the map to a unit's subtree. A bad parameter is a 400 naming it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wangge.cases.deadlines import deadline_light
from wangge.cases.queries import CaseOnMap, most_urgent_open_cases, open_counts_by_area
from wangge.cases.workflow import OPEN_STATES, CaseState
from wangge.core import clock
from wangge.org.exceptions import NotFound as UnitNotFound
from wangge.org.models import OrgUnit
from wangge.org.permissions import get_unit_for_user
from wangge.org.queries import visible_grid_map
from wangge.org.roles import Capability, UnitKind

# Markers beyond a few thousand only slow a phone down (and a clustered map shows them as one
# number anyway); past this the map shows the most urgent and says so.
MARKERS_MAX = 5_000
# The most urgent cases a grid's panel lists; the case list has the rest.
GRID_CASES_MAX = 10
# Lower bounds of the count bands the grids are coloured by: 0, 1–2, 3–5, 6–10, 11 and more.
COUNT_BANDS = (0, 1, 3, 6, 11)
# Six decimals of a degree are about 10 cm: more only lengthens the answer.
_COORDINATE_DECIMALS = 6


class _BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


# --- The page ---------------------------------------------------------------------------------


def _band_labels() -> list[str]:
    labels = []
    for index, low in enumerate(COUNT_BANDS):
        following = COUNT_BANDS[index + 1] if index + 1 < len(COUNT_BANDS) else None
        if following is None:
            labels.append(f"{low}+")
        elif following - 1 == low:
            labels.append(str(low))
        else:
            labels.append(f"{low}–{following - 1}")
    return labels


@login_required
@require_GET
def case_map_page(request: HttpRequest) -> HttpResponse:
    config = {
        "dataUrl": reverse("cases:map_data"),
        "listUrl": f"{reverse('cases:list')}?unit=__code__",
        "caseUrl": reverse("cases:detail", args=["__number__"]),
        "focus": request.GET.get("grid", "")[:32],
        "bands": list(COUNT_BANDS),
    }
    return render(
        request,
        "cases/case_map.html",
        {"case_map_config": config, "band_labels": _band_labels()},
    )


# --- The data ---------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def case_map_data(request: HttpRequest) -> HttpResponse:
    try:
        if "grid" in request.GET:
            answer = _grid_cases(request, _grid_parameter(request))
        else:
            answer = _map(request, _unit_parameter(request, "within"), _limit_parameter(request))
    except _BadParameter as bad:
        return JsonResponse(
            {"detail": [{"loc": ["query", bad.name], "msg": bad.message}]}, status=400
        )
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})


def _unit_parameter(request: HttpRequest, name: str) -> OrgUnit | None:
    """The unit of the user's area named by the parameter, or None when it is not given."""
    code = request.GET.get(name, "").strip()
    if not code:
        return None
    # PostgreSQL refuses to compare text holding a NUL, and no code holds one or is longer.
    if "\x00" not in code and len(code) <= 32:
        try:
            return get_unit_for_user(request.user, code, Capability.VIEW_ORG)
        except UnitNotFound:
            pass
    raise _BadParameter(
        name, _("There is no unit with the code “%(code)s” in your area.") % {"code": code[:32]}
    )


def _grid_parameter(request: HttpRequest) -> OrgUnit:
    grid = _unit_parameter(request, "grid")
    if grid is None or grid.kind != UnitKind.GRID:
        raise _BadParameter("grid", _("Give the code of a grid of your area."))
    return grid


def _limit_parameter(request: HttpRequest) -> int:
    raw = request.GET.get("limit", "").strip()
    if not raw:
        return MARKERS_MAX
    message = _("Enter a whole number from 0 to %(maximum)s.") % {"maximum": MARKERS_MAX}
    # Length first: Python refuses to read an integer of thousands of digits (a ValueError).
    if not raw.isascii() or not raw.isdigit() or len(raw.lstrip("0")) > len(str(MARKERS_MAX)):
        raise _BadParameter("limit", message)
    limit = int(raw)
    if limit > MARKERS_MAX:
        raise _BadParameter("limit", message)
    return limit


def _state_labels() -> dict[str, str]:
    return {state.value: str(state.label) for state in CaseState if state in OPEN_STATES}


def _map(request: HttpRequest, within: OrgUnit | None, limit: int) -> dict[str, Any]:
    now = clock.now()
    grids = visible_grid_map(request.user, within)
    counts = open_counts_by_area(request.user, now, within)
    for feature in grids["features"]:
        properties = feature["properties"]
        found = counts.get(properties["code"])
        properties["open"] = found.open if found else 0
        properties["overdue"] = found.overdue if found else 0
    # One more than shown tells whether any were left out, without counting them all.
    rows = most_urgent_open_cases(request.user, limit + 1, within=within, located=True)
    markers = [
        {
            **_case_row(case, now),
            "lon": round(case.lon or 0, _COORDINATE_DECIMALS),
            "lat": round(case.lat or 0, _COORDINATE_DECIMALS),
        }
        for case in rows[:limit]
    ]
    return {
        "grids": grids,
        "markers": markers,
        "markers_limit": limit,
        "markers_capped": len(rows) > limit,
        "states": _state_labels(),
    }


def _grid_cases(request: HttpRequest, grid: OrgUnit) -> dict[str, Any]:
    now = clock.now()
    rows = most_urgent_open_cases(request.user, GRID_CASES_MAX, within=grid)
    return {
        "grid": grid.code,
        "cases": [_case_row(case, now) for case in rows],
        "states": _state_labels(),
    }


def _case_row(case: CaseOnMap, now: datetime) -> dict[str, Any]:
    return {
        "number": case.number,
        "title": case.title,
        "state": case.state,
        "light": deadline_light(case.due_at, case.warn_at, now),
    }
