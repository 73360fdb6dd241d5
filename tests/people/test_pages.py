"""The registry's pages: the home with its counts and search, a grid's places, a house with its
residents and ledger, a person with reveals, tags and care visits, the visits due and the log of
reveals. Each refusal comes back beside its field with a 4xx and nothing written; nothing of
another grid is shown (404); no whole ID or phone number is on any page but a reveal's answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cases.loop_helpers import GRID_ENTRY_CATEGORY
from tests.clients import logged_in
from tests.people.helpers import (
    assert_error_beside,
    house_in,
    html_of,
    id_number,
    person_in,
    tag_kind,
)
from wangge.cases.models import Case
from wangge.core import clock
from wangge.people.models import (
    Building,
    CareVisit,
    Compound,
    House,
    HouseUse,
    Person,
    PersonTag,
    Residence,
    Reveal,
)
from wangge.people.services import give_tag, reveal

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def home_a(cast):
    """A house in grid A with one resident whose numbers are on record."""
    house = house_in(cast.tree.grid_a, "302")
    person = person_in(cast.tree.grid_a, "陈玉兰", house=house, phone=PHONE)
    return house, person


def person_url(person: Person) -> str:
    return reverse("people:person", args=[person.pk])


def house_url(house: House) -> str:
    return reverse("people:house", args=[house.pk])


# --- the registry home ------------------------------------------------------------------------


def test_the_home_shows_each_grid_with_its_counts(cast, home_a):
    _house, _person = home_a
    rented = house_in(cast.tree.grid_a, "101", use=HouseUse.RENTED, rooms=1)
    for name in ("租客甲", "租客乙", "租客丙"):
        person_in(
            cast.tree.grid_a, name, house=rented, relation="tenant", registered_region="110101"
        )
    page = logged_in(cast.grid_worker_a).get(reverse("people:home"))
    assert page.status_code == 200
    html = html_of(page)
    assert cast.tree.grid_a.name in html and cast.tree.grid_b.name not in html
    summary = page.context["summaries"][0]
    assert (summary.houses, summary.residents, summary.floating) == (2, 4, 3)
    assert (summary.rented, summary.crowded) == (1, 1)


def test_the_home_counts_in_a_fixed_number_of_queries(cast, home_a):
    client = logged_in(cast.administrator)
    client.get(reverse("people:home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("people:home"))
    for n in range(3):
        house = house_in(cast.tree.grid_b, f"{n + 2}01", building=f"{n}栋")
        person_in(cast.tree.grid_b, f"居民{n}", house=house)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("people:home"))
    assert len(more) == len(few) <= 20


def test_the_home_is_refused_to_those_without_the_registry(cast):
    assert logged_in(cast.dispatcher).get(reverse("people:home")).status_code == 403
    assert logged_in(cast.department_handler).get(reverse("people:home")).status_code == 403
    response = Client().get(reverse("people:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("typed", ["number", "phone", "name"])
def test_a_person_is_found_by_id_number_phone_or_name(cast, typed):
    number = id_number(born=date(1962, 8, 9))
    person = person_in(cast.tree.grid_a, "黄志明", document_number=number, phone=PHONE)
    person_in(cast.tree.grid_a, "李小红", phone="13700000000")
    query = {
        "number": f" {number[:6]} {number[6:]} ",
        "phone": "139 1234 5678",
        "name": "志明",
    }[typed]
    page = logged_in(cast.grid_worker_a).post(reverse("people:home"), {"q": query})
    assert page.status_code == 200
    assert [row["person"] for row in page.context["results"]] == [person]
    html = html_of(page)
    assert person_url(person) in html and "李小红" not in html
    assert number not in html and PHONE not in html
    assert page["Cache-Control"] == "no-store"


def test_the_search_finds_no_one_of_another_grid(cast):
    number = id_number()
    person_in(cast.tree.grid_a, "黄志明", document_number=number)
    for query in (number, "黄志明"):
        page = logged_in(cast.grid_worker_b).post(reverse("people:home"), {"q": query})
        assert page.context["results"] == []
        assert "No one in your grids matches." in html_of(page)


# --- a grid's page ----------------------------------------------------------------------------


def test_the_grid_page_lists_compounds_buildings_and_houses_in_order(cast, home_a):
    house_in(cast.tree.grid_a, "101")
    house_in(cast.tree.grid_a, "1201", use=HouseUse.RENTED, rooms=2)
    page = logged_in(cast.grid_worker_a).get(reverse("people:grid", args=[cast.tree.grid_a.code]))
    assert page.status_code == 200
    places = page.context["places"]
    assert places[0].compound.name == "石冲花园"
    numbers = [house.number for house in places[0].buildings[0].houses]
    assert numbers == ["101", "302", "1201"]
    assert [house.residents for house in places[0].buildings[0].houses] == [0, 1, 0]
    html = html_of(page)
    assert "1 resident" in html and "Add a house" in html


def test_the_grid_page_filters_by_use_and_crowded_rentals(cast, home_a):
    crowded = house_in(cast.tree.grid_a, "101", use=HouseUse.RENTED, rooms=1)
    house_in(cast.tree.grid_a, "201", use=HouseUse.RENTED, rooms=4)
    for name in ("租客甲", "租客乙", "租客丙"):
        person_in(cast.tree.grid_a, name, house=crowded, relation="tenant")
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:grid", args=[cast.tree.grid_a.code])

    def numbers(query: dict) -> list[str]:
        page = client.get(url, query)
        assert page.status_code == 200
        return [h.number for c in page.context["places"] for b in c.buildings for h in b.houses]

    assert numbers({"use": "rented"}) == ["101", "201"]
    assert numbers({"crowded": "on"}) == ["101"]
    assert numbers({"use": "shop"}) == []
    assert client.get(url, {"use": "castle"}).status_code == 400


def test_the_grid_page_lists_in_a_fixed_number_of_queries(cast, home_a):
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:grid", args=[cast.tree.grid_a.code])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        house = house_in(cast.tree.grid_a, f"{n + 4}01", building=f"{n + 2}栋")
        person_in(cast.tree.grid_a, f"居民{n}", house=house)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few) <= 20


def test_a_grid_worker_adds_a_compound_a_building_and_a_house(cast):
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:grid", args=[cast.tree.grid_a.code])
    response = client.post(url, {"action": "compound", "compound-name": "江景花园"})
    assert response.status_code == 302
    compound = Compound.objects.get(name="江景花园", grid=cast.tree.grid_a)
    response = client.post(
        url,
        {
            "action": "building",
            "building-compound": compound.pk,
            "building-name": "3栋",
            "building-floors": "18",
        },
    )
    assert response.status_code == 302
    building = Building.objects.get(name="3栋", compound=compound)
    response = client.post(
        url,
        {
            "action": "house",
            "house-building": building.pk,
            "house-number": "1802",
            "house-floor": "18",
            "house-use": "rented",
            "house-rooms": "3",
        },
    )
    house = House.objects.get(building=building, number="1802")
    assert response.status_code == 302 and response["Location"] == house_url(house)
    assert (house.grid, house.use, house.rooms) == (cast.tree.grid_a, "rented", 3)


def test_a_refused_building_shows_the_message_beside_its_field(cast):
    url = reverse("people:grid", args=[cast.tree.grid_a.code])
    response = logged_in(cast.grid_worker_a).post(
        url, {"action": "building", "building-name": "3栋", "building-floors": "500"}
    )
    assert response.status_code == 400
    assert_error_beside(
        html_of(response), "id_building-floors", "Floors must be between 1 and 200."
    )
    assert not Building.objects.exists()


def test_a_leader_sees_a_grid_but_gets_no_forms_and_cannot_post(cast, home_a):
    client = logged_in(cast.leader)
    url = reverse("people:grid", args=[cast.tree.grid_a.code])
    page = client.get(url)
    assert page.status_code == 200 and "Add a house" not in html_of(page)
    response = client.post(url, {"action": "compound", "compound-name": "江景花园"})
    assert response.status_code == 403
    assert not Compound.objects.filter(name="江景花园").exists()


# --- a house's page ---------------------------------------------------------------------------


def test_the_house_page_shows_residents_masked_and_the_ledger(cast, home_a):
    house, person = home_a
    page = logged_in(cast.grid_worker_a).get(house_url(house))
    assert page.status_code == 200
    html = html_of(page)
    assert person.name in html and person_url(person) in html
    assert person.document_number[:6] + "********" + person.document_number[-4:] in html
    assert "139****5678" in html
    assert person.document_number not in html and PHONE not in html
    assert "陈玉兰 moved in" in html and "2020-05-01" in html


def test_a_person_on_record_moves_in_by_id_number(cast, home_a):
    _house, person = home_a
    other = house_in(cast.tree.grid_a, "501")
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:house_move_in", args=[other.pk]),
        {
            "in-document_type": "id_card",
            "in-document_number": person.document_number.lower(),
            "in-relation": "family",
            "in-moved_in": "2024-03-01",
        },
    )
    assert response.status_code == 302
    residence = Residence.objects.get(house=other)
    assert (residence.person, residence.relation) == (person, "family")
    assert Person.objects.count() == 1


def test_a_new_person_is_registered_and_moves_in(cast, home_a):
    house, _person = home_a
    number = id_number(born=date(1990, 1, 2), sex="male")
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:house_move_in", args=[house.pk]),
        {
            "in-document_type": "id_card",
            "in-document_number": number,
            "in-name": "周建国",
            "in-phone": "13566667777",
            "in-relation": "tenant",
            "in-moved_in": "2024-03-01",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="周建国")
    assert (person.grid, person.sex, person.birth_date) == (
        cast.tree.grid_a,
        "male",
        date(1990, 1, 2),
    )
    assert Residence.objects.filter(person=person, house=house, moved_out=None).exists()
    page = logged_in(cast.grid_worker_a).get(house_url(house))
    assert "周建国" in html_of(page) and number not in html_of(page)


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"in-name": ""}, "id_in-name", "give a name to register them"),
        ({"in-document_number": "440703199001021235"}, "id_in-document_number", "check digit"),
        ({"in-moved_in": "2999-01-01"}, "id_in-moved_in", "The moving-in date is in the future."),
        ({"in-relation": "cousin"}, "id_in-relation", ""),
    ],
)
def test_a_refused_move_in_is_told_beside_its_field_and_writes_nothing(
    cast, home_a, typed, field, message
):
    house, _person = home_a
    data = {
        "in-document_type": "id_card",
        "in-document_number": id_number(),
        "in-name": "周建国",
        "in-relation": "tenant",
        "in-moved_in": "2024-03-01",
        **typed,
    }
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:house_move_in", args=[house.pk]), data
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), field, message)
    assert Person.objects.count() == 1 and Residence.objects.count() == 1


def test_someone_registered_in_another_grid_is_told_without_saying_who(cast, home_a):
    house, _person = home_a
    stranger = person_in(cast.tree.grid_b, "外格人")
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:house_move_in", args=[house.pk]),
        {
            "in-document_type": "id_card",
            "in-document_number": stranger.document_number,
            "in-name": "冒名",
            "in-relation": "tenant",
            "in-moved_in": "2024-03-01",
        },
    )
    assert response.status_code == 409
    html = html_of(response)
    assert_error_beside(html, "id_in-document_number", "already registered")
    assert "外格人" not in html and person_url(stranger) not in html


def test_a_resident_moves_out_and_the_ledger_says_so(cast, home_a):
    house, person = home_a
    residence = Residence.objects.get(person=person)
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:residence_move_out", args=[residence.pk])
    prefix = f"out{residence.pk}"
    refused = client.post(url, {f"{prefix}-moved_out": "2019-01-01"})
    assert refused.status_code == 400
    assert_error_beside(html_of(refused), f"id_{prefix}-moved_out", "before the moving-in date")
    response = client.post(
        url, {f"{prefix}-moved_out": "2024-06-30", f"{prefix}-reason": "搬去女儿家"}
    )
    assert response.status_code == 302
    residence.refresh_from_db()
    assert residence.moved_out == date(2024, 6, 30)
    html = html_of(client.get(house_url(house)))
    assert "陈玉兰 moved out" in html and "搬去女儿家" in html and "No one lives here now." in html


def test_a_house_becomes_a_crowded_rental_with_its_landlord(cast, home_a):
    house, person = home_a
    tenant = person_in(cast.tree.grid_a, "租客", house=house, relation="tenant")
    person_in(cast.tree.grid_a, "租客二", house=house, relation="tenant")
    client = logged_in(cast.grid_worker_a)
    response = client.post(
        reverse("people:house_facts", args=[house.pk]),
        {
            "facts-use": "rented",
            "facts-rooms": "1",
            "facts-landlord_document": person.document_number,
        },
    )
    assert response.status_code == 302
    house.refresh_from_db()
    assert (house.use, house.rooms, house.landlord) == ("rented", 1, person)
    html = html_of(client.get(house_url(house)))
    assert "too many residents per room" in html and tenant.name in html
    unknown = client.post(
        reverse("people:house_facts", args=[house.pk]),
        {"facts-use": "rented", "facts-rooms": "1", "facts-landlord_document": id_number()},
    )
    assert unknown.status_code == 400
    assert_error_beside(html_of(unknown), "id_facts-landlord_document", "register them first")


# --- a person's page --------------------------------------------------------------------------


def test_the_person_page_masks_both_numbers(cast, home_a):
    _house, person = home_a
    page = logged_in(cast.grid_worker_a).get(person_url(person))
    assert page.status_code == 200
    html = html_of(page)
    assert "139****5678" in html and person.document_number[-4:] in html
    assert person.document_number not in html and PHONE not in html
    assert page["Cache-Control"] == "no-store"
    assert "Show the whole number" in html


@pytest.mark.parametrize("field", ["phone", "document_number"])
def test_revealing_a_number_shows_it_once_and_logs_why(cast, home_a, field):
    _house, person = home_a
    client = logged_in(cast.grid_worker_a)
    prefix = "reveal_phone" if field == "phone" else "reveal_doc"
    response = client.post(
        reverse("people:person_reveal", args=[person.pk]),
        {"field": field, f"{prefix}-field": field, f"{prefix}-reason": "联系家属送医"},
    )
    assert response.status_code == 200
    whole = PHONE if field == "phone" else person.document_number
    assert whole in html_of(response) and response["Cache-Control"] == "no-store"
    logged = Reveal.objects.get()
    assert (logged.actor, logged.person, logged.field, logged.reason) == (
        cast.grid_worker_a,
        person,
        field,
        "联系家属送医",
    )
    assert whole not in html_of(client.get(person_url(person)))


def test_a_reveal_without_a_reason_is_refused_beside_the_reason(cast, home_a):
    _house, person = home_a
    response = logged_in(cast.grid_worker_a).post(
        reverse("people:person_reveal", args=[person.pk]),
        {"field": "phone", "reveal_phone-field": "phone", "reveal_phone-reason": " "},
    )
    assert response.status_code == 400
    html = html_of(response)
    assert_error_beside(html, "id_reveal_phone-reason", "Say why you need the whole number.")
    assert PHONE not in html and not Reveal.objects.exists()


def test_revealing_needs_a_post_and_the_capability(cast, home_a):
    _house, person = home_a
    url = reverse("people:person_reveal", args=[person.pk])
    assert logged_in(cast.grid_worker_a).get(url, {"field": "phone"}).status_code == 405
    leader = logged_in(cast.leader)
    assert "Show the whole number" not in html_of(leader.get(person_url(person)))
    response = leader.post(
        url, {"field": "phone", "reveal_phone-field": "phone", "reveal_phone-reason": "想看"}
    )
    assert response.status_code == 403 and not Reveal.objects.exists()


def test_sensitive_tags_open_with_a_purpose_for_the_roles_named(cast, home_a):
    _house, person = home_a
    kind = tag_kind(
        "community_correction",
        "社区矫正对象",
        is_sensitive=True,
        visible_to_roles=["community_staff"],
        retention_days=730,
    )
    give_tag(None, person, kind)
    assert "Open the sensitive tags" not in html_of(
        logged_in(cast.grid_worker_a).get(person_url(person))
    )
    client = logged_in(cast.community_staff)
    page = html_of(client.get(person_url(person)))
    assert "Open the sensitive tags" in page and "badge sensitive" not in page
    url = reverse("people:person_sensitive_tags", args=[person.pk])
    refused = client.post(url, {"sensitive-purpose": ""})
    assert refused.status_code == 400
    assert_error_beside(html_of(refused), "id_sensitive-purpose", "Say why")
    opened = client.post(url, {"sensitive-purpose": "季度走访核查"})
    assert opened.status_code == 200
    assert '<span class="badge sensitive">社区矫正对象</span>' in html_of(opened)
    assert Reveal.objects.get().field == Reveal.Field.SENSITIVE_TAGS
    assert logged_in(cast.grid_worker_a).post(url, {"sensitive-purpose": "看看"}).status_code == 403


def test_a_grid_worker_gives_a_tag_and_records_a_visit_with_a_follow_up_case(cast, home_a):
    _house, person = home_a
    kind = tag_kind(visit_every_days=7)
    client = logged_in(cast.grid_worker_a)
    response = client.post(
        reverse("people:person_give_tag", args=[person.pk]),
        {"tag-kind": kind.pk, "tag-since": "2024-01-01", "tag-note": "子女在外地"},
    )
    assert response.status_code == 302
    assert PersonTag.objects.get(person=person).kind == kind
    response = client.post(
        reverse("people:person_visit", args=[person.pk]),
        {
            "visit-outcome": "needs_help",
            "visit-found": "楼道灯坏了，老人晚上出门不便",
            "visit-follow_up_category": GRID_ENTRY_CATEGORY,
        },
    )
    assert response.status_code == 302
    visit = CareVisit.objects.get()
    assert visit.follow_up is not None and visit.follow_up.category.code == GRID_ENTRY_CATEGORY
    html = html_of(client.get(person_url(person)))
    assert "独居长者" in html and visit.follow_up.number in html and "Needs help" in html


def test_a_refused_visit_is_told_beside_its_field(cast, home_a):
    _house, person = home_a
    url = reverse("people:person_visit", args=[person.pk])
    client = logged_in(cast.grid_worker_a)
    no_outcome = client.post(url, {"visit-found": "x"})
    assert no_outcome.status_code == 400
    assert_error_beside(html_of(no_outcome), "id_visit-outcome")
    no_finding = client.post(
        url, {"visit-outcome": "needs_help", "visit-follow_up_category": GRID_ENTRY_CATEGORY}
    )
    assert no_finding.status_code == 400
    assert_error_beside(html_of(no_finding), "id_visit-found", "Say what was found")
    assert not CareVisit.objects.exists() and not Case.objects.exists()


def test_editing_a_person_keeps_the_numbers_not_typed(cast, home_a):
    _house, person = home_a
    client = logged_in(cast.grid_worker_a)
    url = reverse("people:person_edit", args=[person.pk])
    response = client.post(
        url,
        {
            "person-name": "陈玉兰",
            "person-document_type": "id_card",
            "person-workplace": "退休",
            "person-registered_region": "440703",
        },
    )
    assert response.status_code == 302
    stored = Person.objects.get(pk=person.pk)
    assert (stored.workplace, stored.phone) == ("退休", PHONE)
    assert stored.document_number == person.document_number
    refused = client.post(
        url, {"person-name": "陈玉兰", "person-document_type": "id_card", "person-sex": "male"}
    )
    assert refused.status_code == 400
    assert_error_beside(html_of(refused), "id_person-sex", "does not match the ID number")
    assert person.document_number not in html_of(refused)


# --- visits due and "my work" -----------------------------------------------------------------


def test_visits_due_are_listed_and_offered_to_my_work(cast, home_a):
    _house, person = home_a
    kind = tag_kind(visit_every_days=7)
    give_tag(None, person, kind, since=clock.today() - timedelta(days=10))
    client = logged_in(cast.grid_worker_a)
    page = client.get(reverse("people:visits_due"))
    assert page.status_code == 200
    html = html_of(page)
    assert person.name in html and "Overdue by 3 days" in html
    work = html_of(client.get(reverse("cases:my_work")))
    assert "Care visits due" in work and person_url(person) in work
    assert person.name not in html_of(
        logged_in(cast.grid_worker_b).get(reverse("people:visits_due"))
    )
    assert logged_in(cast.leader).get(reverse("people:visits_due")).status_code == 403


# --- the log of reveals -----------------------------------------------------------------------


def test_the_log_of_reveals_is_for_audit_readers_and_filters_by_date(cast, home_a):
    _house, person = home_a
    reveal(cast.grid_worker_a, person, "phone", "联系家属")
    page = logged_in(cast.leader).get(reverse("people:audit"))
    assert page.status_code == 200
    html = html_of(page)
    assert "网格员甲" in html and "陈**" in html and "联系家属" in html and PHONE not in html
    today = clock.today()
    later = logged_in(cast.leader).get(
        reverse("people:audit"), {"since": (today + timedelta(days=1)).isoformat()}
    )
    assert "No reveal in this period." in html_of(later)
    backwards = logged_in(cast.leader).get(
        reverse("people:audit"), {"since": "2024-02-01", "until": "2024-01-01"}
    )
    assert backwards.status_code == 400
    assert_error_beside(html_of(backwards), "id_until")
    for who in (cast.grid_worker_a, cast.community_staff, cast.dispatcher):
        assert logged_in(who).get(reverse("people:audit")).status_code == 403


def test_the_log_of_reveals_lists_in_a_fixed_number_of_queries(cast, home_a):
    _house, person = home_a
    client = logged_in(cast.administrator)
    reveal(cast.grid_worker_a, person, "phone", "联系家属")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("people:audit"))
    other = person_in(cast.tree.grid_b, "李四", phone="13700000000")
    for n in range(4):
        reveal(cast.grid_worker_b, other, "phone", f"联系{n}")
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("people:audit"))
    assert len(page.context["rows"]) == 5
    assert len(more) == len(few)


# --- scope and secrecy ------------------------------------------------------------------------


def test_a_grid_worker_of_grid_b_gets_404_for_everything_of_grid_a(cast, home_a):
    house, person = home_a
    residence = Residence.objects.get(person=person)
    client = logged_in(cast.grid_worker_b)
    gets = [
        person_url(person),
        house_url(house),
        reverse("people:grid", args=[cast.tree.grid_a.code]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = {
        reverse("people:person_reveal", args=[person.pk]): {
            "field": "phone",
            "reveal_phone-field": "phone",
            "reveal_phone-reason": "看看",
        },
        reverse("people:person_sensitive_tags", args=[person.pk]): {"sensitive-purpose": "看看"},
        reverse("people:person_give_tag", args=[person.pk]): {"tag-kind": tag_kind().pk},
        reverse("people:person_visit", args=[person.pk]): {"visit-outcome": "well"},
        reverse("people:person_edit", args=[person.pk]): {"person-name": "改名"},
        reverse("people:house_move_in", args=[house.pk]): {"in-document_number": id_number()},
        reverse("people:house_facts", args=[house.pk]): {"facts-use": "vacant"},
        reverse("people:residence_move_out", args=[residence.pk]): {},
        reverse("people:grid", args=[cast.tree.grid_a.code]): {"action": "compound"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert not Reveal.objects.exists() and not CareVisit.objects.exists()
    assert Person.objects.get(pk=person.pk).name == "陈玉兰"


def test_unknown_ids_are_404(cast):
    client = logged_in(cast.grid_worker_a)
    for url in ("/people/persons/999999/", "/people/houses/999999/", "/people/grids/nope/"):
        assert client.get(url).status_code == 404


def test_no_page_holds_a_whole_number(cast, home_a):
    house, person = home_a
    kind = tag_kind(visit_every_days=7)
    give_tag(None, person, kind, since=date(2024, 1, 1))
    reveal(cast.grid_worker_a, person, "document_number", "核对身份")
    pages = {
        cast.grid_worker_a: [
            reverse("people:home"),
            reverse("people:grid", args=[cast.tree.grid_a.code]),
            house_url(house),
            person_url(person),
            reverse("people:visits_due"),
            reverse("cases:my_work"),
        ],
        cast.community_staff: [person_url(person), house_url(house)],
        cast.leader: [reverse("people:audit"), person_url(person)],
        cast.administrator: [reverse("people:home"), reverse("people:audit")],
    }
    for user, urls in pages.items():
        client = logged_in(user)
        for url in urls:
            page = client.get(url)
            assert page.status_code == 200, url
            html = html_of(page)
            assert person.document_number not in html, url
            assert PHONE not in html, url
    found = logged_in(cast.grid_worker_a).post(reverse("people:home"), {"q": "陈玉兰"})
    assert person.document_number not in html_of(found) and PHONE not in html_of(found)


def test_the_registry_pages_are_offered_on_the_workbench(cast):
    html = html_of(logged_in(cast.grid_worker_a).get(reverse("home")))
    assert reverse("people:home") in html and reverse("people:visits_due") in html
    assert reverse("people:audit") not in html
    leader = html_of(logged_in(cast.leader).get(reverse("home")))
    assert reverse("people:audit") in leader
    assert reverse("people:home") not in html_of(logged_in(cast.dispatcher).get(reverse("home")))
