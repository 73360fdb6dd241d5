"""Agreements (认领协议): the list (overdue ones marked, read from their dates), an agreement's
page with its parties, dates, deliverables, progress and evidence, and the forms to record
progress with a photo (phone first: the member unit's contact uses it on site), add a
deliverable, complete it with evidence, or cancel it. Evidence files are kept by the cases
app's attachment handling and served here only to those who may see the agreement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.cases.exports import XLSX_CONTENT_TYPE
from wangge.claims import queries, services
from wangge.claims.exceptions import ClaimsError, NotAllowed
from wangge.claims.exports import export_agreements
from wangge.claims.forms import (
    AgreementFilterForm,
    CompleteForm,
    DeliverableForm,
    ProgressForm,
    ReasonForm,
)
from wangge.claims.models import Agreement, Deliverable
from wangge.claims.permissions import (
    get_agreement_for_user,
    get_evidence_for_user,
    may_act_for,
)
from wangge.claims.views.lookups import (
    actor,
    found,
    kept_communities,
    refused,
    require_keeper,
    require_viewer,
)
from wangge.core.masking import mask_phone


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    filters = AgreementFilterForm(request.GET)
    state, overdue, status = "", False, 200
    if filters.is_valid():
        state, overdue = filters.cleaned_data["state"], filters.cleaned_data["overdue"]
    else:
        status = 400
    context = {
        "agreements": queries.agreement_list(request.user, state=state, overdue=overdue),
        "filters": filters,
        "may_keep": kept_communities(request).exists(),
    }
    return render(request, "claims/agreements.html", context, status=status)


@login_required
@require_GET
def agreement_export(request: HttpRequest) -> HttpResponse:
    """The agreements of the communities the user keeps, with the list's filters, as a
    masked workbook (`wangge.claims.exports`); one audit entry per export."""
    require_keeper(request)
    filters = AgreementFilterForm(request.GET)
    if not filters.is_valid():
        return HttpResponse(_("Choose a state from the list."), status=400)
    export = export_agreements(
        actor(request),
        state=filters.cleaned_data["state"],
        overdue=filters.cleaned_data["overdue"],
    )
    response = FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type=XLSX_CONTENT_TYPE
    )
    response["X-Export-Rows"] = str(export.rows)
    if export.is_capped:
        response["X-Export-Capped"] = "true"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _forms(
    agreement: Agreement, deliverables: list[Deliverable], given: dict[str, Any]
) -> dict[str, Any]:
    return {
        "progress_form": given.get("progress_form")
        or ProgressForm(prefix="progress", deliverables=deliverables),
        "deliverable_form": given.get("deliverable_form") or DeliverableForm(prefix="deliverable"),
        "complete_form": given.get("complete_form") or CompleteForm(prefix="complete"),
        "cancel_form": given.get("cancel_form") or ReasonForm(prefix="cancel"),
    }


def _agreement_page(
    request: HttpRequest, agreement: Agreement, status: int = 200, **given: Any
) -> HttpResponse:
    deliverables = list(agreement.deliverables.all())
    may_act = agreement.is_live and may_act_for(
        request.user, agreement.member_unit, agreement.community
    )
    rows = queries.deliverables_of(agreement)
    context: dict[str, Any] = {
        "agreement": agreement,
        "is_overdue": queries.with_overdue(
            Agreement.objects.filter(pk=agreement.pk), queries.today()
        )
        .values_list("is_overdue", flat=True)
        .first(),
        "deliverables": rows,
        "progress": queries.progress_of(agreement),
        "contact_phone": mask_phone(agreement.contact.phone) if agreement.contact else "",
        "may_act": may_act,
    }
    if may_act:
        context.update(_forms(agreement, deliverables, given))
    response = render(request, "claims/agreement.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def agreement_page(request: HttpRequest, agreement_id: int) -> HttpResponse:
    return _agreement_page(request, found(get_agreement_for_user, request, agreement_id))


def _acting(request: HttpRequest, agreement_id: int) -> Agreement:
    agreement = found(get_agreement_for_user, request, agreement_id)
    if not may_act_for(request.user, agreement.member_unit, agreement.community):
        raise PermissionDenied
    return agreement


def _with_evidence(request: HttpRequest, upload: UploadedFile | None, record: Any) -> Any:
    """Keep the upload (if any) and record, in one transaction: a refusal leaves no file row,
    and the stored file is deleted again."""
    stored = []
    try:
        with transaction.atomic():
            if upload is not None:
                stored.append(services.store_evidence(actor(request), upload, upload.name or ""))
            return record(stored)
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


@login_required
@require_POST
def agreement_progress(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _acting(request, agreement_id)
    deliverables = list(agreement.deliverables.all())
    form = ProgressForm(request.POST, request.FILES, prefix="progress", deliverables=deliverables)
    if not form.is_valid():
        return _agreement_page(request, agreement, 400, progress_form=form)
    data = form.cleaned_data
    chosen = next((d for d in deliverables if d.pk == data["deliverable"]), None)
    try:
        _with_evidence(
            request,
            data["evidence"],
            lambda stored: services.record_progress(
                actor(request), agreement, data["note"], stored, deliverable=chosen
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _agreement_page(request, agreement, 400, progress_form=form)
    messages.success(request, _("The progress is recorded."))
    return redirect("claims:agreement", agreement_id=agreement.pk)


@login_required
@require_POST
def agreement_deliverable(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _acting(request, agreement_id)
    form = DeliverableForm(request.POST, prefix="deliverable")
    if not form.is_valid():
        return _agreement_page(request, agreement, 400, deliverable_form=form)
    try:
        services.add_deliverable(
            actor(request), agreement, form.cleaned_data["title"], form.cleaned_data["due_on"]
        )
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _agreement_page(request, agreement, 400, deliverable_form=form)
    messages.success(request, _("The deliverable is added."))
    return redirect("claims:agreement", agreement_id=agreement.pk)


@login_required
@require_POST
def agreement_complete(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _acting(request, agreement_id)
    form = CompleteForm(request.POST, request.FILES, prefix="complete")
    if not form.is_valid():
        return _agreement_page(request, agreement, 400, complete_form=form)
    data = form.cleaned_data
    try:
        _with_evidence(
            request,
            data["evidence"],
            lambda stored: services.complete_agreement(
                actor(request), agreement, data["outcome"], stored
            ),
        )
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _agreement_page(request, agreement, 400, complete_form=form)
    messages.success(request, _("The agreement is fulfilled."))
    return redirect("claims:agreement", agreement_id=agreement.pk)


@login_required
@require_POST
def agreement_cancel(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _acting(request, agreement_id)
    form = ReasonForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _agreement_page(request, agreement, 400, cancel_form=form)
    try:
        services.cancel_agreement(actor(request), agreement, form.cleaned_data["reason"])
    except NotAllowed as error:
        raise refused(error) from None
    except ClaimsError as error:
        form.add_refusal(error.field, error.message)
        return _agreement_page(request, agreement, 400, cancel_form=form)
    messages.success(request, _("The agreement is cancelled."))
    return redirect("claims:agreement", agreement_id=agreement.pk)


@login_required
@require_GET
def evidence_file(request: HttpRequest, claim_evidence_id: int) -> FileResponse:
    evidence = found(get_evidence_for_user, request, claim_evidence_id)
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
