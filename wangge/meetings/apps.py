"""Meetings and votes: topics, joint meetings with their decisions and tasks, votes with one-time
links, and the village procedure of four deliberations and two disclosures (四议两公开)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "wangge.meetings"
    label = "meetings"
    verbose_name = _("Meetings and votes")
