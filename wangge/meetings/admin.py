"""Django's admin holds the one piece of meetings a city configures: the quorum rules of
四议两公开. Meetings, votes and ballots are kept through their own pages and services."""

from django.contrib import admin

from wangge.meetings.models import QuorumRule


@admin.register(QuorumRule)
class QuorumRuleAdmin(admin.ModelAdmin):
    list_display = ["step", "present", "in_favour"]
