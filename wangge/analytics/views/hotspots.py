"""Hot spots: for a unit of the user's area, a period (the last 7 days by default) and
optionally a category, the places and categories well above their usual level, hottest first,
each with its actual and usual counts and the rule in words; each opens (htmx, or a page of
its own) to the cases behind it, with links to them. Bad filters are refused by field (400);
a place or category the user may not look at is not found (404)."""

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

from wangge.analytics.hotspots import (
    DEFAULT_DAYS,
    PLACE_LABELS,
    HotSpotNotFound,
    cases_behind,
    category_by_code,
    check_period,
    hot_spots,
    place_for_user,
)
from wangge.analytics.permissions import dashboard_units
from wangge.analytics.queries import Period, Scope
from wangge.cases.models import Category
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.org.models import OrgUnit

QUICK_DAYS = (1, 7, 14, 30)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HotSpotsForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
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
        categories = list(
            Category.objects.filter(is_active=True)
            .order_by("order", "code")
            .only("code", "name", "parent_id")
        )
        self.categories = {category.code: category for category in categories}
        choices: list[tuple[str, str]] = [("", _("Every category"))]
        for top in (c for c in categories if c.parent_id is None):
            choices.append((top.code, top.name))
            choices += [(c.code, "\u3000" + c.name) for c in categories if c.parent_id == top.pk]
        self.fields["category"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        last = data.get("last") or self.today
        first = data.get("first") or last - timedelta(days=DEFAULT_DAYS - 1)
        refused = check_period(first, last)
        if refused:
            self.add_error(*refused)
        data["period"] = Period(first, last)
        return data


def _units(request: HttpRequest) -> list[OrgUnit]:
    units = dashboard_units(request.user)
    if not units:
        raise PermissionDenied(_("Hot spots are found in areas; your account has none."))
    return units


@login_required
@require_GET
def hot_spots_page(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    today = clock.today()
    default = Period.last_days(DEFAULT_DAYS, today)
    form = HotSpotsForm(
        request.GET or None,
        units=units,
        today=today,
        initial={"unit": units[0].code, "first": default.first, "last": default.last},
    )
    if request.GET and not form.is_valid():
        return render(request, "analytics/hotspots.html", {"form": form}, status=400)
    data = form.cleaned_data if request.GET else {}
    unit = form.units.get(data.get("unit") or "", units[0])  # the choices are the user's units
    category = form.categories.get(data.get("category") or "")
    period = data.get("period") or default
    result = hot_spots(Scope(unit, category=category), period)
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
        "analytics/hotspots.html",
        {
            "form": form,
            "result": result,
            "unit": unit,
            "category": category,
            "period": period,
            "today": today,
            "quick": quick,
            "rule": result.rule.describe(),
            "baseline_first": result.baselines[-1].first if result.baselines else None,
            "place_labels": PLACE_LABELS,
        },
    )


@login_required
@require_GET
def hot_spot_cases(request: HttpRequest, place_code: str, category_code: str) -> HttpResponse:
    """The cases behind one hot spot: the place's (and the address's) cases of the category in
    the period; a partial for htmx, a page otherwise."""
    _units(request)
    try:
        place = place_for_user(request.user, place_code)
        category = category_by_code(category_code)
    except HotSpotNotFound:
        raise Http404(_("Not found.")) from None
    today = clock.today()
    errors: dict[str, str] = {}
    values: dict[str, date] = {}
    for name in ("first", "last"):
        raw = request.GET.get(name, "")
        if not raw:
            continue
        try:
            values[name] = date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Enter a valid date.")
    last = values.get("last", today)
    first = values.get("first", last - timedelta(days=DEFAULT_DAYS - 1))
    if not errors and (refused := check_period(first, last)):
        errors[refused[0]] = refused[1]
    address = request.GET.get("address", "")[:200]
    partial = request.headers.get("HX-Request") == "true"
    template = "analytics/partials/hotspot_cases.html" if partial else "analytics/hotspot.html"
    context: dict[str, Any] = {
        "place": place,
        "category": category,
        "address": address,
        "errors": errors,
        "states": dict(CaseState.choices),
    }
    if errors:
        return render(request, template, context, status=400)
    period = Period(first, last)
    cases = list(cases_behind(request.user, place, category, period, address.replace("\x00", "")))
    context.update({"period": period, "cases": cases})
    return render(request, template, context)
