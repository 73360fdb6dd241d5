"""The leader's dashboard: for any org unit of the user's area and any period, the counts by
state, the three rates and the on-time rate beside the previous period, daily and weekly trends,
the top categories and a ranking of the units one level down. Bad filters are refused by field
(400), never guessed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wangge.analytics.figures import DEFINITIONS, MAX_PERIOD_DAYS, Period, Rates, dashboard
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.queries import visible_units
from wangge.org.roles import UnitKind

DEFAULT_DAYS = 30


def _area_units(user: User) -> QuerySet[OrgUnit]:
    """The area units (not departments, not grids) the user may look at, in tree order,
    without their outlines (large, and not drawn here)."""
    return (
        visible_units(user)
        .exclude(kind__in=[UnitKind.DEPARTMENT, UnitKind.GRID])
        .defer("boundary", "properties")
    )


def dashboard_units(user: User) -> list[OrgUnit]:
    return list(_area_units(user))


def has_dashboard(user: User) -> bool:
    return _area_units(user).exists()


class DashboardForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
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


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _rate_rows(current: Rates, previous: Rates) -> list[dict[str, Any]]:
    rows = []
    for name in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"):
        now, before = getattr(current, name), getattr(previous, name)
        change = None if now is None or before is None else (now - before) * 100
        rows.append(
            {
                "name": name,
                "value": _percent(now),
                "previous": _percent(before),
                "change": change,
                "definition": DEFINITIONS[name],
            }
        )
    return rows


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    units = dashboard_units(request.user)
    if not units:
        raise PermissionDenied(_("The dashboard shows areas; your account has none."))
    today = timezone.localdate(clock.now())
    default = Period.last_days(DEFAULT_DAYS, today)
    form = DashboardForm(
        request.GET or None,
        units=units,
        today=today,
        initial={"unit": units[0].code, "first": default.first, "last": default.last},
    )
    if request.GET and not form.is_valid():
        return render(request, "analytics/dashboard.html", {"form": form}, status=400)
    data = form.cleaned_data if request.GET else {}
    unit = form.units.get(data.get("unit") or "", units[0])  # the choices are the user's units
    period = data.get("period") or default
    figures = dashboard(unit, period, clock.now())
    chart = {
        "days": [day.isoformat() for day, _r, _c in figures.daily],
        "dailyReported": [reported for _d, reported, _c in figures.daily],
        "dailyClosed": [closed for _d, _r, closed in figures.daily],
        "weeks": [monday.isoformat() for monday, _r, _c in figures.weekly],
        "weeklyReported": [reported for _w, reported, _c in figures.weekly],
        "weeklyClosed": [closed for _w, _r, closed in figures.weekly],
        "categories": [name for name, _n in figures.top_categories],
        "categoryCounts": [count for _name, count in figures.top_categories],
        "labels": {"reported": _("Reported"), "closed": _("Closed")},
    }
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "unit": unit,
            "period": period,
            "states": [
                (CaseState(state).label, figures.by_state.get(state, 0))
                for state in CaseState.values
            ],
            "reported": figures.rates.reported,
            "rates": _rate_rows(figures.rates, figures.previous),
            "ranking": [
                {
                    "unit": item.unit,
                    "reported": item.rates.reported,
                    "resolution": _percent(item.rates.resolution_rate),
                    "satisfaction": _percent(item.rates.satisfaction_rate),
                    "on_time": _percent(item.rates.on_time_rate),
                }
                for item in figures.ranking
            ],
            "chart": chart,
            "previous": period.previous(),
            "day_before": period.first - timedelta(days=1),
        },
    )
