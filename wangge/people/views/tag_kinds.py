"""The tags a city gives people (/people/tags/): every tag with its visit frequency, whether it
is sensitive, the roles that see it, how long it is kept and whether it is in use; and the form
to define or change one (`services.save_tag_kind`). Only for an administrator of the whole city
(`services.may_manage_tag_kinds`): 403 for anyone else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.org.roles import Role
from wangge.people import services
from wangge.people.exceptions import Invalid, NotAllowed
from wangge.people.forms import TagKindForm
from wangge.people.models import TagKind
from wangge.people.views.lookups import actor


def _require_tag_admin(request: HttpRequest) -> None:
    if not services.may_manage_tag_kinds(request.user):
        raise PermissionDenied


@login_required
@require_GET
def tag_kind_list(request: HttpRequest) -> HttpResponse:
    _require_tag_admin(request)
    role_labels = dict(Role.choices)
    rows = [
        {
            "kind": kind,
            "roles": [str(role_labels.get(role, role)) for role in kind.visible_to_roles or []],
        }
        for kind in TagKind.objects.order_by("-is_active", "name", "pk")
    ]
    return render(request, "people/tag_kinds.html", {"rows": rows})


def _form_page(
    request: HttpRequest, form: TagKindForm, kind: TagKind | None, status: int = 200
) -> HttpResponse:
    return render(request, "people/tag_kind_form.html", {"form": form, "kind": kind}, status=status)


def _save(request: HttpRequest, kind: TagKind | None) -> HttpResponse:
    _require_tag_admin(request)
    initial = {"is_active": True}
    if kind is not None:
        initial = {
            "code": kind.code,
            "name": kind.name,
            "visit_every_days": kind.visit_every_days,
            "is_sensitive": kind.is_sensitive,
            "visible_to_roles": kind.visible_to_roles,
            "retention_days": kind.retention_days,
            "is_active": kind.is_active,
        }
    data = request.POST if request.method == "POST" else None
    form = TagKindForm(data, prefix="tag", initial=initial, fixed_code=kind is not None)
    if data is None:
        return _form_page(request, form, kind)
    if not form.is_valid():
        return _form_page(request, form, kind, status=400)
    cleaned = form.cleaned_data
    code = kind.code if kind is not None else cleaned["code"]
    try:
        saved = services.save_tag_kind(
            actor(request),
            services.TagKindInput(
                code=code,
                name=cleaned["name"],
                visit_every_days=cleaned["visit_every_days"],
                is_sensitive=cleaned["is_sensitive"],
                visible_to_roles=list(cleaned["visible_to_roles"]),
                retention_days=cleaned["retention_days"],
                is_active=cleaned["is_active"],
            ),
            create_only=kind is None,
        )
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except Invalid as refused:
        form.add_refusal(refused.field, refused.message)
        status = 409 if isinstance(refused, services.TagCodeTaken) else 400
        return _form_page(request, form, kind, status=status)
    messages.success(request, _("The tag %(name)s is saved.") % {"name": saved.name})
    return redirect("people:tag_kinds")


@login_required
@require_http_methods(["GET", "POST"])
def tag_kind_create(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def tag_kind_edit(request: HttpRequest, code: str) -> HttpResponse:
    _require_tag_admin(request)
    return _save(request, get_object_or_404(TagKind, code=code))
