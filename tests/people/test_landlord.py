"""A landlord reports tenant changes with the house's code and their own phone (业主负责制)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.people.helpers import house_in, id_number, person_in
from wangge.people.exceptions import Invalid, NotFound
from wangge.people.models import HouseUse, Person, Residence
from wangge.people.services import (
    PersonInput,
    landlord_house,
    landlord_reports_move_in,
    landlord_reports_move_out,
    tenants_of,
)

pytestmark = pytest.mark.django_db

LANDLORD_PHONE = "13712345678"


@pytest.fixture
def rental(tree):
    house = house_in(tree.grid_a, "502", use=HouseUse.RENTED, rooms=2)
    landlord = person_in(tree.grid_a, "房东梁", phone=LANDLORD_PHONE)
    house.landlord = landlord
    house.save(update_fields=["landlord"])
    return house


def test_the_code_and_the_landlord_s_phone_open_the_house(rental):
    assert landlord_house(rental.code, "137-1234-5678") == rental
    typed = f" {rental.code[:5].lower()}-{rental.code[5:]} "  # as read off the notice
    assert landlord_house(typed, LANDLORD_PHONE) == rental
    assert not set(rental.code) & set("01OIL")
    for code, phone in [
        (rental.code, "13800138000"),
        ("nonsense", LANDLORD_PHONE),
        (rental.code, ""),
    ]:
        with pytest.raises(NotFound):
            landlord_house(code, phone)


def test_a_house_that_is_not_let_cannot_be_opened(rental):
    rental.use = HouseUse.OWNER_OCCUPIED
    rental.save(update_fields=["use"])
    with pytest.raises(NotFound):
        landlord_house(rental.code, LANDLORD_PHONE)


def test_the_landlord_moves_a_tenant_in_and_out(rental):
    number = id_number(region="430102", born=date(1995, 6, 1), sex="male")
    given = PersonInput(name="租客唐", document_number=number, phone="13600000001")
    residence = landlord_reports_move_in(rental, given, date(2026, 10, 1))
    assert residence.source == "landlord" and residence.relation == "tenant"
    tenant = Person.objects.get(pk=residence.person_id)
    assert tenant.registration == "floating" and tenant.grid == rental.grid
    assert tenants_of(rental) == [residence]
    landlord_reports_move_out(rental, residence.pk, date(2026, 11, 20))
    assert tenants_of(rental) == []
    assert Residence.objects.get(pk=residence.pk).moved_out == date(2026, 11, 20)


def test_the_landlord_cannot_touch_anyone_else(rental, tree):
    owner_elsewhere = person_in(tree.grid_b, "别家住户", house=house_in(tree.grid_b, "101"))
    other = Residence.objects.get(person=owner_elsewhere)
    with pytest.raises(NotFound):
        landlord_reports_move_out(rental, other.pk, date(2026, 11, 20))
    number = owner_elsewhere.document_number
    with pytest.raises(Invalid) as refused:
        landlord_reports_move_in(
            rental, PersonInput(name="冒名者", document_number=number), date(2026, 10, 1)
        )
    assert refused.value.field == "name"
    with pytest.raises(Invalid) as refused:
        landlord_reports_move_in(rental, PersonInput(name="无证件"), date(2026, 10, 1))
    assert refused.value.field == "document_number"
