"""Django's admin shows only the registry's configuration. Persons, residences, visits and the
reveal log are deliberately absent: the admin would show whole ID and phone numbers without a
reason or a log entry. They are kept through the registry's own pages, which mask and log."""

from django.contrib import admin

from wangge.people.models import TagKind


@admin.register(TagKind)
class TagKindAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "visit_every_days",
        "is_sensitive",
        "retention_days",
        "is_active",
    ]
    list_filter = ["is_sensitive", "is_active"]
    search_fields = ["code", "name"]

    # Changed on the registry's tag page, through save_tag_kind (its checks and audit entry).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
