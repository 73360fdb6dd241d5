"""Two-way claiming (双向认领): member units' resources, residents' and communities' needs, planned
services, the agreements that match them, and volunteers."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "wangge.claims"
    label = "claims"
    verbose_name = _("Two-way claiming")
