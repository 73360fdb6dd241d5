"""The pages of a grid's organisations and places (实有单位/场所): the list filtered by kind and
key places, an organisation's page with its phone masked, and the forms, whose refusals (a wrong
credit code) come back beside the field; nothing of another grid is shown (404)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, house_in, html_of
from wangge.people.models import Organisation
from wangge.people.services import OrganisationInput, save_organisation

pytestmark = pytest.mark.django_db

CODE = "91110108551385082Q"
PHONE = "13912345678"


@pytest.fixture
def shop(cast):
    premises = house_in(cast.tree.grid_a, "101")
    return save_organisation(
        None,
        cast.tree.grid_a,
        OrganisationInput(
            name="石冲便利店",
            kind="self_employed",
            credit_code=CODE,
            contact_phone=PHONE,
            house=premises,
            is_key_place=True,
        ),
    )


def test_the_grid_page_links_to_its_organisations(cast):
    code = cast.tree.grid_a.code
    html = html_of(logged_in(cast.grid_worker_a).get(reverse("people:grid", args=[code])))
    assert reverse("people:organisations", args=[code]) in html


def test_the_list_filters_by_kind_and_key_places(cast, shop):
    save_organisation(None, cast.tree.grid_a, OrganisationInput(name="石冲小学", kind="school"))
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:organisations", args=[cast.tree.grid_a.code])

    def names(query: dict) -> list[str]:
        page = client.get(url, query)
        assert page.status_code == 200
        return [org.name for org in page.context["organisations"]]

    assert names({}) == ["石冲便利店", "石冲小学"]
    assert names({"kind": "school"}) == ["石冲小学"]
    assert names({"key_places": "on"}) == ["石冲便利店"]
    assert client.get(url, {"kind": "castle"}).status_code == 400


def test_the_list_reads_in_a_fixed_number_of_queries(cast, shop):
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:organisations", args=[cast.tree.grid_a.code])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        house = house_in(cast.tree.grid_a, f"{n + 2}01")
        save_organisation(
            None, cast.tree.grid_a, OrganisationInput(name=f"店{n}", kind="other", house=house)
        )
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_an_organisation_page_shows_its_facts_with_the_phone_masked(cast, shop):
    page = logged_in(cast.grid_worker_a).get(reverse("people:organisation", args=[shop.pk]))
    assert page.status_code == 200
    html = html_of(page)
    assert "石冲便利店" in html and CODE in html and "139****5678" in html
    assert PHONE not in html


def test_a_grid_worker_registers_and_edits_an_organisation(cast):
    premises = house_in(cast.tree.grid_a, "102")
    client = logged_in(cast.grid_worker_a)
    response = client.post(
        reverse("people:organisation_create", args=[cast.tree.grid_a.code]),
        {
            "org-name": "江景餐馆",
            "org-kind": "self_employed",
            "org-credit_code": CODE.lower(),
            "org-house": premises.pk,
            "org-contact_phone": "0750-3123456",
            "org-employees": "6",
            "org-is_key_place": "on",
        },
    )
    organisation = Organisation.objects.get(name="江景餐馆")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:organisation", args=[organisation.pk])
    assert (organisation.credit_code, organisation.address) == (CODE, premises.address)
    assert organisation.is_key_place and organisation.contact_phone == "07503123456"
    edit = reverse("people:organisation_edit", args=[organisation.pk])
    form = client.get(edit)
    assert form.status_code == 200 and "07503123456" not in html_of(form)
    response = client.post(
        edit, {"org-name": "江景大餐馆", "org-kind": "enterprise", "org-credit_code": CODE}
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind) == ("江景大餐馆", "enterprise")
    assert organisation.contact_phone == "07503123456"  # kept: not typed again


@pytest.mark.parametrize(
    ("code", "message"),
    [("91110108551385082X", "it should be Q"), ("9111010855138508", "this one has 16")],
)
def test_a_wrong_credit_code_is_told_beside_its_field(cast, code, message):
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:organisation_create", args=[cast.tree.grid_a.code]),
        {"org-name": "江景餐馆", "org-kind": "enterprise", "org-credit_code": code},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_org-credit_code", message)
    assert not Organisation.objects.exists()


def test_a_credit_code_held_by_another_organisation_is_refused(cast, shop):
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:organisation_create", args=[cast.tree.grid_a.code]),
        {"org-name": "冒名店", "org-kind": "enterprise", "org-credit_code": CODE},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_org-credit_code", "already holds")


def test_a_leader_reads_but_cannot_register(cast, shop):
    client = logged_in(cast.leader)
    assert client.get(reverse("people:organisation", args=[shop.pk])).status_code == 200
    url = reverse("people:organisation_create", args=[cast.tree.grid_a.code])
    assert client.get(url).status_code == 403
    assert client.post(url, {"org-name": "x", "org-kind": "other"}).status_code == 403


def test_grid_b_gets_404_for_the_organisations_of_grid_a(cast, shop):
    client = logged_in(cast.grid_worker_b)
    for url in (
        reverse("people:organisations", args=[cast.tree.grid_a.code]),
        reverse("people:organisation", args=[shop.pk]),
        reverse("people:organisation_edit", args=[shop.pk]),
        reverse("people:organisation_create", args=[cast.tree.grid_a.code]),
        "/people/organisations/999999/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("people:organisation_edit", args=[shop.pk]),
        {"org-name": "改名", "org-kind": "other"},
    )
    assert response.status_code == 404
    assert Organisation.objects.get(pk=shop.pk).name == "石冲便利店"
