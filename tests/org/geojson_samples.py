"""GeoJSON features and collections the org tests build, and a snapshot of everything a map
import may write (to show that a refused file wrote nothing)."""

from __future__ import annotations

from typing import Any

from conftest import LAT0, LON0, SIDE, square
from wangge.core.models import AuditEntry
from wangge.org.models import MapVersion, OrgUnit

COMMUNITY = "440703006107"  # 石冲社区
OTHER_COMMUNITY = "440703002129"  # 东成社区
NEW_CODE = "440703006107003"


def grid_feature(
    code: Any = NEW_CODE,
    geometry: Any = None,
    *,
    name: Any = "石冲社区第三网格",
    parent_code: Any = COMMUNITY,
    **extra: Any,
) -> dict[str, Any]:
    """A grid feature; by default a new square just east of grid B, sharing B's east edge
    (LON0 + SIDE + SIDE, the very float of B's corners, so the border is exactly shared)."""
    properties = {"code": code, "name": name, "parent_code": parent_code, **extra}
    properties = {key: value for key, value in properties.items() if value is not ...}
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": square(LON0 + SIDE + SIDE, LAT0) if geometry is None else geometry,
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def snapshot() -> tuple:
    """Everything an import may write."""
    units = list(
        OrgUnit.objects.order_by("pk").values_list(
            "pk", "code", "name", "path", "parent_id", "boundary", "properties", "is_active",
            "grid_kind_id", "updated_at",
        )
    )  # fmt: skip
    return units, AuditEntry.objects.count(), MapVersion.objects.get().version
