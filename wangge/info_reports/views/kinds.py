"""The city's kinds of information and their time limits: a list and a form, for an
administrator of the whole city (`save_kind` decides)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.info_reports.exceptions import InfoReportError, NotAllowed
from wangge.info_reports.forms import KindForm
from wangge.info_reports.models import InfoKind
from wangge.info_reports.permissions import may_manage_kinds
from wangge.info_reports.services.kinds import KindInput, save_kind
from wangge.info_reports.views.reports import actor


def _require_manager(request: HttpRequest) -> None:
    if not may_manage_kinds(request.user):
        raise PermissionDenied


@login_required
@require_GET
def kind_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    kinds = InfoKind.objects.order_by("position", "code")
    return render(request, "info_reports/kinds.html", {"kinds": kinds})


@login_required
@require_http_methods(["GET", "POST"])
def kind_form(request: HttpRequest, kind_id: int | None = None) -> HttpResponse:
    _require_manager(request)
    kind = None
    if kind_id is not None:
        kind = InfoKind.objects.filter(pk=kind_id).first()
        if kind is None:
            raise Http404(str(kind_id))
    editing = kind is not None
    initial = (
        {
            name: getattr(kind, name)
            for name in (
                "code",
                "name",
                "level",
                "first_report_minutes",
                "written_report_minutes",
                "continued_report_minutes",
                "is_active",
                "position",
            )
        }
        if kind is not None
        else None
    )
    context = {"kind": kind}
    if request.method == "GET":
        form = KindForm(initial=initial, editing=editing)
        return render(request, "info_reports/kind_form.html", {**context, "form": form})
    form = KindForm(request.POST, initial=initial, editing=editing)
    if not form.is_valid():
        return render(request, "info_reports/kind_form.html", {**context, "form": form}, status=400)
    data = form.cleaned_data
    try:
        save_kind(
            actor(request),
            kind,
            KindInput(
                code=data["code"],
                name=data["name"],
                level=data["level"],
                first_report_minutes=data["first_report_minutes"],
                written_report_minutes=data["written_report_minutes"],
                continued_report_minutes=data["continued_report_minutes"],
                is_active=data["is_active"],
                position=data["position"],
            ),
        )
    except NotAllowed:
        raise PermissionDenied from None
    except InfoReportError as refused:
        form.add_refusal(refused.field, refused.message)
        return render(request, "info_reports/kind_form.html", {**context, "form": form}, status=400)
    messages.success(request, _("Saved."))
    return redirect("info_reports:kinds")
