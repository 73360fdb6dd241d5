"""The city's outcome codes, kept by an administrator of the whole city."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.campaigns import services
from wangge.campaigns.exceptions import CampaignError
from wangge.campaigns.forms import OutcomeForm
from wangge.campaigns.models import OutcomeCode
from wangge.campaigns.permissions import may_manage_outcomes
from wangge.campaigns.views.lookups import actor


@login_required
@require_http_methods(["GET", "POST"])
def outcome_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not may_manage_outcomes(user):
        raise PermissionDenied
    outcome = None
    chosen = request.GET.get("outcome_code") or request.POST.get("outcome_code")
    if chosen:
        outcome = OutcomeCode.objects.filter(code=chosen).first()
        if outcome is None:
            raise Http404(chosen)
    initial = (
        {
            "code": outcome.code,
            "name": outcome.name,
            "counts_as_reached": outcome.counts_as_reached,
            "is_done": outcome.is_done,
            "order": outcome.order,
            "is_active": outcome.is_active,
        }
        if outcome
        else None
    )
    form = OutcomeForm(request.POST or None, initial=initial, outcome=outcome)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_outcome(
                    user,
                    services.OutcomeInput(
                        code=outcome.code if outcome else data["code"],
                        name=data["name"],
                        counts_as_reached=data["counts_as_reached"],
                        is_done=data["is_done"],
                        order=data["order"],
                        is_active=data["is_active"],
                    ),
                    outcome,
                )
            except CampaignError as refused:
                form.add_refusal(refused.field, refused.message)
            else:
                messages.success(request, _("The outcome is saved."))
                return redirect("campaigns:outcomes")
    context = {"outcomes": list(OutcomeCode.objects.all()), "form": form, "editing": outcome}
    return render(request, "campaigns/outcomes.html", context, status=status)
