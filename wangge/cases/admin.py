"""Django's admin shows categories read-only: changes go through the services (and, later, the
app's own pages), which validate every field and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from wangge.cases.models import Case, CaseEvent, Category, LoopRules, SupervisionOrder
from wangge.core.admin import ReadOnlyAdmin


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


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    # No reporter columns: personal data is shown masked, in the app's own pages only.
    list_display = ["number", "title", "state", "category", "area", "department", "due_at"]
    list_filter = ["state", "channel", "urgency", "needs_grid"]
    search_fields = ["number", "title"]
    list_select_related = ["category", "area", "department"]
    exclude = ["reporter_name", "reporter_phone", "reporter_phone_index", "intake_key"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "action", "from_state", "to_state", "actor_name", "created_at"]
    list_filter = ["action"]
    search_fields = ["case__number"]
    list_select_related = ["case"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    list_display = ["case", "stage", "level", "responsible_unit", "escalated_to", "created_at"]
    list_filter = ["level", "stage"]
    list_select_related = ["case", "responsible_unit", "escalated_to"]


@admin.register(LoopRules)
class LoopRulesAdmin(ReadOnlyAdmin):
    list_display = ["max_reopens", "reopen_on_dissatisfied"]
