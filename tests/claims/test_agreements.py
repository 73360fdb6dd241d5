"""Claiming and the agreement's life cycle: who may claim for which unit, a need or project
claimed once, deliverables overdue from their dates, progress and completion with evidence,
cancellation, and the need's states allowed and refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cases.loop_helpers import add_person, file_case
from tests.claims.helpers import (
    agreement,
    contact_account,
    member_unit,
    need,
    photo,
    project,
    today,
)
from wangge.claims import queries, services
from wangge.claims.exceptions import Invalid, InvalidState, NotAllowed
from wangge.claims.models import (
    Agreement,
    AgreementState,
    Evidence,
    NeedState,
    ProgressEntry,
    ProjectState,
)
from wangge.claims.services.lists import NEED_TRANSITIONS, move_need
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db


def test_a_contact_claims_an_open_need_for_its_unit(cast):
    school = member_unit(cast)
    account = contact_account(school)
    wanted = need(cast.tree.community, wanted_by=today() + timedelta(days=20))
    made = services.claim_need(account, wanted, school)
    wanted.refresh_from_db()
    assert wanted.state == NeedState.CLAIMED
    assert made.member_unit == school and made.community == cast.tree.community
    assert made.contact.user == account
    assert made.ends_on == wanted.wanted_by
    assert made.state == AgreementState.AGREED


def test_a_contact_cannot_claim_for_another_unit(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行", kind="bank")
    account = contact_account(school)
    with pytest.raises(NotAllowed):
        services.claim_need(account, need(cast.tree.community), bank)
    assert not Agreement.objects.exists()


def test_a_unit_not_serving_the_community_cannot_claim_its_need(cast):
    school = member_unit(cast)
    with pytest.raises(Invalid) as refused:
        services.claim_need(cast.administrator, need(cast.tree.other_community), school)
    assert refused.value.field == "member_unit"


def test_staff_claim_on_behalf_of_a_unit_but_not_in_another_community(cast):
    unit = member_unit(cast, communities=[cast.tree.community, cast.tree.other_community])
    made = services.claim_need(cast.community_staff, need(cast.tree.community), unit)
    assert made.contact is None
    with pytest.raises(NotAllowed):
        services.claim_need(cast.community_staff, need(cast.tree.other_community), unit)


def test_a_grid_worker_who_only_views_cannot_claim(cast):
    unit = member_unit(cast)
    with pytest.raises(NotAllowed):
        services.claim_need(cast.grid_worker_a, need(cast.tree.community), unit)


def test_a_claimed_need_cannot_be_claimed_twice(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行", kind="bank")
    wanted = need(cast.tree.community)
    services.claim_need(cast.community_staff, wanted, school)
    with pytest.raises(InvalidState) as refused:
        services.claim_need(cast.community_staff, wanted, bank)
    assert refused.value.field == "need"
    assert Agreement.objects.count() == 1


def test_a_project_is_claimed_once_and_completed_with_its_agreement(cast):
    school = member_unit(cast)
    planned = project(cast.tree.community, budget="5000")
    made = services.claim_project(cast.community_staff, planned, school)
    planned.refresh_from_db()
    assert planned.state == ProjectState.CLAIMED
    with pytest.raises(InvalidState):
        services.claim_project(cast.community_staff, planned, school)
    evidence = services.store_evidence(cast.community_staff, photo(), "done.jpg")
    services.complete_agreement(cast.community_staff, made, "已完成改造", [evidence])
    planned.refresh_from_db()
    assert planned.state == ProjectState.COMPLETED


def test_the_agreement_keeps_its_deliverables_with_due_dates(cast):
    made = agreement(cast, member_unit(cast))
    assert [d.title for d in made.deliverables.all()] == ["开放礼堂"]
    with pytest.raises(Invalid) as refused:
        services.add_deliverable(cast.community_staff, made, "培训", None)
    assert refused.value.field == "due_on"


def test_a_deliverable_past_its_due_date_is_overdue_and_so_is_its_agreement(cast):
    made = agreement(cast, member_unit(cast))
    late = services.add_deliverable(
        cast.community_staff, made, "安装扶手", today() - timedelta(days=1)
    )
    rows = queries.deliverables_of(made)
    assert [row["is_overdue"] for row in rows] == [True, False]
    assert queries.agreement_list(cast.community_staff, overdue=True) == [made]
    services.record_progress(cast.community_staff, made, "扶手已装", deliverable=late)
    assert queries.agreement_list(cast.community_staff, overdue=True) == []


def test_an_agreement_past_its_end_date_is_overdue_until_fulfilled(cast):
    made = agreement(cast, member_unit(cast))
    later = today() + timedelta(days=40)
    assert [a.is_overdue for a in queries.agreement_list(cast.community_staff, on=later)] == [True]
    evidence = services.store_evidence(cast.community_staff, photo(), "done.jpg")
    services.complete_agreement(cast.community_staff, made, "完成", [evidence])
    assert [a.is_overdue for a in queries.agreement_list(cast.community_staff, on=later)] == [False]


def test_progress_moves_the_agreement_and_its_need_in_progress(cast):
    school = member_unit(cast)
    account = contact_account(school)
    made = agreement(cast, school)
    evidence = services.store_evidence(account, photo(), "site.jpg")
    entry = services.record_progress(account, made, "礼堂已开放两次", [evidence])
    made.refresh_from_db()
    made.need.refresh_from_db()
    assert made.state == AgreementState.IN_PROGRESS
    assert made.need.state == NeedState.IN_PROGRESS
    assert entry.evidence.get().attachment == evidence


def test_another_units_contact_cannot_record_progress(cast):
    made = agreement(cast, member_unit(cast))
    stranger = contact_account(member_unit(cast, "农商银行", kind="bank"), "bank_contact")
    with pytest.raises(NotAllowed):
        services.record_progress(stranger, made, "冒名记录")
    assert not ProgressEntry.objects.exists()


def test_evidence_must_be_the_recorders_own_unused_upload(cast):
    made = agreement(cast, member_unit(cast))
    someone_elses = services.store_evidence(cast.administrator, photo(), "x.jpg")
    with pytest.raises(Invalid) as refused:
        services.record_progress(cast.community_staff, made, "进展", [someone_elses])
    assert refused.value.field == "evidence"
    assert not ProgressEntry.objects.exists()


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_as_evidence(cast):
    with pytest.raises(Invalid) as refused:
        services.store_evidence(cast.community_staff, b"MZ\x90\x00 not an image", "virus.exe")
    assert refused.value.field == "evidence"


def test_completion_without_evidence_is_refused_and_writes_nothing(cast):
    made = agreement(cast, member_unit(cast))
    with pytest.raises(Invalid) as refused:
        services.complete_agreement(cast.community_staff, made, "完成了")
    assert refused.value.field == "evidence"
    made.refresh_from_db()
    assert made.state == AgreementState.AGREED
    assert not ProgressEntry.objects.exists()


def test_completion_with_evidence_fulfils_the_agreement_and_the_need(cast):
    made = agreement(cast, member_unit(cast))
    evidence = services.store_evidence(cast.community_staff, photo(), "done.jpg")
    services.complete_agreement(cast.community_staff, made, "长者活动已开展", [evidence])
    made.refresh_from_db()
    made.need.refresh_from_db()
    assert made.state == AgreementState.FULFILLED and made.fulfilled_at is not None
    assert made.need.state == NeedState.FULFILLED
    assert Evidence.objects.filter(entry__agreement=made).count() == 1
    assert not made.deliverables.filter(done_at__isnull=True).exists()


def test_earlier_evidence_is_enough_to_complete(cast):
    made = agreement(cast, member_unit(cast))
    evidence = services.store_evidence(cast.community_staff, photo(), "site.jpg")
    services.record_progress(cast.community_staff, made, "进展", [evidence])
    services.complete_agreement(cast.community_staff, made, "完成")
    made.refresh_from_db()
    assert made.state == AgreementState.FULFILLED


def test_nothing_more_is_recorded_on_a_fulfilled_or_cancelled_agreement(cast):
    made = agreement(cast, member_unit(cast))
    services.cancel_agreement(cast.community_staff, made, "单位无法履行")
    for call in (
        lambda: services.record_progress(cast.community_staff, made, "x"),
        lambda: services.complete_agreement(cast.community_staff, made, "x"),
        lambda: services.cancel_agreement(cast.community_staff, made, "x"),
        lambda: services.add_deliverable(cast.community_staff, made, "x", today()),
    ):
        with pytest.raises(InvalidState):
            call()


def test_cancelling_opens_the_need_again_for_another_claim(cast):
    made = agreement(cast, member_unit(cast))
    services.cancel_agreement(cast.community_staff, made, "单位无法履行")
    made.need.refresh_from_db()
    assert made.need.state == NeedState.OPEN
    again = services.claim_need(cast.community_staff, made.need, member_unit(cast, "农商银行"))
    assert again.need == made.need


def test_a_need_with_a_live_agreement_cannot_be_closed_unmet(cast):
    made = agreement(cast, member_unit(cast))
    with pytest.raises(InvalidState):
        services.close_need_unmet(cast.community_staff, made.need, "无人认领")


def test_an_open_need_is_closed_unmet_with_a_reason(cast):
    wanted = need(cast.tree.community)
    with pytest.raises(Invalid) as refused:
        services.close_need_unmet(cast.community_staff, wanted, "")
    assert refused.value.field == "reason"
    services.close_need_unmet(cast.community_staff, wanted, "居民已自行解决")
    wanted.refresh_from_db()
    assert wanted.state == NeedState.CLOSED_UNMET
    with pytest.raises(InvalidState):
        services.claim_need(cast.community_staff, wanted, member_unit(cast))


@pytest.mark.parametrize("start", list(NeedState))
@pytest.mark.parametrize("target", list(NeedState))
def test_the_need_states_move_only_as_the_table_says(cast, start, target):
    wanted = need(cast.tree.community)
    type(wanted).objects.filter(pk=wanted.pk).update(state=start)
    wanted.refresh_from_db()
    if target in NEED_TRANSITIONS[start]:
        move_need(wanted, target)
        wanted.refresh_from_db()
        assert wanted.state == target
    else:
        with pytest.raises(InvalidState):
            move_need(wanted, target)
        wanted.refresh_from_db()
        assert wanted.state == start


def test_a_need_is_raised_from_a_case_the_staff_can_see(cast):
    case = file_case(cast.grid_worker_a, description="楼道扶手松动，长者上下楼危险")
    raised = services.raise_need_from_case(
        cast.community_staff, case, services.NeedInput(kind="repair", title="加固楼道扶手")
    )
    assert raised.case == case and raised.community == cast.tree.community
    assert raised.source == "case"
    assert "扶手" in raised.description


def test_staff_of_another_community_cannot_raise_a_need_from_our_case(cast):
    case = file_case(cast.grid_worker_a)
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    with pytest.raises(NotAllowed):
        services.raise_need_from_case(other, case, services.NeedInput(kind="repair", title="x"))


def test_need_fields_are_checked_naming_the_field(cast):
    for given, field in (
        ({"kind": "magic", "title": "x"}, "kind"),
        ({"kind": "venue", "title": ""}, "title"),
        ({"kind": "venue", "title": "x", "urgency": "now"}, "urgency"),
        ({"kind": "venue", "title": "x", "quantity": 0}, "quantity"),
        ({"kind": "venue", "title": "x", "contact_phone": "12"}, "contact_phone"),
    ):
        with pytest.raises(Invalid) as refused:
            services.raise_need(
                cast.community_staff, cast.tree.community, services.NeedInput(**given)
            )
        assert refused.value.field == field


def test_a_resident_need_requires_a_phone(cast):
    with pytest.raises(Invalid) as refused:
        services.raise_need_as_resident(
            cast.tree.community, services.NeedInput(kind="venue", title="活动场地")
        )
    assert refused.value.field == "contact_phone"


def test_resource_fields_are_checked_naming_the_field(cast):
    unit = member_unit(cast)
    for given, field in (
        ({"kind": "venue", "title": "x", "community": cast.tree.other_community}, "community"),
        ({"kind": "x", "title": "x", "community": cast.tree.community}, "kind"),
        (
            {
                "kind": "venue",
                "title": "x",
                "community": cast.tree.community,
                "available_from": today(),
                "available_until": today() - timedelta(days=1),
            },
            "available_until",
        ),
    ):
        with pytest.raises(Invalid) as refused:
            services.save_resource(cast.community_staff, unit, services.ResourceInput(**given))
        assert refused.value.field == field


def test_a_contact_offers_resources_of_its_own_unit_only(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行", kind="bank")
    account = contact_account(school)
    offered = services.save_resource(
        account,
        school,
        services.ResourceInput(kind="venue", title="操场", community=cast.tree.community),
    )
    assert offered.member_unit == school
    with pytest.raises(NotAllowed):
        services.save_resource(
            account,
            bank,
            services.ResourceInput(kind="funding", title="x", community=cast.tree.community),
        )


def test_project_dates_and_budget_are_checked(cast):
    with pytest.raises(Invalid) as refused:
        project(cast.tree.community, budget="-1")
    assert refused.value.field == "budget"
    with pytest.raises(Invalid) as refused:
        project(cast.tree.community, starts_on=today(), ends_on=today() - timedelta(days=1))
    assert refused.value.field == "ends_on"


def test_another_app_raises_a_need_from_a_canvass_answer(cast):
    raised = services.raise_need(
        None,
        cast.tree.community,
        services.NeedInput(kind="repair", title="门锁坏了"),
        source="canvass",
    )
    assert raised.source == "canvass"
    with pytest.raises(Invalid) as refused:
        services.raise_need(
            None, cast.tree.community, services.NeedInput(kind="repair", title="x"), source="case"
        )
    assert refused.value.field == "source"
