"""Demo cases: cases in the demo grid worker's grid of 石冲社区 at every step of the loop, so
the demo's queues, timelines, deadlines and rates have something in them. Each one is filed and
moved by the demo accounts through the real case services, on a clock set back over the last
two weeks; some are late on purpose. Before them, a quarter of closed and rated cases
(`wangge.demo.routing`), the history the demo's routing model is trained from. Loaded once:
when the platform holds any case, nothing is added.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from wangge.cases.models import Case
from wangge.cases.services import ActionInput, Report, perform, report_case, store_attachment
from wangge.core import clock
from wangge.core.models import User
from wangge.demo.routing import past_cases
from wangge.org.models import OrgUnit

GRID = "440703006107001"  # 石冲社区第1网格, where the demo `gridworker` works
DEPARTMENT = "D440703CG"  # 城管局, where the demo `handler` works


@dataclass(frozen=True)
class DemoCase:
    category: str
    description: str
    address: str
    steps: tuple[str, ...]  # actions after the report, in order
    days_ago: float
    channel: str = "grid_patrol"


# The steps name actions; "rate_ok"/"rate_bad" rate satisfied/dissatisfied.
_TO_HANDLING = ("accept", "dispatch", "sign")
_TO_CLOSED = (*_TO_HANDLING, "finish", "verify", "close")
DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase("E0101", "石冲路口垃圾桶旁堆放生活垃圾，气味明显", "石冲路 12 号旁", (), 0.2),
    DemoCase("C0104", "石冲花园 3 栋门前路灯不亮已三天", "石冲花园 3 栋", (), 1.5, "resident"),
    DemoCase("E0401", "菜市场门口流动摊贩占道经营，影响通行", "石冲市场东门", (), 3),
    DemoCase("R0501", "夜间 KTV 噪音扰民，23 点后仍未停止", "石冲路 88 号", (), 0.5, "hotline"),
    DemoCase("C0101", "人行道上水井盖破损松动，有安全隐患", "建设三路 6 号", ("accept",), 2),
    DemoCase("E0405", "共享单车大量堆放在公交站台", "石冲公交站", ("accept",), 4),
    DemoCase("C0302", "垃圾箱破损，垃圾外溢", "石冲公园北门", ("accept", "dispatch"), 1),
    DemoCase("E0203", "违规悬挂商业横幅", "石冲路 30 号", ("accept", "dispatch"), 6),
    DemoCase("E0201", "电线杆上张贴大量小广告", "华园东路 15 号", _TO_HANDLING, 2),
    DemoCase("E0104", "空地被人倾倒建筑垃圾", "石冲村后山路", _TO_HANDLING, 9),
    DemoCase("C0103", "雨水篦子堵塞，下雨积水", "石冲路 45 号", (*_TO_HANDLING, "finish"), 3),
    DemoCase("C0305", "公园座椅木条断裂", "石冲公园", (*_TO_HANDLING, "finish", "verify"), 5),
    DemoCase("E0102", "小区外积存垃圾渣土", "石冲花园南门", (*_TO_CLOSED, "rate_ok"), 12),
    DemoCase("C0104", "路灯白天常亮", "建设三路 2 号", (*_TO_CLOSED, "rate_ok"), 11, "hotline"),
    DemoCase("E0403", "商铺店外经营占用人行道", "石冲路 66 号", (*_TO_CLOSED, "rate_bad"), 10),
    DemoCase("R0504", "物业不处理电梯故障", "石冲花园 5 栋", ("decline",), 7, "hotline"),
    DemoCase(
        "E0101", "石冲路口垃圾桶旁垃圾又堆满了", "石冲路 12 号旁", ("merge",), 0.1, "resident"
    ),
)


def _photo(text: str) -> bytes:
    image = Image.new("RGB", (640, 480), (210, 225, 235))
    ImageDraw.Draw(image).text((20, 20), text, fill=(40, 60, 80))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return output.getvalue()


def _points_inside(polygon: BaseGeometry, count: int) -> list[Point]:
    """`count` points spread over `polygon`, the same on every run (a fixed lattice)."""
    west, south, east, north = polygon.bounds
    points: list[Point] = []
    steps = 12
    for row in range(1, steps):
        for column in range(1, steps):
            point = Point(
                west + (east - west) * column / steps, south + (north - south) * row / steps
            )
            if polygon.contains(point):
                points.append(point)
    if not points:
        points = [polygon.representative_point()]
    stride = max(1, len(points) // count)
    return [points[(i * stride) % len(points)] for i in range(count)]


def load_demo_cases(now: datetime | None = None) -> int:
    """File the demo cases unless the platform holds cases already; returns how many."""
    if Case.objects.exists():
        return 0
    now = now or clock.now()
    grid = OrgUnit.objects.filter(code=GRID, is_active=True).exclude(boundary__isnull=True).first()
    if grid is None:
        return 0
    accounts = {u.username: u for u in User.objects.filter(username__in=_ACCOUNTS)}
    if set(accounts) != set(_ACCOUNTS):
        return 0
    boundary = shape(grid.boundary)
    # A quarter of closed, rated cases first (routing learns from them), then the loop's cases.
    history = [
        DemoCase(past.category, past.description, past.address, (*_TO_CLOSED, "rate_ok"), days)
        for past, days in zip(past_cases(), _every_day_or_so(88), strict=False)
    ]
    _file(history, boundary, accounts, now)
    _file(DEMO_CASES, boundary, accounts, now)
    return len(history) + len(DEMO_CASES)


def _every_day_or_so(first_days_ago: float) -> Iterator[float]:
    days = first_days_ago
    while True:
        yield days
        days -= 0.85


def _file(
    demo_cases: Sequence[DemoCase], boundary: BaseGeometry, accounts: dict[str, User], now: datetime
) -> None:
    """File each case on the clock of its day and take its steps two hours apart; a "merge"
    step merges into the first case of `demo_cases`."""
    points = _points_inside(boundary, len(demo_cases))
    first_number = ""
    for demo, point in zip(demo_cases, points, strict=True):
        moment = now - timedelta(days=demo.days_ago)
        reporter = (
            accounts["gridworker"] if demo.channel == "grid_patrol" else accounts["dispatcher"]
        )
        with clock.frozen_at(moment):
            case = report_case(
                reporter,
                Report(
                    category=demo.category,
                    description=demo.description,
                    lon=point.x,
                    lat=point.y,
                    address=demo.address,
                    channel=demo.channel,
                    reporter_name="" if demo.channel == "grid_patrol" else "陈先生",
                    reporter_phone="" if demo.channel == "grid_patrol" else "13800001234",
                ),
            ).case
        first_number = first_number or case.number
        for step_number, step in enumerate(demo.steps, start=1):
            moment += timedelta(hours=2 * step_number)
            with clock.frozen_at(min(moment, now)):
                _take_step(case, step, accounts, first_number)
            case.refresh_from_db()


_ACCOUNTS = ("gridworker", "dispatcher", "handler")


def _take_step(case: Case, step: str, accounts: dict[str, User], first_number: str) -> None:
    dispatcher, handler, worker = (
        accounts["dispatcher"],
        accounts["handler"],
        accounts["gridworker"],
    )
    if step == "finish":
        photo = store_attachment(handler, _photo(case.number), name="result.jpg")
        given = ActionInput(note="已处理完毕，现场已恢复", attachments=[str(photo.uid)])
        perform(handler, case, "finish", given)
    elif step == "verify":
        perform(worker, case, "verify", ActionInput(note="现场核查，已整改到位"))
    elif step == "dispatch":
        perform(dispatcher, case, "dispatch", ActionInput(department=DEPARTMENT))
    elif step == "sign":
        perform(handler, case, "sign")
    elif step == "decline":
        perform(
            dispatcher,
            case,
            "decline",
            ActionInput(reason="属物业合同纠纷，已告知通过司法途径解决"),
        )
    elif step == "merge":
        perform(dispatcher, case, "merge", ActionInput(master=first_number))
    elif step in ("rate_ok", "rate_bad"):
        rating = "satisfied" if step == "rate_ok" else "dissatisfied"
        perform(dispatcher, case, "rate", ActionInput(rating=rating, note="电话回访"))
    else:
        perform(dispatcher, case, step)
