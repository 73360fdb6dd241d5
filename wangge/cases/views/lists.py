"""The case list (/cases/): the cases a user may see, filtered, sorted and paged by keyset, and
the same list as an Excel file (/cases/export.xlsx).

Views only adapt: the filter form turns the query string into `CaseFilters` and an order, the
cases come from `queries.search_cases` (the scope filter is inside it), the workbook from
`exports.export_cases`. A refused filter is a message next to its field and a 400. With htmx
the page swaps its search area (form and results) in place; without it the form is a plain GET.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wangge.cases.deadlines import times_left
from wangge.cases.exceptions import CaseInvalid
from wangge.cases.exports import EXPORT_MAX_ROWS, XLSX_CONTENT_TYPE, export_cases
from wangge.cases.models import Channel
from wangge.cases.queries import (
    CaseFilters,
    CaseOrder,
    active_categories,
    count_up_to,
    search_cases,
    sorted_page_of,
)
from wangge.cases.workflow import CaseState
from wangge.core import clock
from wangge.core.models import User
from wangge.org.exceptions import NotFound as UnitNotFound
from wangge.org.permissions import get_unit_for_user
from wangge.org.queries import visible_units
from wangge.org.roles import Capability, UnitKind

PAGE_SIZE = 20
# The list counts its matches up to here and says "more than" beyond: counting every match of
# a city's million cases for each page would cost more than the page.
COUNT_MAX = 1_000
# Up to this many units of the user's area the unit filter is a select; above, a code field
# with the units above grid level as suggestions.
UNIT_OPTIONS_MAX = 300
# Reports are never dated outside these; the bounds also keep a typed year 1 or 9999 from
# overflowing the day arithmetic of the filter.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
# The filters kept folded on a phone (the search box and the order are always shown).
FOLDED_FILTERS = ("state", "category", "unit", "overdue", "channel", "reported_from", "reported_to")


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )


class CaseFilterForm(forms.Form):
    """The list's query string: filters, order and cursor, each checked on its own."""

    text = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("A case number, or words of the title, description or address"),
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"), required=False, choices=CaseOrder.choices
    )
    state = forms.MultipleChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=CaseState.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    unit = forms.CharField(
        label=gettext_lazy("Grid or unit"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("Cases in this unit and everywhere below it"),
    )
    overdue = forms.ChoiceField(
        label=gettext_lazy("Overdue"),
        required=False,
        choices=[
            ("", gettext_lazy("Overdue or not")),
            ("yes", gettext_lazy("Overdue only")),
            ("no", gettext_lazy("Not overdue")),
        ],
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("Any channel")), *Channel.choices],
    )
    reported_from = _date_field(gettext_lazy("Reported from"))
    reported_to = _date_field(gettext_lazy("Reported to"))
    # Not an input: the position of the next page, carried by the "next page" link.
    cursor = forms.CharField(required=False, max_length=200)

    def __init__(self, user: User | AnonymousUser, data: Any) -> None:
        super().__init__(data)
        self.user = user
        self.fields["category"].choices = _category_choices()
        self.unit_suggestions: list[tuple[str, str]] = []
        units = _unit_options(user, UNIT_OPTIONS_MAX + 1)
        if len(units) <= UNIT_OPTIONS_MAX:
            self.fields["unit"].widget = forms.Select(
                choices=[("", _("Anywhere in your area")), *units]
            )
        else:
            self.unit_suggestions = _unit_options(user, UNIT_OPTIONS_MAX, without_grids=True)
            self.fields["unit"].widget = forms.TextInput(
                attrs={"list": "unit-suggestions", "autocomplete": "off", "spellcheck": "false"}
            )
            self.fields["unit"].help_text = _(
                "The code of a unit of your area, or pick one from the suggestions; "
                "cases there and everywhere below it"
            )

    def clean_unit(self) -> str:
        code = self.cleaned_data["unit"].strip()
        if code:
            try:
                get_unit_for_user(self.user, code, Capability.VIEW_ORG)
            except UnitNotFound:
                raise ValidationError(
                    _("There is no unit with the code “%(code)s” in your area."),
                    code="unknown_unit",
                    params={"code": code},
                ) from None
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("reported_from"), cleaned.get("reported_to")
        if start and end and end < start:
            self.add_error("reported_to", _("This day is before the first day."))
        return cleaned

    def filters(self) -> CaseFilters:
        data = self.cleaned_data
        overdue = {"yes": True, "no": False}.get(data["overdue"])
        return CaseFilters(
            state=tuple(data["state"]),
            category=data["category"],
            unit=data["unit"],
            overdue=overdue,
            reported_from=data["reported_from"],
            reported_to=data["reported_to"],
            text=data["text"],
            channel=data["channel"],
        )

    def order(self) -> CaseOrder:
        return CaseOrder(self.cleaned_data["sort"] or CaseOrder.NEWEST)

    @property
    def folded_in_use(self) -> int:
        """How many of the folded filters hold a value (shown on the fold)."""
        return sum(1 for name in FOLDED_FILTERS if any(self.data.getlist(name, [])))

    @property
    def opens_folded(self) -> bool:
        return bool(self.folded_in_use) or any(name in self.errors for name in FOLDED_FILTERS)


