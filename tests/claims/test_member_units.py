"""Member units and their contacts: checks naming the field, the credit code checked as the
registry checks it, communities kept by scope, and one account acting for one unit."""

from __future__ import annotations

import pytest

from tests.claims.helpers import contact_account, member_unit
from wangge.claims import services
from wangge.claims.exceptions import Invalid, NotAllowed
from wangge.claims.models import Contact, MemberUnit
from wangge.claims.permissions import acts_for, contact_of, visible_member_units
from wangge.core.masking import mask_phone
from wangge.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def valid_credit_code() -> str:
    from stdnum.cn import uscc

    body = "91440703MA4UJ8XX3"
    return body + uscc.calc_check_digit(body)


def test_staff_registers_a_member_unit_serving_their_community(cast):
    unit = services.save_member_unit(
        cast.community_staff,
        services.MemberUnitInput(
            name="江门市第一人民医院",
            kind="hospital",
            communities=[cast.tree.community],
            credit_code=valid_credit_code(),
        ),
    )
    assert list(unit.communities.all()) == [cast.tree.community]
    assert AuditEntry.objects.filter(action="claims.member_unit.save").count() == 1


def test_a_wrong_credit_code_is_refused_naming_the_field(cast):
    with pytest.raises(Invalid) as refused:
        services.save_member_unit(
            cast.community_staff,
            services.MemberUnitInput(
                name="某银行", kind="bank", communities=[cast.tree.community], credit_code="1234"
            ),
        )
    assert refused.value.field == "credit_code"
    assert MemberUnit.objects.count() == 0


def test_a_member_unit_needs_a_name_and_a_community(cast):
    with pytest.raises(Invalid) as refused:
        services.save_member_unit(
            cast.community_staff,
            services.MemberUnitInput(name="", communities=[cast.tree.community]),
        )
    assert refused.value.field == "name"
    with pytest.raises(Invalid) as refused:
        services.save_member_unit(cast.community_staff, services.MemberUnitInput(name="某单位"))
    assert refused.value.field == "communities"


def test_a_grid_is_not_a_community(cast):
    with pytest.raises(Invalid) as refused:
        services.save_member_unit(
            None, services.MemberUnitInput(name="某单位", communities=[cast.tree.grid_a])
        )
    assert refused.value.field == "communities"


def test_staff_cannot_register_a_unit_in_another_community(cast):
    with pytest.raises(NotAllowed):
        services.save_member_unit(
            cast.community_staff,
            services.MemberUnitInput(name="东成银行", communities=[cast.tree.other_community]),
        )


def test_editing_a_shared_unit_keeps_the_communities_the_editor_does_not_keep(cast):
    unit = member_unit(cast, communities=[cast.tree.community, cast.tree.other_community])
    services.save_member_unit(
        cast.community_staff,
        services.MemberUnitInput(
            name="石冲小学（新）", kind="school", communities=[cast.tree.community]
        ),
        unit,
    )
    assert set(unit.communities.all()) == {cast.tree.community, cast.tree.other_community}


def test_one_unit_may_serve_several_communities_and_each_sees_it(cast):
    unit = member_unit(cast, communities=[cast.tree.community, cast.tree.other_community])
    assert list(visible_member_units(cast.community_staff)) == [unit]


def test_another_communitys_staff_sees_no_member_unit_of_ours(cast):
    from tests.cases.loop_helpers import add_person
    from wangge.org.roles import Role

    member_unit(cast)
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    assert not visible_member_units(other).exists()


def test_a_contact_phone_is_encrypted_and_shown_masked(cast):
    unit = member_unit(cast)
    contact = services.save_contact(
        cast.community_staff, unit, services.ContactInput(name="王主任", phone="13912345678")
    )
    stored = Contact.objects.values_list("phone", flat=True).get(pk=contact.pk)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM claims_contact WHERE id = %s", [contact.pk])
        (raw,) = cursor.fetchone()
    assert "13912345678" not in raw
    assert stored == "13912345678"
    assert mask_phone(stored) == "139****5678"


def test_a_wrong_contact_phone_is_refused_naming_the_field(cast):
    unit = member_unit(cast)
    with pytest.raises(Invalid) as refused:
        services.save_contact(None, unit, services.ContactInput(name="王", phone="12"))
    assert refused.value.field == "phone"


def test_a_linked_account_acts_for_its_unit_only(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行石冲支行", kind="bank")
    account = contact_account(school)
    assert contact_of(account).member_unit == school
    assert acts_for(account, school)
    assert not acts_for(account, bank)


def test_an_account_cannot_be_the_contact_of_two_units(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行石冲支行", kind="bank")
    account = contact_account(school)
    with pytest.raises(Invalid) as refused:
        services.save_contact(None, bank, services.ContactInput(name="王", user=account))
    assert refused.value.field == "user"
