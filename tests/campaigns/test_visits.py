"""Recording visits: the outcome and answers checked against the questionnaire (a message naming
the question), revisits (every visit kept, the latest by when it was made decides), the client
UUID making a resend the same visit, proof of being at the door, and a new resident registered
through the registry's own services, whose refusals leave nothing written."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.campaigns.helpers import answers_for, opened, street, visit
from tests.people.helpers import id_number, person_in
from wangge.campaigns import services
from wangge.campaigns.exceptions import Invalid, NotAllowed, RegistryRefused, UuidTaken, WrongState
from wangge.campaigns.models import DoorProof, QuestionKind, Target, Visit
from wangge.core import clock
from wangge.core.models import AuditEntry
from wangge.people.models import Person, Residence

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(cast):
    street(cast.tree.grid_a, 4)
    street(cast.tree.grid_b, 2, building="9栋")
    return opened(cast.community_staff, cast.tree.community)


def _target(campaign, grid):
    return Target.objects.filter(campaign=campaign, grid=grid).order_by("pk").first()


def test_a_visit_is_recorded_and_decides_the_target(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    stored, created = visit(cast.grid_worker_a, target, "registered")
    assert created
    target.refresh_from_db()
    assert (target.visits, target.last_outcome.code, target.is_reached, target.is_done) == (
        1,
        "registered",
        True,
        True,
    )
    assert stored.answers == answers_for(campaign, 租户人数=2)
    assert AuditEntry.objects.filter(action="campaigns.visit", target_id=str(stored.pk)).exists()


def test_a_revisit_keeps_every_visit_and_the_latest_decides(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    now = clock.now()
    visit(cast.grid_worker_a, target, "not_home", visited_at=now - timedelta(hours=3))
    target.refresh_from_db()
    assert (target.is_reached, target.is_done) == (False, False)
    visit(cast.grid_worker_a, target, "registered", visited_at=now - timedelta(hours=1))
    # A visit typed offline earlier arrives last: it does not decide.
    visit(cast.grid_worker_a, target, "back_tonight", visited_at=now - timedelta(hours=2))
    target.refresh_from_db()
    assert target.visits == 3
    assert Visit.objects.filter(target=target).count() == 3
    assert (target.last_outcome.code, target.is_done) == ("registered", True)


def test_the_same_client_uuid_is_the_same_visit(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    key = uuid.uuid4()
    first, created = visit(cast.grid_worker_a, target, client_uuid=key)
    again, created_again = visit(cast.grid_worker_a, target, "not_home", client_uuid=key)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.outcome.code == "registered"
    target.refresh_from_db()
    assert target.visits == 1
    assert Visit.objects.count() == 1


def test_a_client_uuid_of_another_visit_is_refused(cast, campaign):
    key = uuid.uuid4()
    visit(cast.grid_worker_a, _target(campaign, cast.tree.grid_a), client_uuid=key)
    with pytest.raises(UuidTaken):
        visit(cast.grid_worker_b, _target(campaign, cast.tree.grid_b), client_uuid=key)
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Answer the question “租户人数”."),
        ({"租户人数": "两个"}, "“租户人数” is answered with a number."),
        ({"租户人数": True}, "“租户人数” is answered with a number."),
        (
            {"租户人数": 2, "是否签订租赁合同": "也许"},
            "“是否签订租赁合同”: 也许 is not one of the choices.",
        ),
        ({"租户人数": ["1", "2"]}, "“租户人数” takes one answer."),
    ],
)
def test_answers_are_checked_naming_the_question(cast, campaign, answers, message):
    target = _target(campaign, cast.tree.grid_a)
    with pytest.raises(Invalid) as refused:
        visit(cast.grid_worker_a, target, answers=answers_for(campaign, **answers))
    assert refused.value.message == message
    assert refused.value.field.startswith("answer_")
    assert not Visit.objects.exists()
    target.refresh_from_db()
    assert target.visits == 0


def test_date_multiple_and_text_answers(cast):
    street(cast.tree.grid_a, 1)
    from tests.campaigns.helpers import draft

    campaign = draft(cast.community_staff, cast.tree.community, questions=False)
    for label, kind, choices in [
        ("入住日期", QuestionKind.DATE, []),
        ("需求", QuestionKind.MULTIPLE, ["就业", "养老", "医疗"]),
        ("备注", QuestionKind.TEXT, []),
    ]:
        services.add_question(
            cast.community_staff,
            campaign,
            services.QuestionInput(label=label, kind=kind, choices=choices, is_required=True),
        )
    services.open_campaign(cast.community_staff, campaign)
    target = Target.objects.get(campaign=campaign)
    with pytest.raises(Invalid) as refused:
        visit(cast.grid_worker_a, target, answers=answers_for(campaign, 入住日期="昨天"))
    assert "入住日期" in refused.value.message
    stored, _ = visit(
        cast.grid_worker_a,
        target,
        answers=answers_for(
            campaign, 入住日期="2024-05-01", 需求=["医疗", "就业"], 备注="  租户新换  "
        ),
    )
    assert list(stored.answers.values()) == ["2024-05-01", ["就业", "医疗"], "租户新换"]


def test_an_unknown_or_inactive_outcome_and_an_unknown_question_are_refused(cast, campaign):
    from wangge.campaigns.models import OutcomeCode

    target = _target(campaign, cast.tree.grid_a)
    with pytest.raises(Invalid) as refused:
        visit(cast.grid_worker_a, target, "maybe")
    assert refused.value.field == "outcome"
    OutcomeCode.objects.filter(code="vacant").update(is_active=False)
    with pytest.raises(Invalid):
        visit(cast.grid_worker_a, target, "vacant")
    with pytest.raises(Invalid) as refused:
        visit(cast.grid_worker_a, target, answers={"999999": "x"})
    assert refused.value.field == "answers"


def test_a_visit_in_the_future_or_before_the_campaign_is_refused(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    with pytest.raises(Invalid) as refused:
        visit(cast.grid_worker_a, target, visited_at=clock.now() + timedelta(hours=2))
    assert refused.value.field == "visited_at"
    with pytest.raises(Invalid):
        visit(cast.grid_worker_a, target, visited_at=clock.now().replace(year=2020))


def test_who_may_visit(cast, campaign, volunteer):
    target_a = _target(campaign, cast.tree.grid_a)
    # The grid worker of another grid, and a volunteer it is not assigned to, may not.
    with pytest.raises(NotAllowed):
        visit(cast.grid_worker_b, target_a)
    with pytest.raises(NotAllowed):
        visit(volunteer, target_a)
    with pytest.raises(NotAllowed):
        visit(cast.leader, target_a)
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(target_ids=[target_a.pk]), volunteer
    )
    assert visit(volunteer, target_a)[1]
    assert visit(cast.community_staff, target_a)[1]
    assert Visit.objects.count() == 2


def test_a_closed_campaign_takes_no_visit(cast, campaign):
    services.close_campaign(cast.community_staff, campaign)
    with pytest.raises(WrongState):
        visit(cast.grid_worker_a, _target(campaign, cast.tree.grid_a))


def test_a_doorplate_scanned_just_before_proves_the_visit_at_the_door(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    now = clock.now()
    at_door, _ = visit(cast.grid_worker_a, target, door_scanned_at=now - timedelta(minutes=5))
    assert at_door.proof == DoorProof.DOORPLATE
    later, _ = visit(cast.grid_worker_a, target, door_scanned_at=now - timedelta(hours=2))
    assert later.proof == DoorProof.NONE
    without, _ = visit(cast.grid_worker_a, target)
    assert without.proof == DoorProof.NONE


# --- the registry, through its own services ----------------------------------------------------


def _tenant(**fields):
    fields.setdefault("document_number", id_number(born=date(1995, 2, 3), sex="male"))
    return services.NewResident(name="赵六", phone="13912345678", **fields)


def test_a_new_tenant_found_at_the_door_is_registered_and_moved_in(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    stored, _ = visit(cast.grid_worker_a, target, new_resident=_tenant())
    person = Person.objects.get(name="赵六")
    residence = Residence.objects.get(person=person, house=target.house_id)
    assert (residence.relation, residence.source, residence.reported_by) == (
        "tenant",
        "canvass",
        cast.grid_worker_a,
    )
    assert stored.new_resident == person
    assert AuditEntry.objects.filter(action="people.person.register", actor=cast.grid_worker_a)


def test_a_resident_already_on_record_is_moved_in_not_registered_twice(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    number = id_number(born=date(1990, 1, 1), sex="male")
    known = person_in(cast.tree.grid_a, "钱七", document_number=number)
    visit(cast.grid_worker_a, target, new_resident=_tenant(document_number=number))
    assert Person.objects.filter(document_index=known.document_index).count() == 1
    assert Residence.objects.filter(person=known, house=target.house_id).exists()


def test_the_registrys_refusals_leave_nothing_written(cast, campaign):
    target = _target(campaign, cast.tree.grid_a)
    with pytest.raises(RegistryRefused) as refused:
        visit(
            cast.grid_worker_a, target, new_resident=_tenant(document_number="440703199502031234")
        )
    assert refused.value.field == "resident_document_number"
    with pytest.raises(RegistryRefused) as refused:
        visit(cast.grid_worker_a, target, new_resident=_tenant(moved_in=date(2999, 1, 1)))
    assert refused.value.field == "resident_moved_in"
    assert not Person.objects.filter(name="赵六").exists()
    assert not Visit.objects.exists()
    target.refresh_from_db()
    assert target.visits == 0


def test_a_volunteer_may_visit_but_not_register_in_the_registry(cast, campaign, volunteer):
    target = _target(campaign, cast.tree.grid_a)
    services.assign_targets(
        cast.community_staff, campaign, services.Selection(target_ids=[target.pk]), volunteer
    )
    with pytest.raises(RegistryRefused) as refused:
        visit(volunteer, target, new_resident=_tenant())
    assert refused.value.field == "resident_name"
    assert not Person.objects.filter(name="赵六").exists()
    assert not Visit.objects.exists()
