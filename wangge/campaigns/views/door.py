"""A doorplate's QR code (一户一码), scanned with a phone. A signed-in helper who may visit the
house now is taken to its visit form, the scan kept in the session as proof of being at the
door; anybody else, a resident without an account first, reaches the house's page for residents:
its address and grid, and a way to report a problem there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wangge.campaigns import queries
from wangge.campaigns.doorplates import DoorplateInvalid, house_code_of, remember_scan
from wangge.campaigns.permissions import may_visit
from wangge.cases.public_places import Place, public_report_link
from wangge.core import clock
from wangge.people.models import House


@never_cache
@require_GET
def doorplate(request: HttpRequest, doorplate: str) -> HttpResponse:
    try:
        code = house_code_of(doorplate)
    except DoorplateInvalid:
        return render(request, "campaigns/public/door_invalid.html", status=404)
    house = House.objects.select_related("grid", "building").filter(code=code).first()
    if house is None:
        return render(request, "campaigns/public/door_invalid.html", status=404)
    if request.user.is_authenticated:
        targets = [t for t in queries.open_targets_of_house(house) if may_visit(request.user, t)]
        if targets:
            remember_scan(request.session, house, clock.now())
            mine = [t for t in targets if t.assignee_id == request.user.pk]
            chosen = (mine or targets)[0]
            return redirect("campaigns:target", target_id=chosen.pk)
    report_url = public_report_link(Place(address=house.address, grid=house.grid.code))
    context = {"house": house, "grid": house.grid, "report_url": report_url}
    return render(request, "campaigns/public/door.html", context)
