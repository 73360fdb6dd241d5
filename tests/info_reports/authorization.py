"""The info_reports part of the authorization table's world (tests/security/world.py): a report
from grid A (sent to the district), with a photo, a continued report, a request for more and a
forward, built through the services, and every string the other subtree must never see; how its
routes' path parameters are filled; and `pages(ids)` for the every-page sweep.

Every report route names a report: another subtree's users get 404 (they neither report for grid
A nor receive for a unit above it). The kinds pages are the whole city's administrator's: 403 for
everyone in the other subtree. `POST api/v1/info-reports` files a report from the caller's own
unit: aimed at grid A (the body's `grid`), it is refused as an invalid choice of that field
(422), and nothing is written.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.urls import reverse
from PIL import Image

from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.info_reports import services
from wangge.info_reports.models import EntryAttachment, InfoKind

PARAM_SOURCES: dict[str, str] = {
    "file_id": "info_report_file_id",
    "kind_id": "info_kind_id",
}

# `report_id` names an analytics report under analytics/ (tests/analytics).
SOURCE_BY_ROUTE: dict[tuple[str, str], str] = {
    ("info-reports/*", "report_id"): "info_report_id",
    ("api/v1/info-reports*", "report_id"): "info_report_id",
}

REFUSED_AS_INVALID: dict[str, str] = {
    "POST api/v1/info-reports": "grid: only a grid of the caller's own reporting unit",
}

ROUTE_BODIES: dict[str, dict[str, Any]] = {
    "api/v1/info-reports": {
        "kind": "fire",
        "title": "越权标题",
        "description": "越权上报",
        "happened_at": "2026-01-01T08:00:00+08:00",
        "known_at": "2026-01-01T08:05:00+08:00",
        "grid": "440703006107001",  # grid A
    },
}

SECRET_TITLE = "秘密信息：石冲化工仓库爆燃"


def _photo(actor: Any) -> Any:
    data = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(data, format="JPEG")
    return store_attachment(actor, data.getvalue(), name="秘密现场照片.jpg")


def add_to_world(cast: Any, secrets: dict[str, str]) -> dict[str, object]:
    worker = cast.grid_worker_a
    known_at = clock.now() - timedelta(minutes=5)
    report = services.submit_first_report(
        worker,
        services.FirstReport(
            kind=InfoKind.objects.get(code="fire"),
            title=SECRET_TITLE,
            description="秘密经过：仓库二楼爆燃，两人受伤",
            happened_at=known_at - timedelta(minutes=3),
            known_at=known_at,
            address="石冲路秘密仓库",
            injured=2,
            measures="秘密措施：疏散周边居民",
            attachments=[_photo(worker)],
        ),
    )
    services.add_follow_up(
        worker, report, "continued", services.FollowUp(text="秘密续报：一人送医", injured=1)
    )
    services.request_continued(
        cast.dispatcher, report, clock.now() + timedelta(hours=1), "秘密要求：核实伤亡"
    )
    link = EntryAttachment.objects.get(entry__report=report)
    secrets.update(
        {
            "info report title": SECRET_TITLE,
            "info report description": report.description,
            "info report address": report.address,
            "info report measures": report.measures,
            "info report continued": "秘密续报：一人送医",
            "info report request": "秘密要求：核实伤亡",
            "info report number": report.number,
            "info report photo name": "秘密现场照片.jpg",
        }
    )
    return {
        "info_report_id": report.pk,
        "info_report_file_id": link.pk,
        "info_kind_id": InfoKind.objects.get(code="fire").pk,
    }


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    report = ids["info_report_id"]
    worker, dispatcher = "grid_worker_a", "dispatcher"
    return [
        ("info-reports-mine", worker, reverse("info_reports:mine"), "#report-list"),
        ("info-reports-new", worker, reverse("info_reports:new"), "#first-report"),
        ("info-report", worker, reverse("info_reports:detail", args=[report]), "#timeline"),
        (
            "info-report-continued",
            worker,
            reverse("info_reports:continued", args=[report]),
            "#follow-up",
        ),
        ("info-reports-received", dispatcher, reverse("info_reports:received"), "#report-list"),
        (
            "info-report-received",
            dispatcher,
            reverse("info_reports:detail", args=[report]),
            "#timeline",
        ),
        ("info-kinds", "administrator", reverse("info_reports:kinds"), "#kinds"),
        (
            "info-kind",
            "administrator",
            reverse("info_reports:kind", args=[ids["info_kind_id"]]),
            "#kind-form",
        ),
    ]
