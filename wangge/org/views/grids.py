"""Importing grid boundaries from GeoJSON (all or nothing, every problem listed by the file
field) and downloading the current grids in the same form."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core import clock
from wangge.org.exceptions import GeoJSONInvalid, NotAllowed
from wangge.org.forms import GridImportForm
from wangge.org.models import OrgUnit
from wangge.org.queries import export_grids, scope_roots
from wangge.org.roles import Capability
from wangge.org.services import import_grids
from wangge.org.views.navigation import require_capability, unit_or_404


@login_required
@require_http_methods(["GET", "POST"])
def grid_import(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.MANAGE_ORG)
    summary = None
    import_refused = False
    if request.method == "POST":
        form = GridImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                summary = import_grids(request.user, form.read_file())
            except GeoJSONInvalid as refused:
                form.add_feature_errors(refused.errors)
                import_refused = True
            except NotAllowed as refused:
                form.add_error("file", str(refused))
            else:
                form = GridImportForm()
    else:
        form = GridImportForm()
    return render(
        request,
        "org/grid_import.html",
        {
            "form": form,
            "summary": summary,
            "import_refused": import_refused,
            # The map opens on the first grid the import created or changed.
            "focus_code": next(iter([*summary.created, *summary.updated]), "") if summary else "",
        },
    )


@login_required
@require_GET
def grid_export(request: HttpRequest) -> HttpResponse:
    """The grids of the user's subtree (or of ?within=CODE inside it) as one GeoJSON file."""
    scope = require_capability(request, Capability.MANAGE_ORG)
    within_code = request.GET.get("within", "").strip()
    within: list[OrgUnit | None]
    if within_code:
        within = [unit_or_404(request, within_code, Capability.MANAGE_ORG)]
    elif scope.everything:
        within = [None]
    else:
        within = list(scope_roots(scope))
    features = [feature for unit in within for feature in export_grids(within=unit)["features"]]
    collection = {"type": "FeatureCollection", "features": features}
    name = within[0].code if len(within) == 1 and within[0] is not None else "grids"
    response = JsonResponse(
        collection,
        content_type="application/geo+json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )
    stamp = clock.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.geojson"'
    return response
