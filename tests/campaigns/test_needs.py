"""Needs raised at the door (双向认领 from canvass answers): a helper who may visit a target
raises a need of its household; it is a claims need from a canvass in the community above the
target's grid, linked to the target and audited. Another grid's helper gets 404, a refusal is
shown beside its field, and in both cases nothing is written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.campaigns.helpers import opened, street, visit
from tests.clients import logged_in
from wangge.campaigns import services
from wangge.campaigns.exceptions import Invalid, NotAllowed
from wangge.campaigns.models import Target, TargetNeed
from wangge.claims.models import Need, NeedSource, NeedState
from wangge.claims.services.lists import NeedInput
from wangge.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(cast):
    street(cast.tree.grid_a, 2)
    street(cast.tree.grid_b, 2, building="9栋")
    return opened(cast.community_staff, cast.tree.community)


def _target(campaign, grid) -> Target:
    return Target.objects.filter(campaign=campaign, grid=grid).order_by("floor", "number").first()


def _post(**extra):
    data = {
        "need_kind": "repair",
        "need_title": "楼道灯维修",
        "need_description": "三楼楼道灯坏了",
        "need_urgency": "high",
        "need_wanted_by": "2030-06-01",
    }
    data.update(extra)
    return data


def _nothing_written() -> bool:
    return (
        not Need.objects.exists()
        and not TargetNeed.objects.exists()
        and not AuditEntry.objects.filter(action__contains="need").exists()
    )


def test_an_assigned_volunteer_raises_a_canvass_need_in_the_community(cast, campaign, volunteer):
    target = _target(campaign, cast.tree.grid_a)
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(grid=cast.tree.grid_a), volunteer
    )
    client = logged_in(volunteer)
    response = client.post(reverse("campaigns:need", args=[target.pk]), _post())
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:target", args=[target.pk])
    need = Need.objects.get()
    assert (need.source, need.community, need.kind, need.urgency, need.state) == (
        NeedSource.CANVASS,
        cast.tree.community,
        "repair",
        "high",
        NeedState.OPEN,
    )
    assert str(need.wanted_by) == "2030-06-01"
    assert campaign.title in need.description and target.address in need.description
    assert "三楼楼道灯坏了" in need.description
    link = TargetNeed.objects.get()
    assert (link.target, link.need, link.raised_by) == (target, need, volunteer)
    entry = AuditEntry.objects.get(action="campaigns.need.raise")
    assert entry.actor == volunteer and entry.target_id == str(link.pk)


def test_a_grid_worker_raises_a_need_without_managing_claims(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    need = services.raise_need_from_visit(
        cast.grid_worker_a, target, NeedInput(kind="volunteers", title="陪同就医")
    )
    assert need.source == NeedSource.CANVASS and need.community == cast.tree.community
    assert need.contact_phone == "" and need.contact_name == ""
    assert TargetNeed.objects.filter(target=target, need=need).exists()


def test_the_description_names_no_resident(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    need = services.raise_need_from_visit(
        cast.grid_worker_a, target, NeedInput(kind="other", title="旧家具清运")
    )
    assert need.description.startswith("Raised at the door") or campaign.title in need.description
    assert target.address in need.description


def test_a_helper_of_another_grid_gets_404_and_nothing_is_written(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_b)
    response = client.post(reverse("campaigns:need", args=[target.pk]), _post())
    assert response.status_code == 404
    assert _nothing_written()
    with pytest.raises(NotAllowed):
        services.raise_need_from_visit(cast.grid_worker_b, target, NeedInput("repair", "x"))
    assert _nothing_written()


def test_a_user_of_another_community_gets_404(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    response = logged_in(cast.outsider).post(reverse("campaigns:need", args=[target.pk]), _post())
    assert response.status_code == 404
    assert _nothing_written()


def test_a_leader_who_only_views_is_refused_403(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    response = logged_in(cast.leader).post(reverse("campaigns:need", args=[target.pk]), _post())
    assert response.status_code in (403, 404)
    assert _nothing_written()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"need_title": ""}, "title"),
        ({"need_kind": "spaceship"}, "kind"),
        ({"need_urgency": "whenever"}, "urgency"),
        ({"need_wanted_by": "2030-13-45"}, "wanted_by"),
        ({"need_title": "长" * 101}, "title"),
    ],
)
def test_an_invalid_field_is_refused_beside_it_and_nothing_is_written(cast, campaign, extra, field):
    target = _target(campaign, cast.tree.grid_a)
    client = logged_in(cast.grid_worker_a)
    response = client.post(reverse("campaigns:need", args=[target.pk]), _post(**extra))
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index(f'data-field="{field}"', html.index('id="need-form"'))
    beside = html[start : html.index("</div>", start)]
    assert 'class="field-error"' in beside
    assert 'id="raise-need" open' in html
    assert _nothing_written()


def test_the_service_passes_on_the_claims_field(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    with pytest.raises(Invalid) as refused:
        services.raise_need_from_visit(cast.grid_worker_a, target, NeedInput("repair", " "))
    assert refused.value.field == "title"
    assert _nothing_written()


def test_a_closed_campaign_raises_no_need(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    services.close_campaign(cast.community_staff, campaign)
    response = logged_in(cast.grid_worker_a).post(
        reverse("campaigns:need", args=[target.pk]), _post()
    )
    assert response.status_code in (400, 403)
    assert _nothing_written()


def test_the_target_page_lists_the_needs_raised_there(
    cast, campaign, django_assert_max_num_queries
):
    target = _target(campaign, cast.tree.grid_a)
    visit(cast.grid_worker_a, target, "not_home")
    for title in ("楼道灯维修", "陪同就医", "旧家具清运"):
        services.raise_need_from_visit(cast.grid_worker_a, target, NeedInput("other", title))
    other = _target(campaign, cast.tree.grid_b)
    services.raise_need_from_visit(cast.grid_worker_b, other, NeedInput("other", "别家的需求"))
    client = logged_in(cast.grid_worker_a)
    with django_assert_max_num_queries(17):
        page = client.get(reverse("campaigns:target", args=[target.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for title in ("楼道灯维修", "陪同就医", "旧家具清运"):
        assert title in html
    assert "别家的需求" not in html
    assert html.count('class="need-row"') == 3
    assert "为该户提出需求" in html or "Raise a need for this household" in html
