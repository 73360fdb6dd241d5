"""Canvass campaigns (敲门行动/摸排): who is to be visited, by whom, with which questionnaire,
and what each visit found."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "wangge.campaigns"
    label = "campaigns"
    verbose_name = _("Canvass campaigns")
