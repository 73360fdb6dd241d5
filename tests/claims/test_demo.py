"""The demo's claiming in 石冲社区, loaded after the demo district: member units with a contact
account `memberunit`, needs, agreements (one fulfilled), volunteers, a fund; a second load
creates nothing."""

from __future__ import annotations

import pytest

from wangge.claims import queries
from wangge.claims.models import Agreement, AgreementState, MemberUnit, Need, Volunteer
from wangge.claims.permissions import contact_of
from wangge.core.models import User
from wangge.demo.claims import load_demo_claims
from wangge.demo.loader import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_claims_load_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    made = load_demo().community_work_rows  # the demo loader makes them with the rest
    assert made > 20
    assert MemberUnit.objects.count() == 4
    assert Agreement.objects.filter(state=AgreementState.FULFILLED).count() == 1
    assert Agreement.objects.filter(state=AgreementState.IN_PROGRESS).count() == 1
    assert Need.objects.filter(state="open").count() == 2
    assert Volunteer.objects.filter(state="confirmed").count() == 2
    account = User.objects.get(username="memberunit")
    assert account.check_password(DEMO_PASSWORD)
    assert contact_of(account).member_unit.name == "石冲小学"
    staff = User.objects.get(username="staff")
    figures = queries.figures(staff)
    assert figures["by_community"][0]["reached"] == 2
    assert figures["by_community"][0]["overdue"] == 1
    assert figures["funds"][0]["spent"] == 8000
    before = {model: model.objects.count() for model in (MemberUnit, Need, Agreement, Volunteer)}
    assert load_demo_claims() == 0
    assert {model: model.objects.count() for model in before} == before
