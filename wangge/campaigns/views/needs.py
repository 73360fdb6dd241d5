"""Raising a need of a household from its target page (双向认领 from canvass answers): the form
posts here; refusals come back beside their field on the target page (400), nothing written."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.campaigns import services
from wangge.campaigns.exceptions import CampaignError, NotAllowed, NotFound
from wangge.campaigns.views.lookups import actor, target_or_404
from wangge.campaigns.views.visits import render_target_page
from wangge.claims.models import Urgency
from wangge.claims.services.lists import NeedInput

NEED_FIELDS = ("need_kind", "need_title", "need_description", "need_urgency", "need_wanted_by")


@login_required
@require_POST
def need_raise(request: HttpRequest, target_id: int) -> HttpResponse:
    user = actor(request)
    target = target_or_404(request, target_id)
    post = request.POST
    values = {name: post.get(name, "") for name in NEED_FIELDS}
    wanted_by = None
    if values["need_wanted_by"]:
        try:
            wanted_by = date.fromisoformat(values["need_wanted_by"])
        except ValueError:
            errors = {"wanted_by": _("Enter a date.")}
            return render_target_page(
                request, target, need_errors=errors, need_values=values, status=400
            )
    given = NeedInput(
        kind=values["need_kind"],
        title=values["need_title"],
        description=values["need_description"],
        urgency=values["need_urgency"] or Urgency.NORMAL,
        wanted_by=wanted_by,
    )
    try:
        need = services.raise_need_from_visit(user, target, given)
    except NotFound:
        raise Http404(target_id) from None
    except NotAllowed as refused:
        errors = {"form": refused.message}
        return render_target_page(
            request, target, need_errors=errors, need_values=values, status=403
        )
    except CampaignError as refused:
        errors = {refused.field or "form": refused.message}
        return render_target_page(
            request, target, need_errors=errors, need_values=values, status=400
        )
    messages.success(request, _("The need “%(title)s” is raised.") % {"title": need.title})
    return redirect("campaigns:target", target_id=target.pk)
