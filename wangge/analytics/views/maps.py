"""The map of figures (/analytics/map/): the grids of a unit of the user's area coloured by a
chosen figure for a period, with the figure's definition and a legend; a tapped grid shows its
value, numerator and denominator and links to its cases; a toggle shows the heat map of the
cases instead. The page is a shell for its script, which reads the figures and the heat cells
from the API (api/maps.py). Bad filters are refused by field (400), as on the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wangge.analytics.definitions import FIGURES
from wangge.analytics.permissions import dashboard_units
from wangge.analytics.queries import MAX_PERIOD_DAYS, Period
from wangge.cases.models import Category
from wangge.core import clock
from wangge.org.models import OrgUnit

DEFAULT_DAYS = 30
DEFAULT_FIGURE = "reported"
# Leaflet's heat layer (npm: leaflet.heat), served from node_modules when the site has it;
# without it the page draws circles scaled by the count instead.
HEAT_SCRIPT = "vendor/leaflet-heat/leaflet-heat.js"


def map_figures() -> dict[str, Any]:
    """The figures a map can show (those of the case loop), as the pages' scripts read them."""
    return {
        key: {
            "label": str(figure.label),
            "definition": str(figure.definition),
            "kind": figure.kind,
            "higherIsBetter": figure.higher_is_better,
        }
        for key, figure in FIGURES.items()
        if figure.compute is None
    }


def heat_script_url() -> str | None:
    if finders.find(HEAT_SCRIPT) is None:
        return None
    try:
        return static(HEAT_SCRIPT)
    except ValueError:  # collected without it
        return None


class MapForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    figure = forms.ChoiceField(label=gettext_lazy("Figure"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    first = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, units: list[OrgUnit], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units}
        self.today = today
        self.fields["unit"].choices = [
            (unit.code, "\u3000" * max(unit.depth - units[0].depth, 0) + unit.name)
            for unit in units
        ]
        self.fields["figure"].choices = [
            (key, str(figure.label)) for key, figure in FIGURES.items() if figure.compute is None
        ]
        self.fields["category"].choices = [("", gettext_lazy("All categories"))] + [
            (code, ("\u3000" if parent else "") + name)
            for code, name, parent in Category.objects.filter(is_active=True)
            .order_by("code")
            .values_list("code", "name", "parent_id")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        default = Period.last_days(DEFAULT_DAYS, self.today)
        first = data.get("first") or default.first
        last = data.get("last") or self.today
        if last < first:
            self.add_error("last", _("The last day is before the first."))
        elif (last - first).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("first", _("Choose at most three years."))
        data["period"] = Period(first, last)
        return data


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    units = dashboard_units(request.user)
    if not units:
        raise PermissionDenied(_("The map of figures shows areas; your account has none."))
    today = clock.today()
    default = Period.last_days(DEFAULT_DAYS, today)
    form = MapForm(
        request.GET or None,
        units=units,
        today=today,
        initial={
            "unit": units[0].code,
            "first": default.first,
            "last": default.last,
            "figure": DEFAULT_FIGURE,
        },
    )
    if request.GET and not form.is_valid():
        return render(request, "analytics/map.html", {"form": form}, status=400)
    data = form.cleaned_data if request.GET else {}
    unit = form.units.get(data.get("unit") or "", units[0])
    period = data.get("period") or default
    figure = FIGURES[data.get("figure") or DEFAULT_FIGURE]
    config = {
        "mapUrl": reverse("api:figure_map_of"),
        "heatUrl": reverse("api:heat"),
        "listUrl": f"{reverse('cases:list')}?unit=__code__",
        "pageUrl": reverse("analytics:map"),
        "unit": unit.code,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "figure": figure.key,
        "category": data.get("category") or "",
        "figures": map_figures(),
    }
    return render(
        request,
        "analytics/map.html",
        {
            "form": form,
            "unit": unit,
            "period": period,
            "figure": figure,
            "analytics_map_config": config,
            "heat_script": heat_script_url(),
        },
    )
