"""The category pages (事项分类与时限), for whole-city administrators: the catalogue as a tree of
classes and their subcategories with kind, default department, grid-entry flag, the deadlines of
acceptance, dispatch and handling and the supervision ladder; a form to create a class or a
subcategory (?parent=<class code> preselects the class and starts from its values); a form to
edit one; a button to take it out of use or back.

Views only adapt: who may come is the services' own rule (`require_category_admin`: 403 for
anyone else, before anything is read or written), every write is a category service, and a
refusal (`CategoryInvalid.field`) comes back next to the field of that name with status 400 and
nothing written. A change of deadlines applies to cases filed after it: a case's deadlines are
computed when each stage starts (see `deadlines.stage_due_at`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.cases.category_forms import (
    FROM_CLASS,
    STAGE_LABELS,
    CategoryForm,
    initial_of,
    plain_amount,
)
from wangge.cases.exceptions import CategoryInvalid, NotAllowed
from wangge.cases.models import STAGES, Category, DeadlineUnit
from wangge.cases.services import create_category, set_category_active, update_category
from wangge.cases.services.categories import may_manage_categories
from wangge.org.queries import visible_units
from wangge.org.roles import UnitKind


def _require_admin(request: HttpRequest) -> None:
    if not may_manage_categories(request.user):
        raise PermissionDenied


def _list_url(code: str = "") -> str:
    url = reverse("cases:categories")
    return f"{url}#category-{code}" if code else url


# --- The catalogue --------------------------------------------------------------------------


@login_required
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    categories = list(
        Category.objects.select_related("default_department").order_by("order", "code")
    )
    children: dict[int, list[Category]] = defaultdict(list)
    for category in categories:
        if category.parent_id is not None:
            children[category.parent_id].append(category)
    rows: list[dict[str, Any]] = []
    for top in (category for category in categories if category.parent_id is None):
        rows.append(_row(top, class_active=True))
        rows.extend(_row(child, class_active=top.is_active) for child in children[top.pk])
    return render(
        request,
        "cases/categories.html",
        {
            "rows": rows,
            "stages": [STAGE_LABELS[stage] for stage in STAGES],
            "class_count": sum(1 for row in rows if row["is_class"]),
            "subcategory_count": sum(1 for row in rows if not row["is_class"]),
        },
    )


def _row(category: Category, *, class_active: bool) -> dict[str, Any]:
    return {
        "category": category,
        "is_class": category.parent_id is None,
        "in_use": category.is_active and class_active,
        "deadlines": [
            {
                "stage": STAGE_LABELS[stage],
                "amount": plain_amount(getattr(category, f"{stage}_amount")),
                "unit": DeadlineUnit(getattr(category, f"{stage}_unit")).label,
            }
            for stage in STAGES
        ],
    }


# --- Create and edit ------------------------------------------------------------------------


def _classes() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("order", "code"))


def _departments(request: HttpRequest) -> list[tuple[str, str]]:
    return list(visible_units(request.user, kind=UnitKind.DEPARTMENT).values_list("code", "name"))


def _add_refusal(form: CategoryForm, refused: CategoryInvalid) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)


@login_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    classes = _classes()
    choices = {"classes": classes, "departments": _departments(request)}
    if request.method == "GET":
        parent = next((c for c in classes if c.code == request.GET.get("parent", "")), None)
        if parent is not None:
            initial = {**initial_of(parent, FROM_CLASS), "parent": parent.code}
        else:
            initial = initial_of(Category(), FROM_CLASS)
        form = CategoryForm(initial={**initial, "order": 0}, **choices)
        return _form_page(request, form, parent=parent)
    form = CategoryForm(request.POST, **choices)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        category = create_category(request.user, **form.service_values())
    except CategoryInvalid as refused:
        _add_refusal(form, refused)
        return _form_page(request, form, status=400)
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    messages.success(
        request,
        _("The category %(name)s (%(code)s) was created.")
        % {"name": category.name, "code": category.code},
    )
    return redirect(_list_url(category.code))


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, code: str) -> HttpResponse:
    """GET the form; POST saves it, or with action=deactivate|activate takes the category out
    of use or back."""
    _require_admin(request)
    category = (
        Category.objects.select_related("parent", "default_department").filter(code=code).first()
    )
    if category is None:
        raise Http404(code)
    choices = {"classes": _classes(), "departments": _departments(request), "category": category}
    if request.method == "GET":
        return _form_page(request, CategoryForm(**choices), category=category)
    action = request.POST.get("action", "save")
    if action in ("activate", "deactivate"):
        return _set_active(request, category, is_active=action == "activate")
    if action != "save":
        return HttpResponseBadRequest(_("Unknown action."))
    form = CategoryForm(request.POST, **choices)
    if not form.is_valid():
        return _form_page(request, form, category=category, status=400)
    try:
        update_category(request.user, category, **form.changed_values())
    except CategoryInvalid as refused:
        _add_refusal(form, refused)
        return _form_page(request, form, category=category, status=400)
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    messages.success(request, _("The category %(name)s was saved.") % {"name": category.name})
    return redirect(_list_url(category.code))


def _set_active(request: HttpRequest, category: Category, *, is_active: bool) -> HttpResponse:
    try:
        set_category_active(request.user, category, is_active=is_active)
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    message = (
        _("%(name)s is in use again.")
        if is_active
        else _("%(name)s is no longer offered for new cases.")
    )
    messages.success(request, message % {"name": category.name})
    return redirect(_list_url(category.code))


def _form_page(
    request: HttpRequest,
    form: CategoryForm,
    *,
    category: Category | None = None,
    parent: Category | None = None,
    status: int = 200,
) -> HttpResponse:
    subcategories = (
        list(category.children.order_by("order", "code"))
        if category is not None and category.parent_id is None
        else []
    )
    return render(
        request,
        "cases/category_form.html",
        {
            "form": form,
            "category": category,
            "parent": parent,
            "subcategories": subcategories,
        },
        status=status,
    )
