"""Endpoints of claims (mounted under /api/v1/ by wangge.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["claims"])
