from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from wangge.core.calendar import official_years
from wangge.core.models import ApiKey, AuditEntry, CalendarDay, OfficePeriod, User

admin.site.register(User, UserAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows changed through services (which validate and audit), or never: shown, not edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_type", "target_id", "summary"]
    list_filter = ["action"]
    search_fields = ["actor_label", "summary", "target_id"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "note"]
    list_filter = ["is_workday"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        # Administrators must know which years still need their holidays entered by hand:
        # the State Council publishes each year's holidays only late in the year before.
        years = official_years()
        self.message_user(
            request,
            _(
                "Holidays and adjusted working days for %(first)s–%(last)s come from the State "
                "Council's published calendar. Later years count Monday to Friday as working "
                "days plus the days listed here. A day listed here overrides the State Council's "
                "calendar too, for example a local holiday."
            )
            % {"first": years.start, "last": years.stop - 1},
            messages.INFO,
        )
        return super().changelist_view(request, extra_context)


@admin.register(OfficePeriod)
class OfficePeriodAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "ends_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "user", "is_active", "created_at", "last_used_at"]
    exclude = ["key_hash"]
