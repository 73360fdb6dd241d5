"""The pages: the organisers' (create, questionnaire, open, assign, progress, remaining, export,
doorplates, outcomes) and the helpers' (their own list, a target's visit form, recording a visit
by a form or by the offline script's fetch, idempotent by the client UUID), each scoped: another
grid's or community's user gets 404 and sees nothing."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.campaigns.helpers import answers_for, opened, street, visit
from tests.clients import logged_in
from wangge.campaigns import services
from wangge.campaigns.models import Campaign, CampaignState, OutcomeCode, Target, Visit
from wangge.people.models import HouseUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(cast):
    street(cast.tree.grid_a, 6)
    street(cast.tree.grid_b, 2, building="9栋")
    return opened(cast.community_staff, cast.tree.community)


def _first(campaign, grid) -> Target:
    return Target.objects.filter(campaign=campaign, grid=grid).order_by("floor", "number").first()


def _visit_post(campaign, **extra):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "registered",
        **{f"answer_{k}": v for k, v in answers_for(campaign, 租户人数="3").items()},
    }
    data.update(extra)
    return data


# --- organisers --------------------------------------------------------------------------------


def test_staff_create_a_campaign_add_questions_and_open_it(cast):
    street(cast.tree.grid_a, 2)
    client = logged_in(cast.community_staff)
    page = client.get(reverse("campaigns:create"))
    assert page.status_code == 200
    response = client.post(
        reverse("campaigns:create"),
        {
            "title": "出租屋摸排",
            "unit": cast.tree.community.pk,
            "starts_on": "2024-01-01",
            "ends_on": "2030-01-01",
            "target_kind": "houses",
            "uses": [HouseUse.RENTED],
        },
    )
    campaign = Campaign.objects.get(title="出租屋摸排")
    assert response.status_code == 302
    questions = reverse("campaigns:questions", args=[campaign.pk])
    response = client.post(
        questions, {"label": "租户人数", "kind": "number", "is_required": "on", "choices": ""}
    )
    assert response.status_code == 302
    refused = client.post(questions, {"label": "是否登记", "kind": "single", "choices": "是"})
    assert refused.status_code == 400 and "at least two choices" in refused.content.decode()
    detail = client.get(reverse("campaigns:campaign", args=[campaign.pk]))
    assert "2 targets match the selection now." in detail.content.decode()
    client.post(reverse("campaigns:open", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN
    assert Target.objects.filter(campaign=campaign).count() == 2


def test_a_campaign_with_an_end_before_its_start_is_refused_beside_the_field(cast):
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("campaigns:create"),
        {
            "title": "x",
            "unit": cast.tree.community.pk,
            "starts_on": "2024-05-01",
            "ends_on": "2024-01-01",
            "target_kind": "houses",
        },
    )
    assert response.status_code == 400
    assert "The campaign ends before it starts." in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_campaign_page_shows_progress(cast, campaign, django_assert_max_num_queries):
    visit(cast.grid_worker_a, _first(campaign, cast.tree.grid_a))
    client = logged_in(cast.community_staff)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("campaigns:campaign", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="total-targets">8<' in html and 'id="total-visited">1<' in html


def test_the_organiser_assigns_a_floor_range_to_a_volunteer(cast, campaign, volunteer):
    client = logged_in(cast.community_staff)
    url = reverse("campaigns:assign", args=[campaign.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"assignee": volunteer.pk, "floor_from": 2, "floor_to": 3})
    assert response.status_code == 302
    assert set(Target.objects.filter(assignee=volunteer).values_list("floor", flat=True)) == {2, 3}
    refused = client.post(url, {"assignee": cast.grid_worker_b.pk, "grid": cast.tree.grid_a.pk})
    assert refused.status_code == 400 and "may not canvass in" in refused.content.decode()


def test_remaining_export_and_doorplates(cast, campaign, django_assert_max_num_queries):
    client = logged_in(cast.community_staff)
    with django_assert_max_num_queries(12):
        remaining = client.get(reverse("campaigns:remaining", args=[campaign.pk]))
    assert remaining.status_code == 200 and remaining.content.decode().count("<tr>") == 9
    export = client.get(reverse("campaigns:export", args=[campaign.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    plates = client.get(reverse("campaigns:doorplates", args=[campaign.pk]))
    html = plates.content.decode()
    assert plates.status_code == 200 and html.count("<svg") == 8
    assert "<script>" not in html


def test_only_a_whole_city_administrator_keeps_the_outcomes(cast):
    url = reverse("campaigns:outcomes")
    assert logged_in(cast.community_staff).get(url).status_code == 403
    client = logged_in(cast.administrator)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"code": "left_note", "name": "已留条", "order": 35, "is_active": "on"}
    )
    assert response.status_code == 302
    assert OutcomeCode.objects.get(code="left_note").is_done is False
    response = client.post(
        url,
        {"outcome_code": "left_note", "name": "已留便条", "order": 35, "is_done": "on"},
    )
    left = OutcomeCode.objects.get(code="left_note")
    assert (left.name, left.is_done, left.is_active) == ("已留便条", True, False)


# --- helpers -----------------------------------------------------------------------------------


def test_a_volunteer_sees_their_own_list_in_order(
    cast, campaign, volunteer, django_assert_max_num_queries
):
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(grid=cast.tree.grid_a), volunteer
    )
    client = logged_in(volunteer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("campaigns:mine", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    labels = [
        t.label for t in Target.objects.filter(assignee=volunteer).order_by("floor", "number")
    ]
    positions = [html.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "9栋" not in html


def test_a_visit_posted_by_the_form(cast, campaign):
    target = _first(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_a)
    page = client.get(reverse("campaigns:target", args=[target.pk]))
    assert page.status_code == 200 and 'id="visit-form"' in page.content.decode()
    response = client.post(reverse("campaigns:visit", args=[target.pk]), _visit_post(campaign))
    assert response.status_code == 302
    assert Visit.objects.get().answers == answers_for(campaign, 租户人数=3)


def test_a_refused_visit_names_the_question_beside_it(cast, campaign):
    target = _first(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_a)
    data = _visit_post(campaign)
    data = {k: v for k, v in data.items() if not k.startswith("answer_")}
    response = client.post(reverse("campaigns:visit", args=[target.pk]), data)
    assert response.status_code == 400
    assert "Answer the question “租户人数”." in response.content.decode()
    fetch = client.post(
        reverse("campaigns:visit", args=[target.pk]), data, HTTP_ACCEPT="application/json"
    )
    question = campaign.questions.get(label="租户人数")
    assert fetch.status_code == 400
    assert fetch.json()["errors"] == {f"answer_{question.pk}": "Answer the question “租户人数”."}
    assert not Visit.objects.exists()


def test_an_offline_visit_sent_twice_is_stored_once(cast, campaign):
    target = _first(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_a)
    data = _visit_post(campaign, visited_at="2025-03-01T09:30:00+08:00")
    url = reverse("campaigns:visit", args=[target.pk])
    first = client.post(url, data, HTTP_ACCEPT="application/json")
    again = client.post(url, data, HTTP_ACCEPT="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["visit_id"] == again.json()["visit_id"]
    assert first.json()["created"] is True and again.json()["created"] is False
    assert Visit.objects.filter(target=target).count() == 1
    target.refresh_from_db()
    assert target.visits == 1


def test_a_photo_answer_is_kept_and_served_in_scope(cast):
    from io import BytesIO

    from PIL import Image

    from tests.campaigns.helpers import draft

    street(cast.tree.grid_a, 1)
    campaign = draft(cast.community_staff, cast.tree.community, questions=False)
    services.add_question(
        cast.community_staff,
        campaign,
        services.QuestionInput(label="门牌照片", kind="photo", is_required=True),
    )
    services.open_campaign(cast.community_staff, campaign)
    target = Target.objects.get(campaign=campaign)
    question = campaign.questions.get()
    image = BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "JPEG")
    image.seek(0)
    image.name = "door.jpg"
    client = logged_in(cast.grid_worker_a)
    response = client.post(
        reverse("campaigns:visit", args=[target.pk]),
        {"client_uuid": str(uuid.uuid4()), "outcome": "registered", f"answer_{question.pk}": image},
    )
    assert response.status_code == 302
    stored = Visit.objects.get()
    uid = stored.answers[str(question.pk)]
    url = reverse("campaigns:visit_photo", args=[stored.pk, uid])
    assert client.get(url).status_code == 200
    assert logged_in(cast.grid_worker_b).get(url).status_code == 404


# --- scope -------------------------------------------------------------------------------------


def test_another_grids_visitor_gets_404(cast, campaign):
    target = _first(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_b)
    assert client.get(reverse("campaigns:target", args=[target.pk])).status_code == 404
    response = client.post(reverse("campaigns:visit", args=[target.pk]), _visit_post(campaign))
    assert response.status_code == 404
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "name", ["campaign", "mine", "remaining", "export", "doorplates", "assign", "questions", "edit"]
)
def test_another_communitys_users_get_404(cast, campaign, name):
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    other_staff = make_user("staff_c", "东成社区干部")
    grant_role(None, other_staff, cast.tree.other_community, Role.COMMUNITY_STAFF)
    for user in (other_staff, cast.department_handler, cast.outsider):
        response = logged_in(user).get(reverse(f"campaigns:{name}", args=[campaign.pk]))
        assert response.status_code == 404
        assert "出租屋摸排" not in response.content.decode()


def test_a_grid_worker_sees_but_does_not_run_the_campaign(cast, campaign):
    client = logged_in(cast.grid_worker_a)
    assert client.get(reverse("campaigns:campaign", args=[campaign.pk])).status_code == 200
    for name in ("assign", "export", "doorplates", "edit", "questions"):
        assert client.get(reverse(f"campaigns:{name}", args=[campaign.pk])).status_code == 403
    assert client.post(reverse("campaigns:close", args=[campaign.pk])).status_code == 403


def test_a_draft_is_seen_only_by_those_over_its_unit(cast):
    from tests.campaigns.helpers import draft

    campaign = draft(cast.community_staff, cast.tree.community)
    assert (
        logged_in(cast.grid_worker_a)
        .get(reverse("campaigns:campaign", args=[campaign.pk]))
        .status_code
        == 404
    )
    assert (
        logged_in(cast.leader).get(reverse("campaigns:campaign", args=[campaign.pk])).status_code
        == 200
    )


def test_the_list_and_my_work(cast, campaign, volunteer, django_assert_max_num_queries):
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(grid=cast.tree.grid_a), volunteer
    )
    client = logged_in(volunteer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("campaigns:list"))
    assert "出租屋摸排" in page.content.decode()
    home = client.get(reverse("home"))
    assert reverse("campaigns:list") in home.content.decode()
    from django.test import RequestFactory

    from wangge.core.menus import app_entries

    request = RequestFactory().get("/")
    request.user = volunteer
    (panel,) = [p for p in app_entries(request, "work_panels") if "Canvass" in p["title"]]
    assert panel["count"] == 6 and len(panel["items"]) == 5


def test_the_visit_form_takes_a_fixed_number_of_queries(
    cast, campaign, django_assert_max_num_queries
):
    target = _first(campaign, cast.tree.grid_a)
    for _ in range(3):
        visit(cast.grid_worker_a, target, "not_home")
    client = logged_in(cast.grid_worker_a)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("campaigns:target", args=[target.pk]))
    assert page.status_code == 200 and page.content.decode().count("无人在家") >= 3
