"""Pages of the org tree and the grid map."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    return render(request, "org/tree.html", {})


@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    return render(request, "org/map.html", {})
