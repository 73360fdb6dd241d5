"""The demo's canvass campaign: 石冲社区's rental-house canvass (出租屋敲门行动) over the rental
houses of the demo grid (石冲社区第1网格), with its questionnaire, the targets given to the grid's
workers (`gridworker`) and one building to the building volunteer (`volunteer`), and the first
visits made — all through the campaigns' own services."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Count

from wangge.campaigns import services
from wangge.campaigns.models import Campaign, QuestionKind, Target
from wangge.core import clock
from wangge.core.models import User
from wangge.demo.cases import GRID
from wangge.org.models import OrgUnit
from wangge.people.models import HouseUse

COMMUNITY = GRID[:12]  # 石冲社区
TITLE = "石冲社区出租屋敲门行动"
QUESTIONS = (
    ("现住租户人数", QuestionKind.NUMBER, (), True),
    ("是否签订租赁合同", QuestionKind.SINGLE, ("是", "否"), True),
    (
        "发现的隐患",
        QuestionKind.MULTIPLE,
        ("电动车室内充电", "私拉电线", "消防通道堵塞", "无"),
        False,
    ),
    ("最近一次换租日期", QuestionKind.DATE, (), False),
    ("其他情况", QuestionKind.TEXT, (), False),
)
# (outcome, answers by question position) of the first visits, in list order.
VISITS = (
    ("registered", {0: 3, 1: "是", 2: ["无"]}),
    ("not_home", {0: 0, 1: "否"}),
    ("registered", {0: 2, 1: "是", 2: ["电动车室内充电"], 4: "已提醒租户不得室内充电"}),
    ("back_tonight", {0: 0, 1: "是"}),
    ("notified", {0: 1, 1: "是", 2: ["无"]}),
)


def load_demo_campaigns() -> int:
    """Create the demo campaign once; returns the rows created (0 when it exists)."""
    community = OrgUnit.objects.filter(code=COMMUNITY).first()
    grid = OrgUnit.objects.filter(code=GRID).first()
    staff = User.objects.filter(username="staff").first()
    if community is None or grid is None or staff is None:
        return 0
    if Campaign.objects.filter(unit=community, title=TITLE).exists():
        return 0
    today = clock.today()
    campaign = services.create_campaign(
        staff,
        services.CampaignInput(
            title=TITLE,
            description="逐户核查出租屋的租户、租赁合同和消防隐患，发现新租户当场登记。",
            unit=community,
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=21),
            units=[grid],
            uses=[HouseUse.RENTED],
        ),
    )
    questions = []
    for label, kind, choices, required in QUESTIONS:
        questions.append(
            services.add_question(
                staff,
                campaign,
                services.QuestionInput(
                    label=label, kind=kind, choices=list(choices), is_required=required
                ),
            )
        )
    targets = services.open_campaign(staff, campaign)
    rows = 1 + len(questions) + targets
    volunteer = User.objects.filter(username="volunteer").first()
    gridworker = User.objects.filter(username="gridworker").first()
    # The volunteer takes the building with the most rental houses (分楼栋).
    busiest = (
        Target.objects.filter(campaign=campaign)
        .values("building")
        .annotate(n=Count("pk"))
        .order_by("-n", "building")
        .first()
    )
    if volunteer is not None and busiest is not None:
        services.assign_targets(
            staff, campaign, services.Selection(building_id=busiest["building"]), volunteer
        )
    now = clock.now()
    visits = 0
    for visitor in (gridworker, volunteer):
        if visitor is None:
            continue
        mine = list(
            Target.objects.filter(campaign=campaign, assignee=visitor).order_by(
                "compound_name", "building_name", "floor", "number"
            )
        )
        for index, target in enumerate(mine[: len(VISITS) - 2 if visitor == volunteer else 3]):
            outcome, by_position = VISITS[(index * 2 + (visitor == volunteer)) % len(VISITS)]
            services.record_visit(
                visitor,
                target,
                services.VisitInput(
                    client_uuid=uuid.uuid4(),
                    outcome=outcome,
                    answers={str(questions[p].pk): value for p, value in by_position.items()},
                    visited_at=now - timedelta(days=2, hours=index),
                ),
            )
            visits += 1
    return rows + visits
