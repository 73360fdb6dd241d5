"""Hot topics: for a unit of the user's area and a period (the last 7 days by default), the
groups of similar requests, hottest first, each with its count, the previous period's count,
growth, distinct reporters and heat, a badge when it is hot enough to alert on, and the cases
behind it (links to them), folded under each topic. The text counterpart of the hot spots
page, with the same audience and filters; bad filters are refused by field (400)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wangge.analytics.permissions import dashboard_units
from wangge.analytics.queries import Period
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.org.models import OrgUnit
from wangge.routing.exceptions import NotFound
from wangge.routing.hot_topics import DEFAULT_DAYS, check_period, topics_for

QUICK_DAYS = (1, 7, 14, 30)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TopicsForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    first = forms.DateField(label=gettext_lazy("From"), required=False, widget=_DATE)
    last = forms.DateField(label=gettext_lazy("To"), required=False, widget=_DATE)

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
        last = data.get("last") or self.today
        first = data.get("first") or last - timedelta(days=DEFAULT_DAYS - 1)
        refused = check_period(first, last)
        if refused:
            self.add_error(*refused)
        data["period"] = Period(first, last)
        return data


@login_required
@require_GET
def topics_page(request: HttpRequest) -> HttpResponse:
    units = dashboard_units(request.user)
    if not units:
        raise PermissionDenied(_("Hot topics are found in areas; your account has none."))
    today = clock.today()
    default = Period.last_days(DEFAULT_DAYS, today)
    form = TopicsForm(
        request.GET or None,
        units=units,
        today=today,
        initial={"unit": units[0].code, "first": default.first, "last": default.last},
    )
    if request.GET and not form.is_valid():
        return render(request, "analytics/topics.html", {"form": form}, status=400)
    data = form.cleaned_data if request.GET else {}
    unit = form.units.get(data.get("unit") or "", units[0])  # the choices are the user's units
    period = data.get("period") or default
    try:
        result = topics_for(request.user, unit, period.first, period.last)
    except NotFound:
        raise Http404(_("Not found.")) from None
    quick = [
        {
            "days": days,
            "first": today - timedelta(days=days - 1),
            "is_current": period == Period.last_days(days, today),
        }
        for days in QUICK_DAYS
    ]
    return render(
        request,
        "analytics/topics.html",
        {
            "form": form,
            "result": result,
            "unit": unit,
            "period": period,
            "previous": period.previous(),
            "today": today,
            "quick": quick,
            "rules": result.rules,
            "states": dict(CaseState.choices),
        },
    )
