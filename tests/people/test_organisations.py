"""Organisations and places (实有单位/场所): the credit code checked, one record per code,
scoped by grid like everything in the registry."""

from __future__ import annotations

import pytest

from tests.people.helpers import house_in
from wangge.people.exceptions import Invalid, NotAllowed
from wangge.people.services import OrganisationInput, save_organisation

pytestmark = pytest.mark.django_db

CODE = "91110108551385082Q"  # a well-formed code (check character Q)


def test_a_shop_is_registered_at_its_premises_with_a_masked_phone_at_rest(cast):
    shop = house_in(cast.tree.grid_a, "101")
    given = OrganisationInput(
        name="石冲便利店",
        kind="self_employed",
        credit_code=CODE.lower(),
        contact_phone="0750-3123456",
        house=shop,
        is_key_place=True,
    )
    organisation = save_organisation(cast.grid_worker_a, cast.tree.grid_a, given)
    assert organisation.credit_code == CODE
    assert organisation.address == shop.address
    assert organisation.contact_phone == "07503123456"
    with pytest.raises(NotAllowed):
        save_organisation(cast.grid_worker_b, cast.tree.grid_a, given)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("9111010855138508", "18 characters; this one has 16"),
        ("91110108551385082X", "should be Q"),
    ],
)
def test_a_wrong_credit_code_is_refused_saying_why(cast, code, says):
    with pytest.raises(Invalid, match=says) as refused:
        save_organisation(
            None, cast.tree.grid_a, OrganisationInput(name="某公司", credit_code=code)
        )
    assert refused.value.field == "credit_code"


def test_one_organisation_per_credit_code(cast):
    save_organisation(None, cast.tree.grid_a, OrganisationInput(name="甲公司", credit_code=CODE))
    with pytest.raises(Invalid, match="already holds") as refused:
        save_organisation(
            None, cast.tree.grid_b, OrganisationInput(name="乙公司", credit_code=CODE)
        )
    assert refused.value.field == "credit_code"


def test_premises_in_another_grid_are_refused(cast):
    elsewhere = house_in(cast.tree.grid_b, "101")
    with pytest.raises(Invalid) as refused:
        save_organisation(None, cast.tree.grid_a, OrganisationInput(name="某店", house=elsewhere))
    assert refused.value.field == "house"
