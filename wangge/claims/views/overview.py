"""The claiming overview for community staff and leaders (what waits, and the figures: agreements
reached, fulfilled and overdue per community and per member unit, funds allocated and spent,
confirmed volunteer hours), the member unit contact's own page (phone first), and the funds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.claims import queries, services
from wangge.claims.exceptions import Invalid, NotAllowed
from wangge.claims.forms import AllocationForm
from wangge.claims.permissions import contact_of
from wangge.claims.views.lookups import (
    actor,
    kept_communities,
    refused,
    require_keeper,
    require_viewer,
)
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability


@login_required
@require_GET
def claims_home(request: HttpRequest) -> HttpResponse:
    """Staff and leaders: the overview. A member unit's contact: their own page."""
    if (
        contact_of(request.user) is not None
        and scope_for(request.user, Capability.VIEW_CLAIMS).is_empty
    ):
        return redirect("claims:unit_home")
    require_viewer(request)
    context = {
        "figures": queries.figures(request.user),
        "waiting": queries.counts_waiting(request.user),
        "may_keep": kept_communities(request).exists(),
        "communities": list(kept_communities(request)[:20]),
    }
    return render(request, "claims/home.html", context)


@login_required
@require_GET
def unit_home(request: HttpRequest) -> HttpResponse:
    work = queries.unit_work(request.user)
    if work is None:
        return redirect("claims:home")
    context = {"contact": contact_of(request.user), "work": work}
    return render(request, "claims/unit_home.html", context)


def _funds_page(request: HttpRequest, form: AllocationForm, status: int = 200) -> HttpResponse:
    context = {
        "funds": queries.fund_figures(request.user),
        "form": form if kept_communities(request).exists() else None,
    }
    return render(request, "claims/funds.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def funds_page(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    communities = kept_communities(request)
    if request.method != "POST":
        return _funds_page(request, AllocationForm(communities=communities, prefix="fund"))
    require_keeper(request)
    form = AllocationForm(request.POST, communities=communities, prefix="fund")
    if not form.is_valid():
        return _funds_page(request, form, 400)
    data = form.cleaned_data
    try:
        services.allocate_fund(
            actor(request), data["community"], data["year"], data["amount"], data["note"]
        )
    except NotAllowed as error:
        raise refused(error) from None
    except Invalid as error:
        form.add_refusal(error.field, error.message)
        return _funds_page(request, form, 400)
    messages.success(request, _("The fund is allocated."))
    return redirect(reverse("claims:funds"))
