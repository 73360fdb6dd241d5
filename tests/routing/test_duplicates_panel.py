"""Likely duplicates in the loop: on a new case's page the dispatcher sees the open cases nearby
with similar text and merges into one in one click; cases far away, old, closed, unlike or
outside the user's reach are never offered."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import IN_GRID_A, IN_GRID_C, act, file_case, fresh
from tests.clients import logged_in
from wangge.cases.models import Case
from wangge.routing.services import likely_duplicates_for

pytestmark = pytest.mark.django_db

NOISE = "幸福花园小区三栋楼下工地半夜施工，噪音很大，吵得居民睡不着"


def test_the_dispatcher_merges_into_the_case_it_repeats_in_one_click(cast) -> None:
    first = file_case(cast.grid_worker_a, description=NOISE)
    file_case(cast.grid_worker_a, description="石冲路口的路灯坏了三天")  # nearby, unlike
    again = file_case(cast.grid_worker_a, description="幸福花园三栋旁边工地半夜还在施工，太吵了")
    client = logged_in(cast.dispatcher)
    page = client.get(reverse("cases:detail", args=[again.number])).content.decode()
    panel = page[page.index('id="routing-duplicates"') :]
    panel = panel[: panel.index("</section>")]
    offered = re.findall(r'name="merge-master" value="([^"]+)"', panel)
    assert offered == [first.number]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', panel))
    answer = client.post(reverse("cases:action", args=[again.number, "merge"]), fields)
    assert answer.status_code == 302
    again = fresh(again)
    assert again.state == "merged"
    assert again.events.last().data.get("master") == first.number or first.number in str(
        again.events.last().data
    )


def test_far_old_closed_and_unreachable_cases_are_not_offered(cast) -> None:
    far = file_case(cast.grid_worker_a, at=IN_GRID_C, description=NOISE)
    old = file_case(cast.grid_worker_a, description=NOISE)
    Case.objects.filter(pk=old.pk).update(reported_at=old.reported_at - timedelta(days=40))
    closed = file_case(cast.grid_worker_a, description=NOISE)
    Case.objects.filter(pk=closed.pk).update(state="closed")
    near = file_case(cast.grid_worker_a, at=IN_GRID_A, description=NOISE)
    new = file_case(cast.grid_worker_a, description=NOISE + "，请尽快处理")
    offered = [other.number for other, _match in likely_duplicates_for(cast.dispatcher, new)]
    assert offered == [near.number]
    assert far.number not in offered
    # Someone who cannot see grid A's cases is offered none of them.
    assert likely_duplicates_for(cast.grid_worker_b, new) == []


def test_no_panel_for_who_may_not_merge(cast) -> None:
    file_case(cast.grid_worker_a, description=NOISE)
    again = file_case(cast.grid_worker_a, description=NOISE)
    page = logged_in(cast.grid_worker_a).get(reverse("cases:detail", args=[again.number]))
    assert "routing-duplicates" not in page.content.decode()
    act(cast.dispatcher, again, "accept", category="C0104")
    page = logged_in(cast.dispatcher).get(reverse("cases:detail", args=[again.number]))
    assert "routing-duplicates" in page.content.decode()  # an accepted case may still merge
