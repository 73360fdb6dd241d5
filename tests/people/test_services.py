"""The registry's rules, through its services: persons once per document, facts derived from
the ID number, residences that end instead of disappearing, the ledger read from them, crowded
rentals, scope, reveals, sensitive tags and care visits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection

from tests.people.helpers import house_in, id_number, person_in, tag_kind
from wangge.core import clock
from wangge.core.crypto import blind_index
from wangge.core.models import AuditEntry
from wangge.people.exceptions import AlreadyRegistered, Invalid, NotAllowed, NotFound
from wangge.people.models import HouseUse, Person, PersonTag, Residence, Reveal
from wangge.people.permissions import visible_persons
from wangge.people.services import (
    PersonInput,
    crowded_rentals,
    expire_sensitive_tags,
    give_tag,
    ledger,
    move_in,
    move_out,
    open_sensitive_tags,
    record_visit,
    register_person,
    reveal,
    update_person,
    visible_reveals,
    visits_due,
)

pytestmark = pytest.mark.django_db


# --- persons ----------------------------------------------------------------------------------


def test_the_id_number_gives_the_sex_and_birth_date(tree):
    number = id_number(born=date(1948, 2, 29), sex="male")
    person = person_in(tree.grid_a, document_number=number)
    assert (person.sex, person.birth_date) == ("male", date(1948, 2, 29))
    assert person.registered_region == "440703"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"sex": "female"}, "sex"),
        ({"birth_date": date(1948, 3, 1)}, "birth_date"),
        ({"document_number": "440703194802290"}, "document_number"),
        ({"phone": "12345"}, "phone"),
        ({"registered_region": "4407"}, "registered_region"),
        ({"name": "  "}, "name"),
        ({"document_type": "driving_licence"}, "document_type"),
    ],
)
def test_a_fact_that_cannot_be_right_is_refused_naming_its_field(tree, given, field):
    values = {"name": "陈伯", "document_number": id_number(born=date(1948, 2, 29), sex="male")}
    values.update(given)
    with pytest.raises(Invalid) as refused:
        register_person(None, tree.grid_a, PersonInput(**values))
    assert refused.value.field == field
    assert not Person.objects.exists()


def test_one_person_per_document_and_a_re_import_updates_instead(tree):
    number = id_number()
    first = person_in(tree.grid_a, "陈玉兰", document_number=number, phone="13800138000")
    with pytest.raises(AlreadyRegistered) as refused:
        register_person(None, tree.grid_a, PersonInput(name="陈玉兰", document_number=number))
    assert refused.value.person_id == first.pk
    again, created = register_person(
        None,
        tree.grid_a,
        PersonInput(name="陈玉兰", document_number=number, phone="13900139000", given={"phone"}),
        update_existing=True,
    )
    assert (again.pk, created) == (first.pk, False)
    assert Person.objects.get().phone == "13900139000"
    assert Person.objects.count() == 1


def test_numbers_are_encrypted_at_rest_and_found_by_their_blind_index(tree):
    number = id_number()
    person = person_in(tree.grid_a, document_number=number, phone="138 0013 8000")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number, phone FROM people_person WHERE id = %s", [person.pk]
        )
        stored = cursor.fetchone()
    assert number not in stored[0] and "13800138000" not in stored[1]
    assert Person.objects.get(phone_index=blind_index("13800138000", "phone")) == person
    assert person.phone == "13800138000"  # normalised


def test_local_or_floating_is_compared_at_the_level_the_city_sets(tree, settings):
    local = person_in(tree.grid_a, "本地人", document_number=id_number(region="440703"))
    same_city = person_in(tree.grid_a, "新会人", document_number=id_number(region="440705"))
    elsewhere = person_in(tree.grid_a, "湖南人", document_number=id_number(region="430102"))
    assert [p.registration for p in (local, same_city, elsewhere)] == [
        "local",
        "floating",
        "floating",
    ]
    settings.REGISTRATION_LEVEL = "city"
    update_person(None, same_city, PersonInput(name="新会人", given={"name"}))
    assert Person.objects.get(pk=same_city.pk).registration == "local"


def test_the_audit_log_never_holds_a_whole_number(tree):
    number = id_number()
    person_in(tree.grid_a, document_number=number, phone="13800138000")
    logged = " ".join(str(entry.summary) + str(entry.data) for entry in AuditEntry.objects.all())
    assert number not in logged and "13800138000" not in logged
    assert number[-4:] in logged  # masked, still recognisable


# --- residences and the ledger ----------------------------------------------------------------


def test_moving_in_makes_the_house_s_grid_the_person_s(tree):
    person = person_in(tree.grid_a)
    house = house_in(tree.grid_b, "202")
    move_in(None, person, house, relation="tenant", moved_in=date(2024, 1, 1))
    assert Person.objects.get(pk=person.pk).grid == tree.grid_b


def test_moving_out_ends_a_residence_and_deletes_nothing(tree):
    house = house_in(tree.grid_a)
    person = person_in(tree.grid_a, house=house, moved_in=date(2020, 5, 1))
    residence = Residence.objects.get(person=person)
    with pytest.raises(Invalid) as refused:
        move_out(None, residence, moved_out=date(2019, 1, 1))
    assert refused.value.field == "moved_out"
    move_out(None, residence, moved_out=date(2025, 6, 30), reason="搬往外地")
    with pytest.raises(Invalid, match="already moved out"):
        move_out(None, Residence.objects.get(pk=residence.pk), moved_out=date(2025, 7, 1))
    assert Residence.objects.filter(person=person).count() == 1
    assert Residence.objects.get(pk=residence.pk).moved_out == date(2025, 6, 30)
    assert Person.objects.get(pk=person.pk).grid == tree.grid_a  # stays with the last grid


def test_living_twice_in_the_same_house_at_once_is_refused(tree):
    house = house_in(tree.grid_a)
    person = person_in(tree.grid_a, house=house)
    with pytest.raises(Invalid, match="already lives in this house"):
        move_in(None, person, house, relation="owner", moved_in=date(2021, 1, 1))


def test_the_ledger_is_read_from_the_residences_newest_first(tree):
    house = house_in(tree.grid_a)
    old = person_in(
        tree.grid_a, "老租客", house=house, relation="tenant", moved_in=date(2022, 3, 1)
    )
    move_out(None, Residence.objects.get(person=old), moved_out=date(2024, 2, 29))
    person_in(tree.grid_a, "新租客", house=house, relation="tenant", moved_in=date(2024, 3, 1))
    lines = ledger(Residence.objects.filter(house=house))
    assert [(line.day, line.moved, line.residence.person.name) for line in lines] == [
        (date(2024, 3, 1), "in", "新租客"),
        (date(2024, 2, 29), "out", "老租客"),
        (date(2022, 3, 1), "in", "老租客"),
    ]
    since = ledger(Residence.objects.filter(grid=tree.grid_a), since=date(2024, 1, 1))
    assert len(since) == 2


def test_a_rental_with_too_many_residents_per_room_is_flagged(tree, settings):
    settings.RENTAL_RESIDENTS_PER_ROOM = 2
    house = house_in(tree.grid_a, "301", use=HouseUse.RENTED, rooms=2)
    for n in range(4):
        person_in(tree.grid_a, f"租客{n}", house=house, relation="tenant")
    assert not crowded_rentals(house.__class__.objects.all()).exists()  # 4 / 2 = 2: at the limit
    person_in(tree.grid_a, "租客5", house=house, relation="tenant")
    assert list(crowded_rentals(house.__class__.objects.all())) == [house]


# --- scope ------------------------------------------------------------------------------------


def test_a_grid_worker_keeps_and_sees_only_their_own_grid(cast):
    tree = cast.tree
    mine = person_in(tree.grid_a, "甲格居民")
    person_in(tree.grid_b, "乙格居民")
    assert list(visible_persons(cast.grid_worker_a)) == [mine]
    assert visible_persons(cast.community_staff).count() == 2
    assert visible_persons(cast.leader).count() == 2
    assert not visible_persons(cast.dispatcher).exists()
    with pytest.raises(NotAllowed):
        register_person(cast.grid_worker_b, tree.grid_a, PersonInput(name="越界"))


# --- reveals and sensitive tags ----------------------------------------------------------------


def test_revealing_a_number_needs_the_permission_and_a_reason_and_is_logged(cast):
    person = person_in(cast.tree.grid_a, phone="13800138000")
    with pytest.raises(Invalid) as refused:
        reveal(cast.grid_worker_a, person, "phone", " ")
    assert refused.value.field == "reason"
    with pytest.raises(NotAllowed):
        reveal(cast.leader, person, "phone", "核实身份")
    with pytest.raises(NotAllowed):
        reveal(cast.grid_worker_b, person, "phone", "核实身份")
    assert not Reveal.objects.exists()
    assert reveal(cast.grid_worker_a, person, "phone", "回访联系") == "13800138000"
    entry = Reveal.objects.get()
    assert (entry.actor, entry.person, entry.field, entry.reason) == (
        cast.grid_worker_a,
        person,
        "phone",
        "回访联系",
    )
    assert list(visible_reveals(cast.leader)) == [entry]
    assert not visible_reveals(cast.grid_worker_a).exists()  # no READ_AUDIT


def test_sensitive_tags_are_for_the_named_roles_with_a_purpose_and_expire(cast):
    person = person_in(cast.tree.grid_a)
    correction = tag_kind(
        "correction",
        "社区矫正",
        is_sensitive=True,
        visible_to_roles=["community_staff"],
        retention_days=30,
    )
    with pytest.raises(NotAllowed):
        give_tag(cast.grid_worker_a, person, correction)
    tag = give_tag(cast.community_staff, person, correction)
    assert tag.expires_at is not None
    with pytest.raises(Invalid):
        open_sensitive_tags(cast.community_staff, person, "")
    with pytest.raises(NotAllowed):
        open_sensitive_tags(cast.grid_worker_a, person, "走访需要")
    assert open_sensitive_tags(cast.community_staff, person, "矫正对象月度走访") == [tag]
    assert Reveal.objects.get().field == "sensitive_tags"
    with clock.frozen_at(tag.expires_at + timedelta(seconds=1)):
        assert expire_sensitive_tags() == 1
    assert not PersonTag.objects.exists()
    assert AuditEntry.objects.filter(action="people.tag.expire").count() == 1


# --- care visits ------------------------------------------------------------------------------


def test_a_weekly_tag_makes_a_visit_due_a_week_after_the_last(cast):
    weekly = tag_kind(visit_every_days=7)
    person = person_in(cast.tree.grid_a, "独居老人")
    give_tag(None, person, weekly, since=date(2026, 11, 1))
    today = date(2026, 11, 9)
    due = visits_due(cast.grid_worker_a, today=today)
    assert [(d.person, d.due) for d in due] == [(person, date(2026, 11, 8))]
    assert due[0].overdue_days(today) == 1
    assert visits_due(cast.grid_worker_b, today=today) == []
    visited = clock.now().replace(year=2026, month=11, day=9)
    record_visit(cast.grid_worker_a, person, outcome="well", visited_at=visited)
    assert visits_due(cast.grid_worker_a, today=today) == []
    assert [d.due for d in visits_due(cast.grid_worker_a, today=date(2026, 11, 16))] == [
        date(2026, 11, 16)
    ]


def test_a_visit_that_finds_a_problem_may_open_a_follow_up_case(cast):
    house = house_in(cast.tree.grid_a)
    person = person_in(cast.tree.grid_a, house=house)
    visit = record_visit(
        cast.grid_worker_a,
        person,
        outcome="needs_help",
        found="老人家中水管漏水",
        follow_up_category="C0104",
    )
    assert visit.follow_up is not None
    assert visit.follow_up.area == cast.tree.grid_a
    with pytest.raises(Invalid) as refused:
        record_visit(cast.grid_worker_a, person, outcome="maybe")
    assert refused.value.field == "outcome"
    with pytest.raises(NotFound):
        reveal(cast.grid_worker_a, person_in(cast.tree.grid_a, "无电话", phone=""), "phone", "联系")


def test_a_visit_in_the_future_is_refused(cast):
    person = person_in(cast.tree.grid_a)
    later = datetime.now(tz=clock.now().tzinfo) + timedelta(days=1)
    with pytest.raises(Invalid) as refused:
        record_visit(cast.grid_worker_a, person, outcome="well", visited_at=later)
    assert refused.value.field == "visited_at"


# --- tag kinds --------------------------------------------------------------------------------


def test_only_a_whole_city_administrator_defines_tags(cast):
    from wangge.people.services import TagKindInput, may_manage_tag_kinds, save_tag_kind

    given = TagKindInput(code="hearing_loss", name="听障人士", visit_every_days=30)
    with pytest.raises(NotAllowed):
        save_tag_kind(cast.community_staff, given)
    assert not may_manage_tag_kinds(cast.leader)
    assert may_manage_tag_kinds(cast.administrator)
    kind = save_tag_kind(cast.administrator, given)
    assert (kind.name, kind.visit_every_days, kind.is_sensitive) == ("听障人士", 30, False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"name": ""}, "name"),
        ({"visit_every_days": 0}, "visit_every_days"),
        ({"is_sensitive": True, "visible_to_roles": []}, "visible_to_roles"),
        ({"is_sensitive": True, "visible_to_roles": ["community_staff"]}, "retention_days"),
        (
            {"is_sensitive": True, "visible_to_roles": ["king"], "retention_days": 9},
            "visible_to_roles",
        ),
    ],
)
def test_a_tag_that_cannot_work_is_refused_naming_the_field(cast, changes, field):
    from wangge.people.services import TagKindInput, save_tag_kind

    given = TagKindInput(**{"code": "watch", "name": "关注对象", **changes})
    with pytest.raises(Invalid) as refused:
        save_tag_kind(cast.administrator, given)
    assert refused.value.field == field


# --- households -------------------------------------------------------------------------------


def test_a_household_gathers_residents_of_the_house_under_a_head(cast):
    from wangge.people.services import save_household

    house = house_in(cast.tree.grid_a)
    head = person_in(cast.tree.grid_a, "户主陈", house=house)
    child = person_in(cast.tree.grid_a, "陈小明", house=house, relation="family")
    household = save_household(None, house, head=head, members=[child], number="0012")
    assert set(Residence.objects.filter(household=household).values_list("person", flat=True)) == {
        head.pk,
        child.pk,
    }
    elsewhere = person_in(cast.tree.grid_a, "邻居", house=house_in(cast.tree.grid_a, "102"))
    with pytest.raises(Invalid) as refused:
        save_household(None, house, head=head, members=[elsewhere])
    assert refused.value.field == "members" and "邻居" in str(refused.value)
    with pytest.raises(NotAllowed):
        save_household(cast.grid_worker_b, house, head=head)
