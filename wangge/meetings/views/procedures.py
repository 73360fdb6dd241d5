"""Staff pages of 四议两公开 (desktop): the list, starting a procedure, and a procedure's page:
the six steps in order, what each recorded, and the form of the next step only (its uploads
kept by the case app's attachment handling). A refused quorum says which rule failed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.cases.exceptions import CaseInvalid
from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.meetings import services
from wangge.meetings.exceptions import MeetingsError, NotAllowed
from wangge.meetings.forms import ProcedureForm, StepForm
from wangge.meetings.models import MEETING_STEPS, STEP_ORDER, Step, StepDocument, Threshold
from wangge.meetings.permissions import (
    communities_for,
    get_procedure_for_user,
    may_run,
    may_run_any,
    may_view_any,
    visible_procedures,
)
from wangge.meetings.views.lookups import actor, or_404, serve_attachment
from wangge.org.roles import Capability

PAGE = 100


@login_required
@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    if not may_view_any(request.user):
        raise PermissionDenied
    procedures = list(
        visible_procedures(request.user)
        .select_related("community")
        .prefetch_related("steps")[:PAGE]
    )
    rows = [(p, len(p.steps.all())) for p in procedures]
    return render(
        request,
        "meetings/procedures.html",
        {"rows": rows, "total": len(STEP_ORDER), "may_run": may_run_any(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_create(request: HttpRequest) -> HttpResponse:
    communities = communities_for(request.user, Capability.RUN_MEETINGS).order_by("code")
    if not communities.exists():
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = ProcedureForm(data, communities=communities)
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            procedure = services.start_procedure(
                actor(request), cleaned["community"], cleaned["title"], cleaned["description"]
            )
        except NotAllowed:
            raise PermissionDenied from None
        except MeetingsError as refused:
            form.add_refusal(refused.field, refused.message)
        else:
            return redirect("meetings:procedure", procedure_id=procedure.pk)
    status = 400 if data is not None else 200
    return render(
        request, "meetings/form.html", {"form": form, "title": _("Start 四议两公开")}, status=status
    )


def _page(request: HttpRequest, procedure, form=None, status: int = 200) -> HttpResponse:
    steps = {s.step: s for s in procedure.steps.prefetch_related("documents__attachment")}
    upcoming = services.next_step(procedure)
    runs = may_run(request.user, procedure.community) and upcoming is not None
    if runs and form is None:
        form = StepForm(
            initial={"step": upcoming, "held_on": clock.today()},
            is_meeting=upcoming in MEETING_STEPS,
        )
    rule = services.rule_for(upcoming) if upcoming else None
    if rule is not None:
        rule = (Threshold(rule[0]).label, Threshold(rule[1]).label)
    return render(
        request,
        "meetings/procedure.html",
        {
            "procedure": procedure,
            "rows": [(Step(step), steps.get(step)) for step in STEP_ORDER],
            "upcoming": Step(upcoming) if upcoming else None,
            "form": form if runs else None,
            "rule": rule,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_page(request: HttpRequest, procedure_id: int) -> HttpResponse:
    procedure = or_404(get_procedure_for_user, request, procedure_id)
    if request.method == "GET":
        return _page(request, procedure)
    upcoming = services.next_step(procedure)
    form = StepForm(request.POST, request.FILES, is_meeting=upcoming in MEETING_STEPS)
    if not form.is_valid():
        return _page(request, procedure, form, 400)
    cleaned = form.cleaned_data
    user = actor(request)
    try:
        with transaction.atomic():
            documents = [
                store_attachment(user, upload, name=upload.name or "", field="documents")
                for upload in request.FILES.getlist("documents")[:10]
            ]
            services.record_step(
                user,
                procedure,
                services.StepInput(
                    step=cleaned["step"],
                    held_on=cleaned["held_on"],
                    expected=cleaned.get("expected"),
                    present=cleaned.get("present"),
                    in_favour=cleaned.get("in_favour"),
                    notes=cleaned["notes"],
                    documents=documents,
                ),
            )
    except CaseInvalid as refused:
        form.add_refusal("documents", refused.message)
        return _page(request, procedure, form, 400)
    except NotAllowed:
        raise PermissionDenied from None
    except MeetingsError as refused:
        form.add_refusal(refused.field, refused.message)
        return _page(request, procedure, form, 409 if refused.field == "step" else 400)
    messages.success(request, _("The step is recorded."))
    return redirect("meetings:procedure", procedure_id=procedure.pk)


@login_required
@require_GET
def procedure_document(request: HttpRequest, procedure_id: int, document_id: int) -> HttpResponse:
    procedure = or_404(get_procedure_for_user, request, procedure_id)
    document = (
        StepDocument.objects.filter(step__procedure=procedure, pk=document_id)
        .select_related("attachment")
        .first()
    )
    if document is None:
        raise Http404(document_id)
    return serve_attachment(document.attachment)
