"""Community staff edit a draft campaign's question in place on a desktop: a refusal beside the
choices, then the change saved; each step saved as a screenshot."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.campaigns.helpers import draft
from tests.e2e.browser import DESKTOP, give_password, log_in
from wangge.campaigns.models import Question


def test_community_staff_edit_a_draft_question_on_a_desktop(
    live_server, cast, open_page, screenshot
):
    campaign = draft(cast.community_staff, cast.tree.community)
    question = campaign.questions.get(label="是否签订租赁合同")
    staff = give_password(cast.community_staff)
    page: Any = open_page(DESKTOP)
    log_in(
        page,
        live_server.url,
        staff.username,
        next_path=reverse("campaigns:questions", args=[campaign.pk]),
    )
    edit = reverse("campaigns:question_edit", args=[campaign.pk, question.pk])
    with page.expect_navigation():
        page.click(f"a[href='{edit}']")
    page.fill("#id_choices", "书面")
    with page.expect_navigation():
        page.click("#question-save")
    assert page.locator(".field.has-error #id_choices").count() == 1
    screenshot(page, "1-refused")
    page.fill("#id_label", "合同类型")
    page.fill("#id_choices", "书面\n口头\n无")
    with page.expect_navigation():
        page.click("#question-save")
    assert "合同类型" in page.locator("#question-list").inner_text()
    screenshot(page, "2-saved")
    assert Question.objects.get(pk=question.pk).choices == ["书面", "口头", "无"]
