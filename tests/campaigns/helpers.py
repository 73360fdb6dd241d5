"""Shared by the campaigns' tests: a campaign over houses of the conftest tree, built and opened
through the real services, and a visit sent the way a page or the API sends it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tests.people.helpers import house_in
from wangge.campaigns import services
from wangge.campaigns.models import Campaign, QuestionKind, Target
from wangge.people.models import House, HouseUse

START = date(2024, 1, 1)
END = date(2030, 12, 31)


def street(
    grid: Any,
    count: int,
    *,
    building: str = "1栋",
    use: str = HouseUse.RENTED,
    compound: str = "石冲花园",
    first_floor: int = 1,
) -> list[House]:
    """`count` houses in one building, two per floor from `first_floor`."""
    houses = []
    for index in range(count):
        floor = first_floor + index // 2
        number = f"{floor}{index % 2 + 1:02d}"
        houses.append(house_in(grid, number, use=use, building=building, compound=compound))
    return houses


def draft(
    actor: Any, unit: Any, *, title: str = "出租屋摸排", questions: bool = True, **selectors: Any
) -> Campaign:
    campaign = services.create_campaign(
        actor,
        services.CampaignInput(title=title, unit=unit, starts_on=START, ends_on=END, **selectors),
    )
    if questions:
        services.add_question(
            actor,
            campaign,
            services.QuestionInput(label="租户人数", kind=QuestionKind.NUMBER, is_required=True),
        )
        services.add_question(
            actor,
            campaign,
            services.QuestionInput(
                label="是否签订租赁合同", kind=QuestionKind.SINGLE, choices=["是", "否"]
            ),
        )
    return campaign


def opened(actor: Any, unit: Any, **selectors: Any) -> Campaign:
    campaign = draft(actor, unit, **selectors)
    services.open_campaign(actor, campaign)
    campaign.refresh_from_db()
    return campaign


def answers_for(campaign: Campaign, **by_label: Any) -> dict[str, Any]:
    by = {q.label: str(q.pk) for q in campaign.questions.all()}
    return {by[label]: value for label, value in by_label.items()}


def visit(
    actor: Any,
    target: Target,
    outcome: str = "registered",
    *,
    client_uuid: Any = None,
    **fields: Any,
):
    campaign = target.campaign
    if "answers" not in fields:
        labels = set(campaign.questions.values_list("label", flat=True))
        fields["answers"] = answers_for(campaign, 租户人数=2) if "租户人数" in labels else {}
    return services.record_visit(
        actor,
        target,
        services.VisitInput(client_uuid=client_uuid or uuid.uuid4(), outcome=outcome, **fields),
    )
