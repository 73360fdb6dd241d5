"""Django's admin holds the one piece of information reports a city configures besides its own
page: the kinds of information and their time limits. Reports are kept through their services."""

from django.contrib import admin

from wangge.info_reports.models import InfoKind


@admin.register(InfoKind)
class InfoKindAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "first_report_minutes",
        "written_report_minutes",
        "continued_report_minutes",
        "is_active",
    ]
