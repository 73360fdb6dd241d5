"""The big screen (大屏, /analytics/screen/): a dark, full-screen page for a TV on the wall of a
command centre, readable from across the room: the headline figures with the change from the
period before, today's live counts, the 30-day trend, the ranking of the units one level down,
the top categories and the grid map coloured by each headline figure in turn. The page is a
shell for its script, which fetches `analytics/screen` and `analytics/map` (api/maps.py) every
`refresh` seconds without reloading and keeps the last data when a fetch fails. No personal
data: units, categories and numbers only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wangge.analytics.api.maps import SCREEN_DAYS
from wangge.analytics.definitions import FIGURES, HEADLINE
from wangge.analytics.permissions import dashboard_units
from wangge.analytics.views.maps import map_figures
from wangge.org.models import OrgUnit

REFRESH_SECONDS = 60
ROTATE_SECONDS = 20


class ScreenForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    # How often the data is fetched again and the map turns to the next figure (seconds).
    refresh = forms.IntegerField(
        label=gettext_lazy("Refresh every (seconds)"), required=False, min_value=2, max_value=3600
    )
    rotate = forms.IntegerField(
        label=gettext_lazy("Next figure every (seconds)"),
        required=False,
        min_value=2,
        max_value=3600,
    )

    def __init__(self, *args: Any, units: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = [
            (unit.code, "\u3000" * max(unit.depth - units[0].depth, 0) + unit.name)
            for unit in units
        ]


@login_required
@require_GET
def screen_page(request: HttpRequest) -> HttpResponse:
    units = dashboard_units(request.user)
    if not units:
        raise PermissionDenied(_("The big screen shows areas; your account has none."))
    form = ScreenForm(request.GET or None, units=units, initial={"unit": units[0].code})
    if request.GET and not form.is_valid():
        return render(request, "analytics/screen.html", {"form": form}, status=400)
    data = form.cleaned_data if request.GET else {}
    unit = form.units.get(data.get("unit") or "", units[0])
    figures = map_figures()
    config = {
        "dataUrl": reverse("api:screen"),
        "mapUrl": reverse("api:figure_map_of"),
        "unit": unit.code,
        "refresh": data.get("refresh") or REFRESH_SECONDS,
        "rotate": data.get("rotate") or ROTATE_SECONDS,
        "rotation": list(HEADLINE),
        "figures": figures,
        "days": SCREEN_DAYS,
    }
    return render(
        request,
        "analytics/screen.html",
        {
            "form": form,
            "unit": unit,
            "headline": [FIGURES[key] for key in HEADLINE],
            "screen_config": config,
        },
    )
