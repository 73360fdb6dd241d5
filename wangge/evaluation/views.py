"""Pages of evaluation under /evaluation/: the overview (systems, rounds, my results), a
system's editor, a round (compute, publish, ranking, export), one result's details (with the
manual scores form for evaluators) and appeals (list, new, decide). Thin: forms parse, services
decide, refusals come back beside their field with a 400."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.models import User
from wangge.evaluation import exports, queries, services
from wangge.evaluation import system_editor as editor
from wangge.evaluation.exceptions import (
    Conflict,
    EvaluationError,
    Invalid,
    Locked,
    NotAllowed,
    NotFound,
)
from wangge.evaluation.models import (
    AppealReason,
    AppealState,
    Method,
    PeriodKind,
    Round,
    RoundState,
    SubjectKind,
)
from wangge.evaluation.permissions import (
    appeal_units,
    get_appeal_evidence_for_user,
    get_appeal_for_user,
    get_result_for_user,
    get_round_for_user,
    get_score_evidence_for_user,
    get_system_for_user,
    managed_systems,
    may_appeal_anywhere,
    may_evaluate_anywhere,
    may_manage,
    may_view_anywhere,
    visible_appeals,
    visible_results,
    visible_rounds,
)
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability, Role


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _found(getter: Any, request: HttpRequest, pk: Any) -> Any:
    try:
        return getter(request.user, pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _serve_evidence(request: HttpRequest, evidence: Any) -> FileResponse:
    """A stored evidence file: a photo inline, a PDF as a download; the opening is audited."""
    services.record_evidence_seen(_actor(request), evidence)
    attachment = evidence.attachment
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=3600)
    return response


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(may_view_anywhere(user) or may_evaluate_anywhere(user))
    mine = (
        visible_results(user)
        .filter(user=user, round__state=RoundState.PUBLISHED)
        .select_related("round", "round__system")
        .order_by("-round__first_day")[:12]
    )
    context = {
        "systems": list(managed_systems(user).select_related("unit")[:100]),
        "rounds": list(visible_rounds(user).select_related("system")[:50]),
        "mine": list(mine),
        "may_evaluate": may_evaluate_anywhere(user),
        "may_appeal": may_appeal_anywhere(user),
    }
    return render(request, "evaluation/home.html", context)


# --- systems ------------------------------------------------------------------------------------


def _figure_choices(kind: str, role: str) -> list[tuple[str, str]]:
    return [(f.key, str(f.label)) for f in services.figures_for(kind, role)]


@login_required
@require_http_methods(["GET", "POST"])
def system_edit(request: HttpRequest, system_id: int | None = None) -> HttpResponse:
    user = _actor(request)
    _require(may_evaluate_anywhere(user))
    system = _found(get_system_for_user, request, system_id) if system_id else None
    units = list(scope_for(user, Capability.MANAGE_EVALUATION).filter(OrgUnit.objects.all())[:200])
    kind = request.POST.get("subject_kind") or (
        system.subject_kind if system else SubjectKind.GRID_WORKERS
    )
    role = request.POST.get("subject_role") or (system.subject_role if system else "")
    error, field, status = "", "", 200
    rows = editor.rows_of(services.system_specs(system) if system else [])
    values = {
        "name": system.name if system else "",
        "unit": system.unit.code if system else (units[0].code if units else ""),
        "description": system.description if system else "",
    }
    if request.method == "POST":
        rows = editor.rows_from(request.POST)
        values = {key: request.POST.get(key, "") for key in values}
        if "add_row" in request.POST:
            # One more row, nothing saved: the page comes back with what was typed.
            editor.add_row(rows, request.POST["add_row"])
        else:
            unit = OrgUnit.objects.filter(code=values["unit"]).first()
            try:
                if unit is None:
                    raise Invalid(_("Choose a unit."), "unit")
                saved = services.define_system(
                    user,
                    unit,
                    name=values["name"],
                    subject_kind=kind,
                    subject_role=role,
                    description=values["description"],
                    dimensions=editor.specs_from(rows),
                    system=system,
                )
            except NotAllowed:
                error, field, status = _("You cannot evaluate this unit."), "unit", 400
            except EvaluationError as refused:
                error, field, status = refused.message, refused.field, 400
            else:
                messages.success(request, _("The indicator system is saved."))
                return redirect("evaluation:system", system_id=saved.pk)
    context = {
        "system": system,
        "units": units,
        "values": values,
        "kind": kind,
        "role": role,
        "kinds": SubjectKind.choices,
        "roles": Role.choices,
        "figures": _figure_choices(kind, role),
        "rows": rows,
        "may_add_dimension": len(rows) < editor.MAX_DIMENSIONS,
        "max_indicators": editor.MAX_INDICATORS,
        "error": error,
        "error_field": field,
        "error_input": editor.mark_refusal(rows, field, error) if field else "",
    }
    return render(request, "evaluation/system_edit.html", context, status=status)


class RoundForm(forms.Form):
    period_kind = forms.ChoiceField(label=gettext_lazy("Period"), choices=PeriodKind.choices)
    first_day = forms.DateField(label=gettext_lazy("First day"))
    last_day = forms.DateField(label=gettext_lazy("Last day (custom period)"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def system_page(request: HttpRequest, system_id: int) -> HttpResponse:
    system = _found(get_system_for_user, request, system_id)
    form = RoundForm(request.POST or None, initial={"period_kind": PeriodKind.MONTH})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.open_round(
                _actor(request), system, data["period_kind"], data["first_day"], data["last_day"]
            )
        except EvaluationError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return redirect("evaluation:round", round_id=round_.pk)
    if request.method == "POST":
        status = 400
    context = {
        "system": system,
        "definition": services.frozen_definition(system),
        "rounds": list(system.rounds.all()[:50]),
        "form": form,
    }
    return render(request, "evaluation/system.html", context, status=status)


# --- rounds and results -------------------------------------------------------------------------


@login_required
@require_GET
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _found(get_round_for_user, request, round_id)
    context = {
        "round": round_,
        "results": queries.ranking(request.user, round_),
        "dimensions": round_.definition.get("dimensions", []),
        "may_manage": may_manage(request.user, round_.system.unit),
    }
    return render(request, "evaluation/round.html", context)


@login_required
@require_POST
def round_compute(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _found(get_round_for_user, request, round_id)
    try:
        services.compute_round(_actor(request), round_)
    except NotAllowed:
        raise PermissionDenied from None
    except EvaluationError as refused:
        messages.error(request, refused.message)
        return redirect("evaluation:round", round_id=round_.pk)
    messages.success(request, _("The round is computed."))
    return redirect("evaluation:round", round_id=round_.pk)


@login_required
@require_POST
def round_publish(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _found(get_round_for_user, request, round_id)
    try:
        services.publish_round(_actor(request), round_)
    except NotAllowed:
        raise PermissionDenied from None
    except EvaluationError as refused:
        messages.error(request, refused.message)
        return redirect("evaluation:round", round_id=round_.pk)
    messages.success(request, _("The round is published: its results are locked."))
    return redirect("evaluation:round", round_id=round_.pk)


@login_required
@require_GET
def round_export(request: HttpRequest, round_id: int) -> FileResponse:
    round_ = _found(get_round_for_user, request, round_id)
    content, filename = exports.export_round(_actor(request), round_)
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)


class ManualScoreForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.DecimalField(label=gettext_lazy("Score"), max_digits=7, decimal_places=2)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(label=gettext_lazy("Evidence (photo or PDF)"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def result_page(request: HttpRequest, result_id: int) -> HttpResponse:
    result = _found(get_result_for_user, request, result_id)
    round_ = result.round
    manages = may_manage(request.user, round_.system.unit) and not round_.is_published
    status, error, error_indicator = 200, "", None
    if request.method == "POST":
        _require(may_manage(request.user, round_.system.unit))
        form = ManualScoreForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            stored = []
            try:
                with transaction.atomic():
                    if data["evidence"] is not None:
                        upload = data["evidence"]
                        stored.append(
                            services.store_evidence(_actor(request), upload, upload.name or "")
                        )
                    services.score_manually(
                        _actor(request),
                        result,
                        data["indicator"],
                        data["score"],
                        data["note"],
                        stored,
                    )
            except EvaluationError as refused:
                for attachment in stored:
                    attachment.file.delete(save=False)
                error, error_indicator, status = refused.message, data["indicator"], 400
                if isinstance(refused, Locked):
                    status = 409
            else:
                messages.success(request, _("The score is saved."))
                return redirect("evaluation:result", result_id=result.pk)
        else:
            error, status = _("Enter a score."), 400
            error_indicator = request.POST.get("indicator")
    lines = queries.details(result)
    error_indicator = str(error_indicator or "")
    # A refusal goes beside the score field it concerns, else (a locked round) above all.
    beside = manages and any(
        str(line.indicator_id) == error_indicator for line in lines if line.method == Method.MANUAL
    )
    context = {
        "result": result,
        "round": round_,
        "lines": lines,
        "appeals": queries.appeals_behind(result),
        "manages": manages,
        "error": error,
        "error_indicator": error_indicator,
        "error_beside": beside,
    }
    return render(request, "evaluation/result.html", context, status=status)


@login_required
@require_GET
def score_evidence_file(
    request: HttpRequest, result_id: int, score_evidence_id: int
) -> FileResponse:
    try:
        evidence = get_score_evidence_for_user(request.user, result_id, score_evidence_id)
    except NotFound:
        raise Http404(str(score_evidence_id)) from None
    return _serve_evidence(request, evidence)


# --- appeals ------------------------------------------------------------------------------------


@login_required
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    _require(may_appeal_anywhere(request.user) or may_evaluate_anywhere(request.user))
    appeals = visible_appeals(request.user).select_related("round__system", "case", "unit")[:200]
    context = {"appeals": list(appeals), "may_appeal": may_appeal_anywhere(request.user)}
    return render(request, "evaluation/appeals.html", context)


class AppealForm(forms.Form):
    round = forms.ChoiceField(label=gettext_lazy("Round"))
    unit = forms.ChoiceField(label=gettext_lazy("For the unit"))
    case = forms.CharField(label=gettext_lazy("Case number"), max_length=32)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=AppealReason.choices)
    explanation = forms.CharField(
        label=gettext_lazy("Explanation"), widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.FileField(label=gettext_lazy("Evidence (photo or PDF)"), required=False)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = list(appeal_units(user))
        paths = [u.path for u in units]
        rounds = [
            r
            for r in visible_rounds(user)
            .filter(state=RoundState.DRAFT)
            .select_related("system__unit")
            if any(path.startswith(r.system.unit.path) for path in paths)
        ]
        # A scored person may appeal in a draft round they cannot see yet: list the rounds of
        # the systems over their units.
        for round_ in Round.objects.filter(state=RoundState.DRAFT).select_related("system__unit"):
            if round_ not in rounds and any(
                path.startswith(round_.system.unit.path) for path in paths
            ):
                rounds.append(round_)
        self.fields["round"].choices = [(str(r.pk), str(r)) for r in rounds]
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]
        self.rounds = {str(r.pk): r for r in rounds}
        self.units = {str(u.pk): u for u in units}


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    _require(may_appeal_anywhere(user))
    form = AppealForm(user, request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            stored = []
            try:
                with transaction.atomic():
                    if data["evidence"] is not None:
                        upload = data["evidence"]
                        stored.append(services.store_evidence(user, upload, upload.name or ""))
                    appeal = services.file_appeal(
                        user,
                        form.rounds[data["round"]],
                        data["case"],
                        unit=form.units[data["unit"]],
                        reason=data["reason"],
                        explanation=data["explanation"],
                        evidence=stored,
                    )
            except EvaluationError as refused:
                for attachment in stored:
                    attachment.file.delete(save=False)
                name = refused.field if refused.field in form.fields else None
                form.add_error(name, refused.message)
                status = 409 if isinstance(refused, Conflict | Locked) else 400
            else:
                messages.success(request, _("Your appeal is filed."))
                return redirect("evaluation:appeal", appeal_id=appeal.pk)
    return render(request, "evaluation/appeal_new.html", {"form": form}, status=status)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision on the appeal"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}))


@login_required
@require_http_methods(["GET", "POST"])
def appeal_page(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = _found(get_appeal_for_user, request, appeal_id)
    decides = may_manage(request.user, appeal.unit) and appeal.state == AppealState.OPEN
    form = DecideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _require(may_manage(request.user, appeal.unit))
        status = 400
        if form.is_valid():
            try:
                services.decide_appeal(
                    _actor(request),
                    appeal,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except NotAllowed:
                raise PermissionDenied from None
            except EvaluationError as refused:
                form.add_error(
                    refused.field if refused.field in form.fields else None, refused.message
                )
                status = 409 if isinstance(refused, Conflict | Locked) else 400
            else:
                messages.success(request, _("The appeal is decided."))
                return redirect("evaluation:appeal", appeal_id=appeal.pk)
    context = {
        "appeal": appeal,
        "evidence": list(appeal.evidence.select_related("attachment")),
        "decides": decides,
        "form": form,
    }
    return render(request, "evaluation/appeal.html", context, status=status)


@login_required
@require_GET
def appeal_evidence_file(
    request: HttpRequest, appeal_id: int, appeal_evidence_id: int
) -> FileResponse:
    try:
        evidence = get_appeal_evidence_for_user(request.user, appeal_id, appeal_evidence_id)
    except NotFound:
        raise Http404(str(appeal_evidence_id)) from None
    return _serve_evidence(request, evidence)
