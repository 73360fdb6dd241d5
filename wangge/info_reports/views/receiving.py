"""The receivers' actions on a report's page: sign for it, ask for a continued report by a
deadline, forward it to a higher unit, close it once the final report is in. Each posts to its
own address and comes back to the report; a refusal shows on the report's page (400 beside the
field, 409 for a report in the wrong state)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.info_reports import services
from wangge.info_reports.exceptions import InfoReportError, NotAllowed
from wangge.info_reports.forms import ForwardForm, NoteForm, RequestForm
from wangge.info_reports.permissions import receipts_of
from wangge.info_reports.views.reports import actor, refusal_status, report_or_404, report_page


def _refused_elsewhere(
    request: HttpRequest, report: object, refused: InfoReportError
) -> HttpResponse:
    messages.error(request, refused.message)
    return report_page(request, report, status=refusal_status(refused))  # type: ignore[arg-type]


@login_required
@require_POST
def sign(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_or_404(request, report_id)
    try:
        services.sign_for(actor(request), report)
    except NotAllowed:
        raise PermissionDenied from None
    except InfoReportError as refused:
        return _refused_elsewhere(request, report, refused)
    messages.success(request, _("Signed for."))
    return redirect("info_reports:detail", report_id=report.pk)


@login_required
@require_POST
def request_continued(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_or_404(request, report_id)
    form = RequestForm(request.POST)
    if not form.is_valid():
        return report_page(request, report, forms={"request": form}, status=400)
    try:
        services.request_continued(
            actor(request), report, form.cleaned_data["due_at"], form.cleaned_data["note"]
        )
    except NotAllowed:
        raise PermissionDenied from None
    except InfoReportError as refused:
        form.add_refusal(refused.field, refused.message)
        return report_page(request, report, forms={"request": form}, status=refusal_status(refused))
    messages.success(request, _("A continued report has been asked for."))
    return redirect("info_reports:detail", report_id=report.pk)


@login_required
@require_POST
def forward(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_or_404(request, report_id)
    user = actor(request)
    mine = receipts_of(user, report)
    if not mine:
        raise PermissionDenied
    form = ForwardForm(request.POST, units=services.forward_candidates(report, mine[0]))
    if not form.is_valid():
        return report_page(request, report, forms={"forward": form}, status=400)
    try:
        services.forward_report(user, report, form.cleaned_data["unit"], form.cleaned_data["note"])
    except NotAllowed:
        raise PermissionDenied from None
    except InfoReportError as refused:
        form.add_refusal(refused.field, refused.message)
        return report_page(request, report, forms={"forward": form}, status=refusal_status(refused))
    messages.success(request, _("Forwarded."))
    return redirect("info_reports:detail", report_id=report.pk)


@login_required
@require_POST
def close(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_or_404(request, report_id)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.close_report(actor(request), report, note)
    except NotAllowed:
        raise PermissionDenied from None
    except InfoReportError as refused:
        return _refused_elsewhere(request, report, refused)
    messages.success(request, _("The report is closed."))
    return redirect("info_reports:detail", report_id=report.pk)
