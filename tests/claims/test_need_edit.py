"""Staff change a need at /claims/needs/<need_id>/edit/ with the rules of raising one: another
community's staff get a 404, a viewer a 403, a refused value is shown beside its field with a
400 and nothing is written; only an open or claimed need can be changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import add_person
from tests.claims.helpers import agreement, member_unit, need
from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, html_of
from wangge.claims import services
from wangge.claims.exceptions import InvalidState
from wangge.claims.models import Need, NeedState
from wangge.core.models import AuditEntry
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db

PHONE = "13811112222"


def _post(need_row: Need, **changes: str) -> dict[str, str]:
    data = {
        "kind": need_row.kind,
        "title": need_row.title,
        "description": need_row.description,
        "quantity": str(need_row.quantity or ""),
        "unit": need_row.unit,
        "place": need_row.place,
        "urgency": need_row.urgency,
        "wanted_by": "",
        "contact_name": need_row.contact_name,
        "contact_phone": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def open_need(cast):
    return need(
        cast.tree.community, title="长者活动场地", contact_name="陈阿姨", contact_phone=PHONE
    )


def test_the_need_page_links_staff_to_the_edit_page(cast, open_need):
    html = html_of(logged_in(cast.community_staff).get(reverse("claims:need", args=[open_need.pk])))
    assert reverse("claims:need_edit", args=[open_need.pk]) in html


def test_the_edit_page_shows_the_need_but_never_the_phone(cast, open_need):
    response = logged_in(cast.community_staff).get(reverse("claims:need_edit", args=[open_need.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert "长者活动场地" in html and "陈阿姨" in html
    assert PHONE not in html


def test_staff_change_an_open_need_and_the_phone_on_file_is_kept(cast, open_need):
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:need_edit", args=[open_need.pk]),
        _post(open_need, title="长者活动室", place="石冲村文化楼", quantity="30", unit="人"),
    )
    assert response.status_code == 302
    changed = Need.objects.get(pk=open_need.pk)
    assert (changed.title, changed.place, changed.quantity) == ("长者活动室", "石冲村文化楼", 30)
    assert changed.contact_phone == PHONE
    assert AuditEntry.objects.filter(
        action="claims.need.update", actor=cast.community_staff
    ).exists()


def test_staff_change_a_claimed_need(cast):
    made = agreement(cast, member_unit(cast), title="旧标题")
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:need_edit", args=[made.need_id]), _post(made.need, title="新标题")
    )
    assert response.status_code == 302
    assert Need.objects.get(pk=made.need_id).title == "新标题"


def test_a_refused_phone_is_shown_beside_the_field_and_nothing_written(cast, open_need):
    client = logged_in(cast.community_staff)
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("claims:need_edit", args=[open_need.pk]),
        _post(open_need, title="改了", contact_phone="12345"),
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_contact_phone")
    assert Need.objects.get(pk=open_need.pk).title == "长者活动场地"
    assert AuditEntry.objects.count() == before


def test_an_empty_title_is_refused_beside_the_field(cast, open_need):
    response = logged_in(cast.community_staff).post(
        reverse("claims:need_edit", args=[open_need.pk]), _post(open_need, title="")
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_title")


def test_a_need_in_progress_cannot_be_changed_and_the_page_says_so(cast):
    made = agreement(cast, member_unit(cast), title="进行中")
    services.record_progress(cast.community_staff, made, "开工", [])
    assert Need.objects.get(pk=made.need_id).state == NeedState.IN_PROGRESS
    client = logged_in(cast.community_staff)
    url = reverse("claims:need_edit", args=[made.need_id])
    response = client.get(url, follow=True)
    assert "Only an open or claimed need can be changed." in html_of(response)
    assert reverse("claims:need_edit", args=[made.need_id]) not in html_of(
        client.get(reverse("claims:need", args=[made.need_id]))
    )
    response = client.post(url, _post(made.need, title="改不了"))
    assert response.status_code == 409
    assert "Only an open or claimed need can be changed." in html_of(response)
    assert Need.objects.get(pk=made.need_id).title == "进行中"


def test_a_closed_need_cannot_be_changed_by_the_service(cast, open_need):
    services.close_need_unmet(cast.community_staff, open_need, "居民撤回")
    with pytest.raises(InvalidState):
        services.update_need(
            cast.community_staff, open_need, services.NeedInput(kind="venue", title="x")
        )


def test_another_communitys_staff_get_404_and_nothing_is_written(cast, open_need):
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    client = logged_in(other)
    url = reverse("claims:need_edit", args=[open_need.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, _post(open_need, title="越权"))
    assert response.status_code == 404
    assert "长者活动场地" not in html_of(response)
    assert Need.objects.get(pk=open_need.pk).title == "长者活动场地"


def test_a_viewer_of_the_community_is_refused(cast, open_need):
    client = logged_in(cast.grid_worker_a)
    url = reverse("claims:need_edit", args=[open_need.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _post(open_need, title="网格员改")).status_code == 403
    assert Need.objects.get(pk=open_need.pk).title == "长者活动场地"
