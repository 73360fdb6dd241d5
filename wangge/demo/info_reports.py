"""The demo's information reports (信息报送) from 石冲社区's first grid, all through the
info_reports services: a fire reported on time and signed for with a continued report asked
for, a gas leak reported late (迟报), a fallen tree still waiting to be signed for, and a flooded
underpass followed to its final report and closed."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from wangge.cases.services import store_attachment
from wangge.core import clock
from wangge.core.models import User
from wangge.info_reports import services
from wangge.info_reports.models import (
    ContinuedRequest,
    Entry,
    EntryAttachment,
    InfoKind,
    InfoReport,
    Receipt,
)
from wangge.info_reports.permissions import reporting_units

FIRE_TITLE = "石冲路12号民房二楼起火"


def _rows() -> int:
    return sum(
        model.objects.count()
        for model in (InfoReport, Receipt, Entry, EntryAttachment, ContinuedRequest)
    )


def _photo(actor: User) -> object:
    image = Image.new("RGB", (640, 420), "#7f1d1d")
    ImageDraw.Draw(image).text((40, 40), "SCENE", fill="white")
    data = io.BytesIO()
    image.save(data, format="JPEG")
    return store_attachment(actor, data.getvalue(), name="现场.jpg")


def load_demo_info_reports() -> int:
    """Create the demo's information reports once; returns the rows made (0 when present
    already, or when the demo's accounts are missing)."""
    users = {u.username: u for u in User.objects.filter(username__in=["gridworker", "dispatcher"])}
    kinds = {
        k.code: k for k in InfoKind.objects.filter(code__in=["fire", "gas_leak", "hazard", "flood"])
    }
    if len(users) < 2 or len(kinds) < 4:
        return 0
    if InfoReport.objects.filter(title=FIRE_TITLE).exists():
        return 0
    worker, dispatcher = users["gridworker"], users["dispatcher"]
    unit = reporting_units(worker).first()
    if unit is None or not services.receiving_candidates(unit):
        return 0
    now = clock.now()
    before = _rows()

    def report(kind: str, title: str, what: str, minutes_ago: int, **given: object) -> InfoReport:
        known_at = now - timedelta(minutes=minutes_ago)
        return services.submit_first_report(
            worker,
            services.FirstReport(
                kind=kinds[kind],
                title=title,
                description=what,
                happened_at=known_at - timedelta(minutes=5),
                known_at=known_at,
                **given,  # type: ignore[arg-type]
            ),
        )

    fire = report(
        "fire",
        FIRE_TITLE,
        "二楼厨房起火，浓烟较大，已拨打119，消防车正在赶来。",
        15,
        address="石冲路12号",
        injured=1,
        measures="已疏散整栋楼居民，关闭燃气总阀。",
        attachments=[_photo(worker)],
    )
    services.sign_for(dispatcher, fire)
    services.request_continued(
        dispatcher, fire, now + timedelta(minutes=40), "请报告明火扑灭情况和伤员送医情况。"
    )
    report(
        "gas_leak",
        "石冲花园3栋燃气管道泄漏",
        "3栋一楼燃气表箱有明显燃气味，已通知燃气公司。",
        130,
        address="石冲花园3栋",
        measures="拉起警戒线，禁止明火。",
    )
    report(
        "hazard",
        "石冲村二巷大树倾斜压住电线",
        "台风过后大树倾斜，压在低压线上，暂未断电。",
        20,
        address="石冲村二巷",
    )
    flood = report(
        "flood",
        "石冲桥底隧道积水",
        "暴雨后桥底隧道积水约50厘米，一辆小车熄火。",
        50,
        address="石冲桥底隧道",
        measures="两端设置警示，劝返车辆。",
    )
    services.sign_for(dispatcher, flood)
    services.add_follow_up(
        worker, flood, "continued", services.FollowUp(text="车内两人已安全转移，排水车到场。")
    )
    services.add_follow_up(
        worker, flood, "final", services.FollowUp(text="积水已排干，隧道恢复通行。")
    )
    services.close_report(dispatcher, flood, "已办结。")
    return _rows() - before
