"""Django's admin shows the org tree read-only: changes go through the services (and the app's
own pages), which check scope, keep paths consistent and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin
from wangge.org.models import GridKind, Membership, OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "parent", "grid_kind", "is_active"]
    list_filter = ["kind", "is_active", "grid_kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "grid_kind"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "unit", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__full_name", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]


@admin.register(GridKind)
class GridKindAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]
