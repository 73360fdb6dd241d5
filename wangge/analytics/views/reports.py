"""Pages of the weekly and monthly reports, under /analytics/reports/: the form to make one
now, the stored reports of the user's area with their downloads (each download audited), the
schedules (kept by MANAGE_REPORTS), and the printable page of any unit's week or month
(`view?unit=…&kind=…&period=…`). Thin: `reports` reads, checks and writes; a refusal is shown
beside its field with 400, a report or schedule out of reach is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.analytics import report_exports, reports
from wangge.analytics.models import Report, ReportKind
from wangge.analytics.queries import Period
from wangge.core import clock
from wangge.core.models import User
from wangge.org.models import OrgUnit

LISTED = 50  # stored reports on the page, newest first


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _units(request: HttpRequest) -> list[OrgUnit]:
    units = reports.report_units(_user(request))
    if not units:
        raise PermissionDenied(_("Reports are of areas; your account has none."))
    return units


def _unit_choices(units: list[OrgUnit]) -> list[tuple[str, str]]:
    return [
        (unit.code, "\u3000" * max(unit.depth - units[0].depth, 0) + unit.name) for unit in units
    ]


class ReportForm(forms.Form):
    """Which report: a unit of the user's area, weekly or monthly, and which week or month."""

    unit = forms.ChoiceField(label=gettext_lazy("Unit"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ReportKind.choices)
    period = forms.CharField(
        label=gettext_lazy("Week or month"),
        max_length=16,
        help_text=gettext_lazy("A day in it (2026-03-02), a week (2026-W10) or a month (2026-03)."),
    )

    def __init__(self, *args: Any, units: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = _unit_choices(units)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["unit_object"] = self.units.get(data.get("unit") or "")
        kind, text = data.get("kind"), data.get("period")
        if kind and text:
            try:
                period = reports.parse_period(kind, text)
                reports.check_period(kind, period, clock.now())
            except reports.ReportRefused as refusal:
                self.add_error(refusal.field, refusal.message)
            else:
                data["period_object"] = period
        return data


class ScheduleForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ReportKind.choices)

    def __init__(self, *args: Any, units: list[OrgUnit], **kwargs: Any) -> None:
        # Its own ids: the page holds the report form too, with fields of the same names.
        kwargs.setdefault("auto_id", "schedule_%s")
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = _unit_choices(units)


def _default_period(kind: str) -> str:
    return reports.period_name(kind, reports.last_released(kind, clock.now()))


def _page(
    request: HttpRequest,
    units: list[OrgUnit],
    status: int = 200,
    form: ReportForm | None = None,
    schedule_form: ScheduleForm | None = None,
) -> HttpResponse:
    user = _user(request)
    schedule_units = [unit for unit in units if reports.may_manage_schedules(user, unit)]
    schedules = list(reports.schedules_for(user))
    manageable = {unit.pk for unit in schedule_units}
    initial = {"unit": units[0].code, "kind": ReportKind.WEEKLY}
    context = {
        "form": form
        or ReportForm(units=units, initial={**initial, "period": _default_period("weekly")}),
        "schedule_form": schedule_form
        or (ScheduleForm(units=schedule_units, initial=initial) if schedule_units else None),
        "reports": [
            {"report": report, "period": reports.period_name(report.kind, _period(report))}
            for report in reports.reports_for(user)[:LISTED]
        ],
        "schedules": [
            {"schedule": schedule, "may_remove": schedule.unit_id in manageable}
            for schedule in schedules
        ],
    }
    return render(request, "analytics/reports.html", context, status=status)


def _period(report: Report) -> Period:
    return Period(report.first_on, report.last_on)


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _units(request))


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    form = ReportForm(request.POST, units=units)
    if not form.is_valid():
        return _page(request, units, 400, form=form)
    data = form.cleaned_data
    try:
        report = reports.generate_report(
            _user(request), data["unit_object"], data["kind"], data["period_object"]
        )
    except reports.ReportRefused as refusal:
        form.add_error(refusal.field, refusal.message)
        return _page(request, units, 400, form=form)
    messages.success(request, _("The report is ready: download it below."))
    return redirect(f"{reverse('analytics:reports')}#report-{report.pk}")


@login_required
@require_GET
def report_view(request: HttpRequest) -> HttpResponse:
    """The printable page of a unit's week or month, read now (nothing is stored)."""
    units = _units(request)
    if not request.GET:
        initial = {"unit": units[0].code, "kind": "weekly", "period": _default_period("weekly")}
        form = ReportForm(units=units, initial=initial)
        return render(request, "analytics/report_view.html", {"form": form})
    form = ReportForm(request.GET, units=units)
    if not form.is_valid():
        return render(request, "analytics/report_view.html", {"form": form}, status=400)
    data = form.cleaned_data
    content = reports.report_content(
        data["unit_object"], data["kind"], data["period_object"], clock.now()
    )
    context = {"form": form, **report_exports.page_context(content)}
    return render(request, "analytics/report_view.html", context)


def _download(request: HttpRequest, report_id: int, file_format: str) -> FileResponse:
    user = _user(request)
    try:
        report = reports.get_report_for_user(user, report_id)
    except reports.ReportNotFound:
        raise Http404(_("No such report.")) from None
    reports.record_download(user, report, file_format)
    stored = report.xlsx if file_format == "xlsx" else report.pdf
    kind = str(ReportKind(report.kind).label)
    local = timezone.localdate(report.generated_at)
    name = f"{report.unit.name}-{kind}-{report.first_on:%Y%m%d}-{local:%Y%m%d}.{file_format}"
    response = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=report_exports.XLSX_CONTENT_TYPE
        if file_format == "xlsx"
        else report_exports.PDF_CONTENT_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def report_xlsx(request: HttpRequest, report_id: int) -> FileResponse:
    return _download(request, report_id, "xlsx")


@login_required
@require_GET
def report_pdf(request: HttpRequest, report_id: int) -> FileResponse:
    return _download(request, report_id, "pdf")


@login_required
@require_POST
def add_schedule(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    user = _user(request)
    schedule_units = [unit for unit in units if reports.may_manage_schedules(user, unit)]
    if not schedule_units:
        raise PermissionDenied(_("Only leaders and administrators schedule reports."))
    form = ScheduleForm(request.POST, units=schedule_units)
    if not form.is_valid():
        return _page(request, units, 400, schedule_form=form)
    try:
        reports.add_schedule(user, form.units[form.cleaned_data["unit"]], form.cleaned_data["kind"])
    except reports.ReportRefused as refusal:
        form.add_error(refusal.field, refusal.message)
        return _page(request, units, 400, schedule_form=form)
    messages.success(request, _("The report is scheduled."))
    return redirect("analytics:reports")


@login_required
@require_POST
def remove_schedule(request: HttpRequest, schedule_id: int) -> HttpResponse:
    try:
        reports.remove_schedule(_user(request), schedule_id)
    except reports.ReportNotFound:
        raise Http404(_("No such schedule.")) from None
    except reports.ScheduleNotAllowed:
        raise PermissionDenied(_("Only leaders and administrators schedule reports.")) from None
    messages.success(request, _("The schedule is removed."))
    return redirect("analytics:reports")
