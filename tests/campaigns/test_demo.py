"""The demo campaign loads once, with targets for `gridworker` and `volunteer` and some visits."""

from __future__ import annotations

import pytest

from wangge.campaigns.models import Campaign, CampaignState, Target, Visit
from wangge.demo.campaigns import load_demo_campaigns
from wangge.demo.loader import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_is_running_and_loads_once():
    created = load_demo().community_work_rows  # the demo loader makes them with the rest
    assert created > 0
    assert load_demo_campaigns() == 0
    campaign = Campaign.objects.get()
    assert campaign.state == CampaignState.OPEN and campaign.unit.name == "石冲社区"
    assigned = set(
        Target.objects.filter(campaign=campaign).values_list("assignee__username", flat=True)
    )
    assert {"gridworker", "volunteer"} <= assigned
    visitors = set(Visit.objects.values_list("visitor__username", flat=True))
    assert visitors == {"gridworker", "volunteer"}
    assert (
        Target.objects.filter(campaign=campaign, category="rented").count()
        == Target.objects.filter(campaign=campaign).count()
    )
