"""The notice a grid worker prints and leaves with the landlord of a rented house: its address,
its code and the address of the landlord's page (业主负责制). Plain text, one printed page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from wangge.people.models import HouseUse
from wangge.people.views.lookups import house_or_404


@login_required
@require_GET
def house_notice(request: HttpRequest, house_id: int) -> HttpResponse:
    house = house_or_404(request, house_id)
    if house.use != HouseUse.RENTED:
        raise Http404(house_id)
    context = {
        "house": house,
        "landlord_url": request.build_absolute_uri(reverse("people:landlord")),
    }
    response = render(request, "people/house_notice.html", context)
    response["Cache-Control"] = "no-store"
    return response
