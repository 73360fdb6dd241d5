"""Django's admin shows categories read-only: changes go through the services (and, later, the
app's own pages), which validate every field and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from wangge.cases.models import Category
from wangge.org.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "parent",
        "is_grid_entry",
        "accept_amount",
        "accept_unit",
        "dispatch_amount",
        "dispatch_unit",
        "handle_amount",
        "handle_unit",
        "is_active",
    ]
    list_filter = ["kind", "is_grid_entry", "is_active", "handle_unit"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    ordering = ["code"]