def _category_choices() -> list[tuple[str, Any]]:
    """Any category, then each class as a group: the whole class first, then its
    subcategories."""
    choices: list[tuple[str, Any]] = [("", _("Any category"))]
    groups: dict[int, list[tuple[str, str]]] = {}
    for category in active_categories():
        if category.parent_id is None:
            group = [(category.code, _("All of %(name)s") % {"name": category.name})]
            groups[category.pk] = group
            choices.append((category.name, group))
        elif category.parent_id in groups:
            groups[category.parent_id].append((category.code, category.name))
    return choices


def _unit_options(
    user: User | AnonymousUser, limit: int, *, without_grids: bool = False
) -> list[tuple[str, str]]:
    """(code, name) of the areas of the user's scope in tree order, indented by depth."""
    units = visible_units(user).exclude(kind=UnitKind.DEPARTMENT)
    if without_grids:
        units = units.exclude(kind=UnitKind.GRID)
    rows = list(units.values_list("code", "name", "depth")[:limit])
    top = min((depth for _code, _name, depth in rows), default=0)
    return [(code, "\u3000" * (depth - top) + name) for code, name, depth in rows]


def _query(request: HttpRequest, **changes: str) -> str:
    """The request's query string without the cursor and empty values, with `changes`."""
    pairs = [
        (key, value)
        for key, values in request.GET.lists()
        if key != "cursor" and key not in changes
        for value in values
        if value
    ]
    pairs.extend((key, value) for key, value in changes.items() if value)
    return urlencode(pairs)


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request swapping the search area (not one restoring a page from history)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _page_context(request: HttpRequest, form: CaseFilterForm) -> dict[str, Any]:
    """The results of a valid form; a refused filter becomes an error on the form instead."""
    now = clock.now()
    try:
        cases = search_cases(request.user, form.filters(), now=now)
        cursor = form.cleaned_data["cursor"] or None
        page = sorted_page_of(cases, form.order(), cursor, PAGE_SIZE)
        total = count_up_to(cases, COUNT_MAX + 1)
    except CaseInvalid as refused:
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return {}
    list_url = reverse("cases:list")
    return {
        "searched": True,
        "rows": times_left(page.items, now),
        "total": min(total, COUNT_MAX),
        "more_than_total": total > COUNT_MAX,
        "is_later_page": cursor is not None,
        "next_url": _with_query(list_url, _query(request, cursor=page.next_cursor))
        if page.next_cursor
        else None,
    }


def _render(request: HttpRequest, form: CaseFilterForm, context: dict[str, Any]) -> HttpResponse:
    context = {
        "form": form,
        "first_url": _with_query(reverse("cases:list"), _query(request)),
        "export_url": _with_query(reverse("cases:export"), _query(request)),
        "export_max": EXPORT_MAX_ROWS,
        "has_filters": bool(_query(request, sort="")),
        **context,
    }
    template = "cases/partials/list_search.html" if _is_partial(request) else "cases/list.html"
    response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.user, request.GET)
    context = _page_context(request, form) if form.is_valid() else {}
    return _render(request, form, context)


@login_required
@require_GET
def case_export(request: HttpRequest) -> HttpResponse:
    """The list's cases as an xlsx file; with a refused filter, the list page saying why."""
    form = CaseFilterForm(request.user, request.GET)
    if form.is_valid():
        try:
            export = export_cases(request.user, form.filters(), form.order())
        except CaseInvalid as refused:
            field = refused.field if refused.field in form.fields else None
            form.add_error(field, refused.message)
        else:
            response = FileResponse(
                export.file,
                as_attachment=True,
                filename=export.filename,
                content_type=XLSX_CONTENT_TYPE,
            )
            response["X-Export-Rows"] = str(export.rows)
            if export.is_capped:
                response["X-Export-Capped"] = "true"
            patch_cache_control(response, private=True, no_store=True)
            return response
    return _render(request, form, {})
