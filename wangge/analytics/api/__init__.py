"""The analytics API (mounted under /api/v1/ by wangge.api): one router per module, joined
here."""

from __future__ import annotations

from ninja import Router

from wangge.analytics.api import figures, hotspots, maps, reports

router = Router(tags=["analytics"])
router.add_router("", figures.router)
router.add_router("", maps.router)
router.add_router("", reports.router)
router.add_router("", hotspots.router)
