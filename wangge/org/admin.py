"""Django's admin shows the org tree read-only: changes go through the services (and the app's
own pages), which check scope, keep paths consistent and write the audit log."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from wangge.org.models import GridKind, Membership, OrgUnit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
