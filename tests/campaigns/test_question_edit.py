"""Editing a question in place while the campaign is a draft: label, kind, choices, required;
a refusal beside the field with nothing written; refused with the reason once it is open; run
only by its organisers (a viewer 403, another community 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.campaigns.helpers import draft, opened, street
from tests.clients import logged_in
from wangge.campaigns.models import Question, QuestionKind

pytestmark = pytest.mark.django_db


def _url(question: Question) -> str:
    return reverse("campaigns:question_edit", args=[question.campaign_id, question.pk])


def _question(campaign, label="是否签订租赁合同") -> Question:
    return campaign.questions.get(label=label)


def test_the_organiser_changes_label_kind_choices_and_required_in_a_draft(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    question = _question(campaign)
    client = logged_in(cast.community_staff)
    page = client.get(_url(question))
    assert page.status_code == 200 and "是否签订租赁合同" in page.content.decode()
    answer = client.post(
        _url(question),
        {
            "label": "合同类型",
            "kind": QuestionKind.MULTIPLE,
            "choices": "书面\n口头\n无",
            "is_required": "on",
            "help_text": "可多选",
        },
    )
    assert answer.status_code == 302
    question.refresh_from_db()
    assert (question.label, question.kind, question.choices) == (
        "合同类型",
        "multiple",
        ["书面", "口头", "无"],
    )
    assert question.is_required and question.help_text == "可多选"
    assert client.get(reverse("campaigns:questions", args=[campaign.pk])).status_code == 200


def test_a_choice_question_made_a_number_drops_its_choices(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    question = _question(campaign)
    answer = logged_in(cast.community_staff).post(
        _url(question), {"label": "合同份数", "kind": QuestionKind.NUMBER, "choices": "是\n否"}
    )
    assert answer.status_code == 302
    question.refresh_from_db()
    assert (question.kind, question.choices, question.is_required) == ("number", [], False)


def test_a_choice_question_with_one_choice_is_refused_beside_choices_and_nothing_written(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    question = _question(campaign)
    answer = logged_in(cast.community_staff).post(
        _url(question), {"label": "改过的", "kind": QuestionKind.SINGLE, "choices": "只有一个"}
    )
    assert answer.status_code == 400
    form = answer.context["form"]
    assert "Give at least two choices, one per line." in form.errors["choices"]
    assert "Give at least two choices" in answer.content.decode()
    question.refresh_from_db()
    assert (question.label, question.choices) == ("是否签订租赁合同", ["是", "否"])


def test_an_empty_label_is_refused_beside_the_label(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    question = _question(campaign)
    answer = logged_in(cast.community_staff).post(
        _url(question), {"label": "", "kind": QuestionKind.TEXT}
    )
    assert answer.status_code == 400 and answer.context["form"].errors["label"]
    question.refresh_from_db()
    assert question.label == "是否签订租赁合同"


def test_an_open_campaigns_question_is_fixed_and_the_page_says_why(cast):
    street(cast.tree.grid_a, 2)
    campaign = opened(cast.community_staff, cast.tree.community)
    question = _question(campaign)
    client = logged_in(cast.community_staff)
    page = client.get(_url(question))
    assert page.status_code == 200
    assert "every visit must answer the same questions" in page.content.decode()
    assert page.context["is_draft"] is False
    answer = client.post(_url(question), {"label": "改过的", "kind": QuestionKind.TEXT})
    assert answer.status_code == 409
    assert "The questionnaire is fixed once the campaign is open." in answer.content.decode()
    question.refresh_from_db()
    assert (question.label, question.kind) == ("是否签订租赁合同", "single")


def test_the_questions_page_links_each_question_to_its_edit_page(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    page = logged_in(cast.community_staff).get(reverse("campaigns:questions", args=[campaign.pk]))
    assert _url(_question(campaign)) in page.content.decode()


def test_a_viewer_who_does_not_run_it_gets_403_and_another_community_404(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    question = _question(campaign)
    body = {"label": "越权", "kind": QuestionKind.TEXT}
    assert logged_in(cast.leader).post(_url(question), body).status_code in (403, 404)
    assert logged_in(cast.outsider).post(_url(question), body).status_code == 404
    assert logged_in(cast.outsider).get(_url(question)).status_code == 404
    question.refresh_from_db()
    assert question.label == "是否签订租赁合同"


def test_a_question_of_another_campaign_is_404(cast):
    campaign = draft(cast.community_staff, cast.tree.community)
    other = draft(cast.community_staff, cast.tree.community, title="另一个")
    url = reverse("campaigns:question_edit", args=[campaign.pk, _question(other).pk])
    assert logged_in(cast.community_staff).get(url).status_code == 404
