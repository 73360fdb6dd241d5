"""The landlord's pages, without an account (业主负责制): the house code and the landlord's
phone open the house (a wrong phone and a wrong code are one answer), tries are limited per
address and per code (429), the tenants are listed with names masked, and a new tenant is
reported in and out. On the staff side the rented house shows its code, a printable notice, and
marks what the landlord reported."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, house_in, html_of, id_number, person_in
from wangge.people.models import HouseUse, Person, Residence

pytestmark = pytest.mark.django_db

LANDLORD_PHONE = "13712345678"


@pytest.fixture
def rental(cast):
    house = house_in(cast.tree.grid_a, "502", use=HouseUse.RENTED, rooms=2)
    landlord = person_in(cast.tree.grid_a, "房东梁", phone=LANDLORD_PHONE)
    house.landlord = landlord
    house.save(update_fields=["landlord"])
    person_in(cast.tree.grid_a, "欧阳明", house=house, relation="tenant")
    return house


def visitor(address: str = "203.0.113.5") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)


def opened(rental) -> Client:
    client = visitor()
    response = client.post(
        reverse("people:landlord"), {"code": rental.code, "phone": "137 1234 5678"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("people:landlord_house")
    return client


def test_the_landlord_opens_the_house_and_sees_tenants_masked(rental):
    page = opened(rental).get(reverse("people:landlord_house"))
    assert page.status_code == 200
    html = html_of(page)
    assert "欧**" in html and "欧阳明" not in html and "2020-05-01" in html
    assert "房东梁" not in html


def test_a_wrong_phone_and_a_wrong_code_get_the_same_answer(rental):
    wrong_phone = visitor().post(
        reverse("people:landlord"), {"code": rental.code, "phone": "13800138000"}
    )
    wrong_code = visitor().post(
        reverse("people:landlord"), {"code": "nonsense", "phone": LANDLORD_PHONE}
    )
    assert wrong_phone.status_code == wrong_code.status_code == 404
    message = "No rented house matches this code and phone."
    assert message in html_of(wrong_phone) and message in html_of(wrong_code)
    client = visitor()
    assert client.get(reverse("people:landlord_house"))["Location"] == reverse("people:landlord")


def test_missing_fields_are_told_beside_them(rental):
    response = visitor().post(reverse("people:landlord"), {"code": "", "phone": ""})
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_code")
    assert_error_beside(html_of(response), "id_phone")


def test_tries_are_limited_per_address(rental, settings):
    settings.PUBLIC_LOOKUPS_PER_IP_PER_HOUR = 3
    client = visitor()
    for _ in range(3):
        response = client.post(
            reverse("people:landlord"), {"code": rental.code, "phone": "13800138000"}
        )
        assert response.status_code == 404
    over = client.post(reverse("people:landlord"), {"code": rental.code, "phone": LANDLORD_PHONE})
    assert over.status_code == 429 and int(over["Retry-After"]) > 0
    assert "Too many tries." in html_of(over)


def test_failed_tries_are_limited_per_house_code(rental, settings):
    settings.PUBLIC_LANDLORD_TRIES_PER_CODE_PER_DAY = 2
    for n in range(2):
        response = visitor(f"198.51.100.{n}").post(
            reverse("people:landlord"), {"code": rental.code, "phone": "13800138000"}
        )
        assert response.status_code == 404
    over = visitor("198.51.100.99").post(
        reverse("people:landlord"), {"code": rental.code, "phone": LANDLORD_PHONE}
    )
    assert over.status_code == 429


def test_successful_tries_do_not_use_up_the_code(rental, settings):
    settings.PUBLIC_LANDLORD_TRIES_PER_CODE_PER_DAY = 2
    for n in range(4):
        response = visitor(f"198.51.100.{n}").post(
            reverse("people:landlord"), {"code": rental.code, "phone": LANDLORD_PHONE}
        )
        assert response.status_code == 302


def test_the_landlord_reports_a_tenant_in_and_out(cast, rental):
    client = opened(rental)
    number = id_number(region="430102", born=date(1995, 6, 1), sex="male")
    response = client.post(
        reverse("people:landlord_move_in"),
        {
            "tenant-name": "唐小军",
            "tenant-document_type": "id_card",
            "tenant-document_number": number,
            "tenant-phone": "13600000001",
            "tenant-moved_in": "2026-01-10",
        },
    )
    assert response.status_code == 302
    tenant = Person.objects.get(name="唐小军")
    residence = Residence.objects.get(person=tenant, house=rental)
    assert (residence.source, residence.relation, residence.moved_in) == (
        "landlord",
        "tenant",
        date(2026, 1, 10),
    )
    page = html_of(client.get(reverse("people:landlord_house")))
    assert "唐**" in page and "唐小军" not in page and number not in page
    assert "is reported as moved in" in page

    # The grid worker sees it marked, with the house's code and its notice.
    staff = html_of(logged_in(cast.grid_worker_a).get(reverse("people:house", args=[rental.pk])))
    assert 'data-source="landlord"' in staff and "Reported by the landlord" in staff
    assert rental.code in staff and reverse("people:house_notice", args=[rental.pk]) in staff

    prefix = f"out{residence.pk}"
    url = reverse("people:landlord_move_out", args=[residence.pk])
    refused = client.post(url, {f"{prefix}-moved_out": "2025-01-01"})
    assert refused.status_code == 400
    assert_error_beside(html_of(refused), f"id_{prefix}-moved_out", "before the moving-in date")
    response = client.post(url, {f"{prefix}-moved_out": "2026-02-01"})
    assert response.status_code == 302
    residence.refresh_from_db()
    assert residence.moved_out == date(2026, 2, 1)
    after = client.get(reverse("people:landlord_house"))
    assert "is reported as moved out" in html_of(after)
    assert [row["residence"] for row in after.context["tenants"]] == [
        Residence.objects.get(house=rental, person__name="欧阳明")
    ]


def test_a_refused_tenant_is_told_beside_the_field_and_writes_nothing(rental):
    client = opened(rental)
    response = client.post(
        reverse("people:landlord_move_in"),
        {
            "tenant-name": "唐小军",
            "tenant-document_type": "id_card",
            "tenant-document_number": "440703199001021235",
            "tenant-moved_in": "2026-01-10",
        },
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_tenant-document_number")
    assert not Person.objects.filter(name="唐小军").exists()


def test_the_landlord_cannot_move_out_someone_of_another_house(cast, rental):
    elsewhere = person_in(cast.tree.grid_b, "别家住户", house=house_in(cast.tree.grid_b, "101"))
    other = Residence.objects.get(person=elsewhere)
    response = opened(rental).post(
        reverse("people:landlord_move_out", args=[other.pk]),
        {f"out{other.pk}-moved_out": "2026-02-01"},
    )
    assert response.status_code == 404
    assert Residence.objects.get(pk=other.pk).moved_out is None


def test_without_the_proof_every_landlord_page_goes_back_to_the_start(rental):
    client = visitor()
    residence = Residence.objects.get(house=rental)
    for response in (
        client.get(reverse("people:landlord_house")),
        client.post(reverse("people:landlord_move_in"), {}),
        client.post(reverse("people:landlord_move_out", args=[residence.pk]), {}),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("people:landlord")


def test_the_proof_ends_when_the_house_is_no_longer_let(rental):
    client = opened(rental)
    rental.use = HouseUse.OWNER_OCCUPIED
    rental.save(update_fields=["use"])
    assert client.get(reverse("people:landlord_house")).status_code == 302


def test_leaving_forgets_the_house(rental):
    client = opened(rental)
    client.post(reverse("people:landlord_leave"))
    assert client.get(reverse("people:landlord_house")).status_code == 302


def test_the_notice_is_printable_for_the_grid_only(cast, rental):
    url = reverse("people:house_notice", args=[rental.pk])
    page = logged_in(cast.grid_worker_a).get(url)
    assert page.status_code == 200
    html = html_of(page)
    assert rental.code in html and rental.address in html
    assert "http://testserver" + reverse("people:landlord") in html
    assert logged_in(cast.grid_worker_b).get(url).status_code == 404
    owned = house_in(cast.tree.grid_a, "101")
    notice = reverse("people:house_notice", args=[owned.pk])
    assert logged_in(cast.grid_worker_a).get(notice).status_code == 404
