"""The reporting pages: my unit's reports and the reports my units receive (filters: state,
kind, overdue, unsigned), the phone form of a first report (a grid worker outdoors fills it in
a minute), a report with its timeline, the continued and final report forms, and its files.

Thin adapters: uploads are kept by the case app's checked `store_attachment`, then the services
decide; a refusal shows beside its field (400; 409 for a report in the wrong state) and the
files kept for it are removed again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.cases.deadlines import deadline_light
from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import Attachment
from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.core.models import User
from wangge.info_reports import queries, services
from wangge.info_reports.exceptions import Conflict, InfoReportError, NotAllowed, NotFound
from wangge.info_reports.forms import FirstReportForm, FollowUpForm, ForwardForm, RequestForm
from wangge.info_reports.models import EntryAttachment, EntryKind, InfoReport, ReportState
from wangge.info_reports.permissions import (
    get_report_for_user,
    may_follow_up,
    may_receive,
    may_report,
    receipts_of,
    reporting_units,
)
from wangge.info_reports.services.deadlines import written_report_due
from wangge.org.models import OrgUnit

PAGE = 100


def actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def report_or_404(request: HttpRequest, report_id: int) -> InfoReport:
    try:
        return get_report_for_user(request.user, report_id)
    except NotFound:
        raise Http404(str(report_id)) from None


def keep_uploads(user: User, uploads: list[Any]) -> list[Attachment]:
    kept: list[Attachment] = []
    try:
        for upload in uploads:
            kept.append(store_attachment(user, upload, name=upload.name or "", field="photos"))
    except CaseInvalid:
        drop_uploads(kept)
        raise
    return kept


def drop_uploads(attachments: list[Attachment]) -> None:
    """Remove files kept for a write the services refused: nothing of it stays."""
    for attachment in attachments:
        attachment.file.delete(save=False)
        attachment.delete()


def refusal_status(refused: InfoReportError) -> int:
    return 409 if isinstance(refused, Conflict) else 400


# --- lists --------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> queries.ReportFilters:
    state = request.GET.get("state", "")
    return queries.ReportFilters(
        state=state if state in ReportState.values else "",
        kind=request.GET.get("kind", "")[:32],
        overdue=request.GET.get("overdue") == "1",
        unsigned=request.GET.get("unsigned") == "1",
    )


def _list_page(request: HttpRequest, reports: Any, *, received: bool) -> HttpResponse:
    filters = _filters(request)
    now = clock.now()
    rows = [
        {
            "report": report,
            "first_light": services.first_report_light(report),
            "request_light": deadline_light(
                report.open_request_due_at, report.open_request_warn_at, now
            ),
        }
        for report in reports[:PAGE]
    ]
    return render(
        request,
        "info_reports/list.html",
        {
            "rows": rows,
            "received": received,
            "filters": filters,
            "states": ReportState.choices,
            "kinds": queries.active_kinds(),
            "may_report": may_report(request.user),
            "may_receive": may_receive(request.user),
        },
    )


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    if not may_report(request.user):
        raise PermissionDenied
    return _list_page(
        request, queries.my_unit_reports(request.user, _filters(request)), received=False
    )


@login_required
@require_GET
def received_reports(request: HttpRequest) -> HttpResponse:
    if not may_receive(request.user):
        raise PermissionDenied
    reports = queries.received_reports(request.user, _filters(request))
    return _list_page(request, reports, received=True)


# --- the first report ---------------------------------------------------------------------------


def _first_report_form(
    request: HttpRequest, data: Any = None, files: Any = None
) -> FirstReportForm:
    user = actor(request)
    units = list(reporting_units(user))
    receivers: set[int] = set()
    for unit in units:
        receivers.update(u.pk for u in services.receiving_candidates(unit))
    now = timezone.localtime(clock.now()).replace(second=0, microsecond=0)
    initial = {"known_at": now, "happened_at": now}
    if units:
        default = services.default_receiver(units[0])
        if default is not None:
            initial["to_unit"] = default.pk
    return FirstReportForm(
        data,
        files,
        initial=initial,
        kinds=queries.active_kinds(),
        units=units,
        receivers=OrgUnit.objects.filter(pk__in=receivers).order_by("-depth"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest) -> HttpResponse:
    if not may_report(request.user):
        raise PermissionDenied
    if request.method == "GET":
        return render(request, "info_reports/new.html", {"form": _first_report_form(request)})
    form = _first_report_form(request, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "info_reports/new.html", {"form": form}, status=400)
    data = form.cleaned_data
    user = actor(request)
    kept: list[Attachment] = []
    try:
        kept = keep_uploads(user, data["photos"])
        report = services.submit_first_report(
            user,
            services.FirstReport(
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                happened_at=data["happened_at"],
                known_at=data["known_at"],
                from_unit=data["from_unit"],
                to_unit=data["to_unit"],
                address=data["address"],
                dead=data["dead"],
                injured=data["injured"],
                missing=data["missing"],
                measures=data["measures"],
                attachments=kept,
            ),
        )
    except CaseInvalid as refused:
        form.add_refusal("photos", refused.message)
        return render(request, "info_reports/new.html", {"form": form}, status=400)
    except NotAllowed:
        drop_uploads(kept)
        raise PermissionDenied from None
    except InfoReportError as refused:
        drop_uploads(kept)
        form.add_refusal(refused.field, refused.message)
        return render(request, "info_reports/new.html", {"form": form}, status=400)
    if report.is_late:
        messages.warning(
            request,
            _("Report %(number)s sent, %(minutes)d minutes after the first-report deadline.")
            % {"number": report.number, "minutes": report.minutes_late},
        )
    else:
        messages.success(request, _("Report %(number)s sent.") % {"number": report.number})
    return redirect("info_reports:detail", report_id=report.pk)


# --- one report ---------------------------------------------------------------------------------


def report_page(
    request: HttpRequest,
    report: InfoReport,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = actor(request)
    now = clock.now()
    open_request = queries.open_request_of(report)
    mine = receipts_of(user, report)
    is_open = report.state in (ReportState.REPORTED, ReportState.FOLLOWING)
    forward_units = (
        services.forward_candidates(report, mine[0])
        if mine and report.state != ReportState.CLOSED
        else []
    )
    forms = forms or {}
    context = {
        "report": report,
        "first_light": services.first_report_light(report),
        "written_due_at": written_report_due(report.kind, report.known_at),
        "open_request": open_request,
        "request_light": services.request_light(open_request, now),
        "timeline": queries.timeline(report),
        "receipts": queries.receipts_of_report(report),
        "may_follow_up": is_open and may_follow_up(user, report),
        "may_sign": report.state != ReportState.CLOSED and any(r.signed_at is None for r in mine),
        "may_request": is_open and bool(mine) and open_request is None,
        "may_forward": bool(forward_units),
        "may_close": report.state == ReportState.FINISHED and bool(mine),
        "request_form": forms.get("request") or RequestForm(),
        "forward_form": forms.get("forward") or ForwardForm(units=forward_units),
        "entry_kinds": EntryKind,
    }
    return render(request, "info_reports/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return report_page(request, report_or_404(request, report_id))


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, report_id: int, kind: str) -> HttpResponse:
    report = report_or_404(request, report_id)
    user = actor(request)
    if not may_follow_up(user, report):
        raise PermissionDenied
    template = "info_reports/follow_up.html"
    context: dict[str, Any] = {"report": report, "kind": kind, "is_final": kind == EntryKind.FINAL}
    if request.method == "GET":
        return render(request, template, {**context, "form": FollowUpForm()})
    form = FollowUpForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=400)
    data = form.cleaned_data
    kept: list[Attachment] = []
    try:
        kept = keep_uploads(user, data["photos"])
        services.add_follow_up(
            user,
            report,
            kind,
            services.FollowUp(
                text=data["text"],
                dead=data["dead"],
                injured=data["injured"],
                missing=data["missing"],
                measures=data["measures"],
                attachments=kept,
            ),
        )
    except CaseInvalid as refused:
        form.add_refusal("photos", refused.message)
        return render(request, template, {**context, "form": form}, status=400)
    except NotAllowed:
        drop_uploads(kept)
        raise PermissionDenied from None
    except InfoReportError as refused:
        drop_uploads(kept)
        form.add_refusal(refused.field, refused.message)
        return render(request, template, {**context, "form": form}, status=refusal_status(refused))
    messages.success(
        request, _("Final report sent.") if kind == EntryKind.FINAL else _("Continued report sent.")
    )
    return redirect("info_reports:detail", report_id=report.pk)


@login_required
@require_GET
def entry_file(request: HttpRequest, report_id: int, file_id: int) -> HttpResponse:
    report = report_or_404(request, report_id)
    link = (
        EntryAttachment.objects.filter(pk=file_id, entry__report=report)
        .select_related("attachment")
        .first()
    )
    if link is None:
        raise Http404(str(file_id))
    attachment = link.attachment
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
