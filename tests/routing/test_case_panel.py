"""The suggestion on the case's page: the dispatcher sees the suggested category, how sure the
model is and the alternatives, and accepts with it in one click; someone who may not accept
sees it without the button."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import file_case, fresh
from tests.clients import logged_in
from tests.routing.conftest import RUBBISH
from wangge.routing import services

pytestmark = pytest.mark.django_db


def test_the_dispatcher_accepts_with_the_suggested_category_in_one_click(trained, cast) -> None:
    case = file_case(cast.grid_worker_a, category=RUBBISH, description="晚上路灯不亮，灯杆闪烁")
    services.suggest_new_cases()
    client = logged_in(cast.dispatcher)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Suggested category" in page and "路灯" in page and "routing-suggestion" in page
    assert "Accept with the suggested category" in page
    # Post exactly what the panel's form holds.
    panel = page[page.index('id="routing-suggestion"') :]
    action = re.search(r'<form method="post" action="([^"]+)"', panel).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', panel))
    assert action == reverse("cases:action", args=[case.number, "accept"])
    answer = client.post(action, fields)
    assert answer.status_code == 302
    case = fresh(case)
    assert (case.state, case.category.code) == ("accepted", "C0104")
    services.record_outcomes()
    assert services.suggestion_for(case).outcome == "confirmed"


def test_who_may_not_accept_sees_the_suggestion_without_the_button(trained, cast) -> None:
    case = file_case(cast.grid_worker_a, description="小区垃圾堆放，臭味")
    services.suggest_new_cases()
    page = logged_in(cast.grid_worker_a).get(reverse("cases:detail", args=[case.number]))
    text = page.content.decode()
    assert "Suggested category" in text
    assert "Accept with the suggested category" not in text


def test_no_suggestion_no_panel(cast) -> None:
    case = file_case(cast.grid_worker_a, description="小区垃圾堆放，臭味")
    page = logged_in(cast.dispatcher).get(reverse("cases:detail", args=[case.number]))
    assert "routing-suggestion" not in page.content.decode()


def test_the_dispatch_console_notes_the_suggested_category_of_each_case_to_accept(
    trained, cast
) -> None:
    case = file_case(cast.grid_worker_a, category=RUBBISH, description="晚上路灯不亮，灯杆闪烁")
    other = file_case(cast.grid_worker_a, description="有点事情")
    services.suggest_new_cases()
    Suggestion = type(services.suggestion_for(case))
    Suggestion.objects.filter(case=other).delete()  # a case the model has not read yet
    page = logged_in(cast.dispatcher).get(reverse("cases:dispatch")).content.decode()
    cards = page.split('<li class="case-card">')
    card = next(text for text in cards if case.number in text)
    assert "Suggested: 路灯 (" in card
    plain = next(text for text in cards if other.number in text)
    assert "Suggested:" not in plain
