"""The leader's dashboard: for any org unit of the user's area and any period, every figure of
`definitions` with its definition beside the previous period and its trend, the counts by
state, reported and closed by day (by month for long periods) and by week, the top categories
and a ranking of the units one level down, all read through `queries`. Bad filters are refused
by field (400), never guessed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wangge.analytics.definitions import FIGURES, HEADLINE
from wangge.analytics.permissions import dashboard_units
from wangge.analytics.queries import MAX_PERIOD_DAYS, FigureValue, Period, Scope, dashboard
from wangge.cases.models import Category
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind

DEFAULT_DAYS = 30
RANKED = {key: FIGURES[key] for key in ("resolution_rate", "satisfaction_rate", "on_time_rate")}


class DashboardForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
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
        self.departments = {
            department.code: department
            for department in OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True)
            .defer("boundary", "properties")
            .order_by("path")
        }
        self.fields["department"].choices = [
            ("", gettext_lazy("All departments")),
            *((code, unit.name) for code, unit in self.departments.items()),
        ]
        self.categories = {
            category.code: category
            for category in Category.objects.filter(is_active=True)
            .select_related("parent")
            .order_by("code")
        }
        self.fields["category"].choices = [
            ("", gettext_lazy("All categories")),
            *(
                (code, ("\u3000" if category.parent_id else "") + category.name)
                for code, category in self.categories.items()
            ),
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


def _figure_rows(values: list[FigureValue]) -> list[dict[str, Any]]:
    return [
        {
            "name": item.figure.key,
            "label": item.figure.label,
            "value": item.shown,
            "previous": item.previous_shown,
            "change": item.change,
            "trend": item.trend,
            "is_better": item.is_better,
            "definition": item.figure.definition,
        }
        for item in values
    ]


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    units = dashboard_units(request.user)
    if not units:
        raise PermissionDenied(_("The dashboard shows areas; your account has none."))
    today = clock.today()
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
    scope = Scope(
        unit,
        department=form.departments.get(data.get("department") or ""),
        category=form.categories.get(data.get("category") or ""),
    )
    figures = dashboard(scope, period, clock.now())
    days = [bucket.isoformat() for bucket, _totals in figures.trend]
    weekly: dict[date, list[int]] = {}
    if figures.trend_unit == "day":
        for day, totals in figures.trend:
            week = weekly.setdefault(day - timedelta(days=day.weekday()), [0, 0])
            week[0] += totals["reported"]
            week[1] += totals["closed_on_day"]
    chart = {
        "days": days,
        "dailyReported": [totals["reported"] for _bucket, totals in figures.trend],
        "dailyClosed": [totals["closed_on_day"] for _bucket, totals in figures.trend],
        "weeks": [monday.isoformat() for monday in weekly],
        "weeklyReported": [pair[0] for pair in weekly.values()],
        "weeklyClosed": [pair[1] for pair in weekly.values()],
        "categories": [name for name, _n in figures.top_categories],
        "categoryCounts": [count for _name, count in figures.top_categories],
        "labels": {"reported": _("Reported"), "closed": _("Closed")},
    }
    rows = _figure_rows(figures.figures)
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
            "reported": figures.totals["reported"],
            "rates": [row for row in rows if row["name"] in HEADLINE],
            "others": [row for row in rows if row["name"] not in HEADLINE],
            "ranking": [
                {
                    "unit": item.unit,
                    "reported": item.totals["reported"],
                    **{key: figure.display(item.value(key)) for key, figure in RANKED.items()},
                }
                for item in figures.ranking
            ],
            "chart": chart,
            "previous": period.previous(),
            "day_before": period.first - timedelta(days=1),
        },
    )
