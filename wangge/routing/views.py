"""The routing pages under /routing/, for an administrator of the whole city: the model
versions (activate one, roll back, train a new one from the closed cases), the policy of
automatic dispatch with how dispatchers received the active version's suggestions, and one
version's evaluation report (per category, the confusion matrix).

Views only adapt: who may come is `services.may_manage_routing` (403 for anyone else, before
anything is read), every write is a service (which audits it), and a refusal comes back as a
message on the page: 400 for what cannot be used, 404 for an unknown version; the policy's
refusal is beside its field with what was typed kept. Training runs in the request (10–60 s on a
city's cases): rare, and the administrator wants its report at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.models import User
from wangge.routing import queries, services
from wangge.routing.exceptions import NotAllowed, NotFound, RoutingError
from wangge.routing.forms import PolicyForm, plain_confidence
from wangge.routing.models import ModelVersion
from wangge.routing.notes import described

# Shades of a confusion-matrix cell by its share of the true category's examples (CSS classes
# shade-0 … shade-4): the eye finds the big confusions without reading every number.
SHADES = 4
TOP_CONFUSIONS = 10


def _manager(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not services.may_manage_routing(user):
        raise PermissionDenied
    return user


def _status(refused: RoutingError) -> int:
    return 404 if isinstance(refused, NotFound) else 400


# --- the versions and the policy --------------------------------------------------------------


@login_required
@require_GET
def versions_page(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _versions_page(request)


def _versions_page(
    request: HttpRequest, *, form: PolicyForm | None = None, status: int = 200
) -> HttpResponse:
    versions = services.versions()
    active = next((version for version in versions if version.is_active), None)
    policy = services.policy()
    current_confidence = plain_confidence(policy.auto_dispatch_confidence)
    if form is None:
        form = PolicyForm(initial={"confidence": current_confidence})
    context = {
        "versions": versions,
        "active": active,
        "may_roll_back": active is not None
        and any(v.activated_at is not None and not v.is_active for v in versions),
        "outcomes": queries.outcome_counts(active) if active is not None else None,
        "policy": policy,
        "current_confidence": current_confidence,
        "form": form,
        "minimum_examples": services.MIN_TRAINING_EXAMPLES,
    }
    return render(request, "routing/versions.html", context, status=status)


def _refused(request: HttpRequest, refused: RoutingError) -> HttpResponse:
    if isinstance(refused, NotAllowed):
        raise PermissionDenied(refused.message)
    messages.error(request, refused.message)
    return _versions_page(request, status=_status(refused))


@login_required
@require_POST
def train(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    try:
        version = services.train_from_cases(actor, activate=request.POST.get("activate") == "on")
    except RoutingError as refused:
        return _refused(request, refused)
    if version.is_active:
        message = _("Version %(number)d is trained and active.")
    else:
        message = _("Version %(number)d is trained; the active version is unchanged.")
    messages.success(request, message % {"number": version.number})
    return redirect("routing:version", version=version.number)


@login_required
@require_POST
def activate(request: HttpRequest, version: int) -> HttpResponse:
    actor = _manager(request)
    try:
        chosen = services.activate(actor, version)
    except RoutingError as refused:
        return _refused(request, refused)
    messages.success(request, _("Version %(number)d is active.") % {"number": chosen.number})
    return redirect("routing:versions")


@login_required
@require_POST
def rollback(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    try:
        previous = services.rollback(actor)
    except RoutingError as refused:
        return _refused(request, refused)
    messages.success(
        request, _("Rolled back: version %(number)d is active again.") % {"number": previous.number}
    )
    return redirect("routing:versions")


@login_required
@require_POST
def set_policy(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _versions_page(request, form=form, status=400)
    try:
        policy = services.set_auto_dispatch_confidence(actor, form.cleaned_data["confidence"])
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except RoutingError as refused:
        form.add_refusal(refused.field, refused.message)
        return _versions_page(request, form=form, status=400)
    if policy.auto_dispatch_confidence is None:
        messages.success(
            request, _("Automatic dispatch is off: every case waits for a dispatcher.")
        )
    else:
        messages.success(
            request,
            _("Suggestions at least %(confidence)s confident are now dispatched automatically.")
            % {"confidence": plain_confidence(policy.auto_dispatch_confidence)},
        )
    return redirect("routing:versions")


# --- one version's report ---------------------------------------------------------------------


@login_required
@require_GET
def version_page(request: HttpRequest, version: int) -> HttpResponse:
    _manager(request)
    try:
        found = services.get_version(version)
    except NotFound:
        raise Http404(str(version)) from None
    return render(request, "routing/version.html", {"version": found, **report_context(found)})


def report_context(version: ModelVersion) -> dict[str, Any]:
    """The report's figures with category names: per-category rows, the confusion matrix's rows
    (true category) with a shade for each cell, and the most frequent confusions."""
    report = version.report or {}
    labels: list[str] = list(report.get("labels") or [])
    classes: list[dict[str, Any]] = list(report.get("classes") or [])
    names = queries.category_names([*labels, *(row["label"] for row in classes)])
    matrix: list[list[int]] = list(report.get("confusion") or [])
    rows, confusions = [], []
    for i, (code, counts) in enumerate(zip(labels, matrix, strict=False)):
        total = sum(counts)
        cells = []
        for j, count in enumerate(counts):
            share = count / total if total else 0.0
            cells.append(
                {
                    "count": count,
                    "predicted": labels[j] if j < len(labels) else "",
                    "is_hit": i == j,
                    "shade": round(share * SHADES) if count else 0,
                }
            )
            if i != j and count:
                confusions.append(
                    {
                        "true": code,
                        "true_name": names.get(code, ""),
                        "predicted": labels[j] if j < len(labels) else "",
                        "predicted_name": names.get(labels[j], "") if j < len(labels) else "",
                        "count": count,
                        "percent": round(share * 100),
                    }
                )
        rows.append({"code": code, "name": names.get(code, ""), "cells": cells, "total": total})
    confusions.sort(key=lambda c: (-c["count"], c["true"], c["predicted"]))
    return {
        "report": report,
        "classes": [{**row, "name": names.get(row["label"], "")} for row in classes],
        "columns": [{"code": code, "name": names.get(code, "")} for code in labels],
        "matrix": rows,
        "confusions": confusions[:TOP_CONFUSIONS],
        "notes": described(report),
    }
