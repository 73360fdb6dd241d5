"""The registry under /api/v1/people/: every list and record scoped to the caller's grids (a
record out of reach is a 404, as an unknown one is), numbers masked everywhere but in the answer
to a logged reveal, refusals answered 4xx naming the field, never 500."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.clients import logged_in
from tests.people.helpers import house_in, id_number, person_in, tag_kind
from wangge.people.models import CareVisit, HouseUse, Person, Residence, Reveal
from wangge.people.services import give_tag

API = "/api/v1/people"
PHONE = "13912345678"


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", body, "application/json")


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(f"{API}{path}", body, "application/json")


def named(response: Any) -> list[Any]:
    """The field each error names: the last part of its location."""
    return [error["loc"][-1] for error in response.json()["detail"]]


@pytest.fixture
def home(cast) -> dict[str, Any]:
    """A house in grid A where 陈玉兰 lives, with her whole numbers."""
    house = house_in(cast.tree.grid_a)
    number = id_number()
    person = person_in(cast.tree.grid_a, house=house, document_number=number, phone=PHONE)
    residence = Residence.objects.get(person=person)
    return {
        "house": house,
        "person": person,
        "residence": residence,
        "number": number,
        "phone": PHONE,
    }


@pytest.fixture
def gw_a(cast) -> Client:
    return logged_in(cast.grid_worker_a)


@pytest.fixture
def gw_b(cast) -> Client:
    return logged_in(cast.grid_worker_b)


def person_body(where: Any, **change: Any) -> dict[str, Any]:
    return {
        "grid": where.code,
        "name": "李建国",
        "document_number": id_number(sex="male"),
        "phone": "13700001111",
        **change,
    }


# --- masking ----------------------------------------------------------------------------------


def test_numbers_are_masked_in_every_answer_but_the_reveal(cast, home, gw_a):
    # Given a person of grid A with an ID and a phone number, and a care visit due
    person, house = home["person"], home["house"]
    give_tag(None, person, tag_kind(visit_every_days=30), since=date(2020, 1, 1))

    # When grid A's worker reads everything the registry offers about them
    answers = [
        gw_a.get(f"{API}/persons"),
        gw_a.get(f"{API}/persons", {"document_number": home["number"]}),
        gw_a.get(f"{API}/persons", {"phone": home["phone"]}),
        gw_a.get(f"{API}/persons/{person.pk}"),
        patch(gw_a, f"/persons/{person.pk}", {"workplace": "江门市第一中学"}),
        gw_a.get(f"{API}/houses"),
        gw_a.get(f"{API}/houses/{house.pk}"),
        gw_a.get(f"{API}/ledger", {"grid": cast.tree.grid_a.code}),
        gw_a.get(f"{API}/visits-due"),
        post(gw_a, f"/persons/{person.pk}/visits", {"outcome": "well"}),
        post(gw_a, "/persons", person_body(cast.tree.grid_a, document_number=home["number"])),
    ]

    # Then each answer holds the masked numbers only
    for response in answers:
        assert response.status_code < 500, response.content
        text = response.content.decode()
        assert home["number"] not in text, response.request["PATH_INFO"]
        assert home["phone"] not in text, response.request["PATH_INFO"]
    detail = answers[3].json()
    assert detail["document_number"] == home["number"][:6] + "********" + home["number"][-4:]
    assert detail["phone"] == "139****5678"
    assert [item["id"] for item in answers[1].json()["items"]] == [person.pk]
    assert [item["id"] for item in answers[2].json()["items"]] == [person.pk]


def test_registering_answers_the_new_person_masked(cast, gw_a):
    body = person_body(cast.tree.grid_a)

    response = post(gw_a, "/persons", body)

    assert response.status_code == 201, response.content
    assert body["document_number"] not in response.content.decode()
    assert body["phone"] not in response.content.decode()
    person = Person.objects.get(pk=response.json()["id"])
    assert person.document_number == body["document_number"]
    assert response.json()["sex"] == "male"  # from the ID number


# --- reveal -----------------------------------------------------------------------------------


def test_a_reveal_answers_the_whole_number_and_logs_the_reason(cast, home, gw_a):
    person = home["person"]

    response = post(gw_a, f"/persons/{person.pk}/reveal", {"field": "phone", "reason": "上门核实"})

    assert response.status_code == 200, response.content
    assert response.json() == {"value": home["phone"]}
    logged = Reveal.objects.get()
    assert (logged.actor, logged.person, logged.field, logged.reason) == (
        cast.grid_worker_a,
        person,
        "phone",
        "上门核实",
    )


@pytest.mark.parametrize("body", [{"field": "document_number"}, {"field": "phone", "reason": " "}])
def test_a_reveal_without_a_reason_names_it_and_logs_nothing(home, gw_a, body):
    response = post(gw_a, f"/persons/{home['person'].pk}/reveal", body)

    assert response.status_code == 422, response.content
    assert named(response) == ["reason"]
    assert home["number"] not in response.content.decode()
    assert not Reveal.objects.exists()


def test_a_reveal_of_another_field_is_refused_naming_it(home, gw_a):
    response = post(gw_a, f"/persons/{home['person'].pk}/reveal", {"field": "note", "reason": "x"})

    assert response.status_code == 422
    assert "field" in response.json()["detail"][0]["loc"]


def test_a_leader_sees_the_person_but_may_not_reveal(cast, home):
    leader = logged_in(cast.leader)
    person = home["person"]

    assert leader.get(f"{API}/persons/{person.pk}").status_code == 200
    response = post(leader, f"/persons/{person.pk}/reveal", {"field": "phone", "reason": "查看"})

    assert response.status_code == 403
    assert home["phone"] not in response.content.decode()
    assert not Reveal.objects.exists()


def test_a_leader_may_not_change_a_person_they_see(cast, home):
    response = patch(logged_in(cast.leader), f"/persons/{home['person'].pk}", {"note": "改"})

    assert response.status_code == 403
    home["person"].refresh_from_db()
    assert home["person"].note == ""


# --- scope: 404 out of reach ------------------------------------------------------------------


def _operations(cast: Any, home: dict[str, Any]) -> list[tuple[str, str, Any]]:
    person, house, residence = home["person"], home["house"], home["residence"]
    house_b = house_in(cast.tree.grid_b, compound="白石花园")
    person_b = person_in(cast.tree.grid_b, "黄志强")
    return [
        ("get", f"/persons/{person.pk}", None),
        ("patch", f"/persons/{person.pk}", {"note": "改"}),
        ("post", f"/persons/{person.pk}/reveal", {"field": "phone", "reason": "核实"}),
        ("post", f"/persons/{person.pk}/sensitive-tags", {"purpose": "核实"}),
        ("post", f"/persons/{person.pk}/visits", {"outcome": "well"}),
        ("get", f"/houses/{house.pk}", None),
        ("post", f"/houses/{house.pk}/residents", _move(person_b)),
        ("post", f"/houses/{house_b.pk}/residents", _move(person)),  # their house, A's person
        ("post", f"/residences/{residence.pk}/move-out", {"moved_out": "2024-01-01"}),
        ("get", f"/ledger?grid={cast.tree.grid_a.code}", None),
    ]


def _move(person: Person) -> dict[str, Any]:
    return {"person_id": person.pk, "relation": "tenant", "moved_in": "2024-01-01"}


def _call(client: Client, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return client.get(f"{API}{path}")
    return getattr(client, method)(f"{API}{path}", body, "application/json")


def test_grid_b_gets_404_for_every_operation_on_grid_a(cast, home, gw_b):
    # Given grid A's person, house and residence, and grid B's own house and person
    operations = _operations(cast, home)
    before = (Reveal.objects.count(), Residence.objects.count(), CareVisit.objects.count())

    # When grid B's worker tries each operation on grid A's records
    for method, path, body in operations:
        response = _call(gw_b, method, path, body)

        # Then each is a 404 that leaks nothing
        assert response.status_code == 404, (method, path, response.content)
        assert home["person"].name not in response.content.decode()
    assert (Reveal.objects.count(), Residence.objects.count(), CareVisit.objects.count()) == before
    home["residence"].refresh_from_db()
    assert home["residence"].moved_out is None


def test_an_unknown_id_is_the_same_404(gw_a, home):
    for method, path, body in [
        ("get", "/persons/999999", None),
        ("get", "/houses/999999", None),
        ("post", "/residences/999999/move-out", {"moved_out": "2024-01-01"}),
        ("post", f"/houses/{home['house'].pk}/residents", _move(Person(pk=999999))),
    ]:
        assert _call(gw_a, method, path, body).status_code == 404, path


def test_grid_b_lists_none_of_grid_a(cast, home, gw_b):
    assert gw_b.get(f"{API}/persons").json()["items"] == []
    assert gw_b.get(f"{API}/persons", {"document_number": home["number"]}).json()["items"] == []
    assert gw_b.get(f"{API}/houses").json()["items"] == []
    assert gw_b.get(f"{API}/ledger").json() == []


def test_a_dispatcher_sees_no_one(cast, home):
    dispatcher = logged_in(cast.dispatcher)

    assert dispatcher.get(f"{API}/persons").json() == {"items": [], "next_cursor": None}
    assert dispatcher.get(f"{API}/houses").json() == {"items": [], "next_cursor": None}
    assert dispatcher.get(f"{API}/visits-due").json() == []
    assert dispatcher.get(f"{API}/reveals").json()["items"] == []
    assert dispatcher.get(f"{API}/persons/{home['person'].pk}").status_code == 404
    assert dispatcher.get(f"{API}/houses/{home['house'].pk}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/persons"),
        ("get", "/persons/1"),
        ("post", "/persons"),
        ("post", "/persons/1/reveal"),
        ("get", "/houses"),
        ("get", "/ledger"),
        ("get", "/reveals"),
        ("get", "/visits-due"),
    ],
)
def test_an_anonymous_caller_is_refused(client, db, method, path):
    assert _call(client, method, path, {}).status_code == 401


# --- registering and changing -----------------------------------------------------------------


def test_registering_the_same_document_twice_is_a_conflict_naming_the_record(cast, home, gw_a):
    body = person_body(cast.tree.grid_a, document_number=home["number"], name="陈玉兰")

    response = post(gw_a, "/persons", body)

    assert response.status_code == 409
    assert response.json()["code"] == "already_registered"
    assert response.json()["person_id"] == home["person"].pk
    assert Person.objects.count() == 1


def test_a_conflict_with_someone_out_of_reach_does_not_name_them(cast, home, gw_b):
    body = person_body(cast.tree.grid_b, document_number=home["number"])

    response = post(gw_b, "/persons", body)

    assert response.status_code == 409
    assert response.json()["person_id"] is None
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"document_number": "44070319900101001A"}, "document_number"),
        ({"document_number": id_number()[:-1] + "Z"}, "document_number"),
        ({"phone": "12"}, "phone"),
        ({"name": "  "}, "name"),
        ({"grid": "NO-SUCH-GRID"}, "grid"),
        ({"registered_region": "44"}, "registered_region"),
        ({"sex": "female"}, "sex"),  # the ID number says male
        ({"sex": "other"}, "sex"),
        ({"document_type": "library_card"}, "document_type"),
        ({"birth_date": "1990-02-30"}, "birth_date"),
        ({"overseas": "perhaps"}, "overseas"),
        ({"name": 12}, "name"),
        ({"note": "x\x00y"}, "note"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_refused_registration_names_the_field_and_stores_nothing(cast, gw_a, change, field):
    response = post(gw_a, "/persons", person_body(cast.tree.grid_a, **change))

    assert response.status_code == 422, response.content
    assert field in response.json()["detail"][0]["loc"]
    assert not Person.objects.exists()


def test_registering_in_a_grid_out_of_reach_is_forbidden(cast, gw_b):
    response = post(gw_b, "/persons", person_body(cast.tree.grid_a))

    assert response.status_code == 403
    assert not Person.objects.exists()


def test_a_change_writes_only_the_fields_sent(home, gw_a):
    person = home["person"]

    response = patch(gw_a, f"/persons/{person.pk}", {"workplace": "江门五邑大学"})

    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.workplace == "江门五邑大学"
    assert (person.name, person.document_number, person.phone) == (
        "陈玉兰",
        home["number"],
        home["phone"],
    )


def test_a_change_must_agree_with_the_stored_id_number(home, gw_a):
    response = patch(gw_a, f"/persons/{home['person'].pk}", {"sex": "male"})

    assert response.status_code == 422
    assert named(response) == ["sex"]


def test_taking_another_persons_document_is_a_conflict(cast, home, gw_a):
    other = person_in(cast.tree.grid_a, "李建国")

    response = patch(gw_a, f"/persons/{other.pk}", {"document_number": home["number"]})

    assert response.status_code == 409
    assert response.json()["person_id"] == home["person"].pk


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/persons", {"registration": "martian"}, "registration"),
        ("/persons", {"limit": 0}, "limit"),
        ("/persons", {"limit": "many"}, "limit"),
        ("/persons", {"cursor": "!!not-a-cursor"}, "cursor"),
        ("/persons", {"cursor": "WzEsIDJd"}, "cursor"),  # [1, 2]: a number where a name goes
        ("/persons", {"name": "a\x00b"}, "name"),
        ("/houses", {"use": "castle"}, "use"),
        ("/houses", {"crowded": "perhaps"}, "crowded"),
        ("/ledger", {"since": "2024-02-30"}, "since"),
        ("/reveals", {"cursor": "bm9wZQ"}, "cursor"),
        ("/visits-due", {"within_days": -1}, "within_days"),
    ],
)
def test_a_bad_query_names_the_parameter(gw_a, home, path, params, field):
    response = gw_a.get(f"{API}{path}", params)

    assert response.status_code == 422, response.content
    assert field in response.json()["detail"][0]["loc"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/houses/{house}/residents", {"person_id": "x", "relation": "tenant"}, "person_id"),
        (
            "/houses/{house}/residents",
            {"person_id": "{person}", "relation": "lodger", "moved_in": "2024-01-01"},
            "relation",
        ),
        (
            "/houses/{house}/residents",
            {"person_id": "{person}", "relation": "tenant", "moved_in": "2024-13-01"},
            "moved_in",
        ),
        (
            "/houses/{house}/residents",
            {"person_id": "{person}", "relation": "tenant", "moved_in": "2999-01-01"},
            "moved_in",
        ),
        (
            "/houses/{house}/residents",
            {"person_id": "{person}", "relation": "owner", "moved_in": "2021-01-01"},
            "person",  # already lives there
        ),
        ("/residences/{residence}/move-out", {"moved_out": "yesterday"}, "moved_out"),
        ("/residences/{residence}/move-out", {"moved_out": "2000-01-01"}, "moved_out"),
        ("/persons/{person}/visits", {"outcome": "fine"}, "outcome"),
        (
            "/persons/{person}/visits",
            {"outcome": "well", "visited_at": "2024-01-01T10:00:00"},  # no time zone
            "visited_at",
        ),
        (
            "/persons/{person}/visits",
            {"outcome": "needs_help", "found": "漏水", "follow_up_category": "X9999"},
            "follow_up_category",
        ),
        ("/persons/{person}/sensitive-tags", {"purpose": ""}, "purpose"),
        ("/persons/{person}/sensitive-tags", {"purpose": ["a"]}, "purpose"),
    ],
)
def test_a_bad_write_names_the_field(cast, home, gw_a, path, body, field):
    ids = {
        "house": home["house"].pk,
        "person": home["person"].pk,
        "residence": home["residence"].pk,
    }
    body = {k: int(ids["person"]) if v == "{person}" else v for k, v in body.items()}
    before = (Residence.objects.count(), CareVisit.objects.count(), Reveal.objects.count())

    response = post(gw_a, path.format(**ids), body)

    assert response.status_code == 422, response.content
    assert field in response.json()["detail"][0]["loc"]
    assert (Residence.objects.count(), CareVisit.objects.count(), Reveal.objects.count()) == before


# --- lists ------------------------------------------------------------------------------------


def test_the_person_list_filters_and_pages(cast, home, gw_a):
    # Given three more people in grid A, one of them tagged, and one in grid B
    kind = tag_kind()
    secret = tag_kind(
        "corrections", "社区矫正", is_sensitive=True, visible_to_roles=["grid_worker"]
    )
    for name in ["王芳", "张伟", "刘洋"]:
        person_in(cast.tree.grid_a, name, phone="13600000000")
    tagged = Person.objects.get(name="张伟")
    give_tag(None, tagged, kind)
    give_tag(None, tagged, secret)
    person_in(cast.tree.grid_b, "赵敏")

    def names(**params: Any) -> list[str]:
        return [item["name"] for item in gw_a.get(f"{API}/persons", params).json()["items"]]

    # Then the filters narrow the list to grid A's matching people
    assert sorted(names()) == sorted(["陈玉兰", "王芳", "张伟", "刘洋"])
    assert names(name="王") == ["王芳"]
    assert names(tag="elderly_alone") == ["张伟"]
    assert names(tag="corrections") == []  # a sensitive tag tells nobody who holds it
    assert names(phone="136 0000 0000") == sorted(["王芳", "张伟", "刘洋"], key=names().index)
    assert names(grid=cast.tree.grid_b.code) == []

    # And the pages, two at a time, give each person once
    seen, cursor = [], ""
    while True:
        page = gw_a.get(f"{API}/persons", {"limit": 2, "cursor": cursor}).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names()


def test_the_lists_cost_the_same_whatever_their_length(cast, gw_a):
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert gw_a.get(f"{API}{path}").status_code == 200
        return len(captured)

    house_in(cast.tree.grid_a, "101")
    person_in(cast.tree.grid_a)
    small = {path: queries(path) for path in ["/persons", "/houses", "/ledger"]}
    for number in ["201", "301", "401"]:
        person_in(cast.tree.grid_a, house=house_in(cast.tree.grid_a, number))

    assert {path: queries(path) for path in small} == small


def test_the_house_list_filters_crowded_rentals(cast, gw_a):
    crowded = house_in(cast.tree.grid_a, "201", use=HouseUse.RENTED, rooms=1)
    roomy = house_in(cast.tree.grid_a, "301", use=HouseUse.RENTED, rooms=4)
    for name in ["甲", "乙", "丙"]:
        person_in(cast.tree.grid_a, name, house=crowded, relation="tenant")
    person_in(cast.tree.grid_a, "丁", house=roomy, relation="tenant")

    def ids(**params: Any) -> list[int]:
        return [item["id"] for item in gw_a.get(f"{API}/houses", params).json()["items"]]

    assert ids(crowded="true") == [crowded.pk]
    assert ids(crowded="false") == [roomy.pk]
    assert sorted(ids(use="rented")) == sorted([crowded.pk, roomy.pk])
    detail = gw_a.get(f"{API}/houses/{crowded.pk}").json()
    assert detail["crowded"] is True
    assert detail["residents"] == 3


# --- houses, residences, the ledger -----------------------------------------------------------


def test_a_house_is_recorded_with_its_compound_and_building(cast, gw_a):
    body = {
        "grid": cast.tree.grid_a.code,
        "compound": "江华花园",
        "compound_address": "江华路 1 号",
        "building": "3栋",
        "number": "502",
        "floor": 5,
        "area_m2": "92.5",
        "use": "rented",
        "rooms": 3,
    }

    created = post(gw_a, "/houses", body)
    kept = ("compound_address", "use", "area_m2")
    again = post(gw_a, "/houses", {k: v for k, v in body.items() if k not in kept})

    assert created.status_code == 201, created.content
    assert again.status_code == 200, again.content
    assert again.json()["id"] == created.json()["id"]
    assert again.json()["compound"] == "江华花园"
    assert again.json()["area_m2"] == 92.5
    assert again.json()["use"] == "rented"  # what a second call leaves out is kept
    house = cast.tree.grid_a.houses.get()
    assert house.building.compound.address == "江华路 1 号"  # not wiped by the second call


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"grid": "NO-SUCH-GRID"}, "grid", 422),
        ({"number": " "}, "number", 422),
        ({"use": "castle"}, "use", 422),
        ({"area_m2": "big"}, "area_m2", 422),
        ({"area_m2": "-3"}, "area_m2", 422),
        ({"floors": 900}, "floors", 422),
        ({"building": ""}, "name", 422),
    ],
)
def test_a_refused_house_names_the_field_and_leaves_nothing(cast, gw_a, change, field, status):
    body = {"grid": cast.tree.grid_a.code, "compound": "江华花园", "building": "3栋"}
    response = post(gw_a, "/houses", {**body, "number": "502", **change})

    assert response.status_code == status, response.content
    assert field in response.json()["detail"][0]["loc"]
    assert not cast.tree.grid_a.compounds.exists()


def test_a_house_in_a_grid_out_of_reach_is_forbidden(cast, gw_b):
    body = {"grid": cast.tree.grid_a.code, "building": "3栋", "number": "502"}

    assert post(gw_b, "/houses", body).status_code == 403


def test_moving_in_and_out_shows_in_the_house_and_the_ledger(cast, home, gw_a):
    # Given a newcomer registered in grid A
    house = home["house"]
    newcomer = post(gw_a, "/persons", person_body(cast.tree.grid_a)).json()

    # When they move in, and 陈玉兰 moves out
    moved_in = post(gw_a, f"/houses/{house.pk}/residents", _move(Person(pk=newcomer["id"])))
    moved_out = post(
        gw_a,
        f"/residences/{home['residence'].pk}/move-out",
        {"moved_out": "2024-06-01", "reason": "搬去女儿家"},
    )

    # Then the house shows the newcomer alone, and the ledger both moves
    assert moved_in.status_code == 201, moved_in.content
    assert moved_out.status_code == 200, moved_out.content
    assert moved_out.json()["moved_out"] == "2024-06-01"
    detail = gw_a.get(f"{API}/houses/{house.pk}").json()
    assert [r["person_id"] for r in detail["current_residents"]] == [newcomer["id"]]
    ledger = gw_a.get(f"{API}/ledger", {"grid": cast.tree.grid_a.code}).json()
    assert [(line["moved"], line["person"]["id"]) for line in ledger] == [
        ("out", home["person"].pk),  # 2024-06-01
        ("in", newcomer["id"]),  # 2024-01-01
        ("in", home["person"].pk),  # 2020-05-01
    ]
    assert ledger[0]["reason"] == "搬去女儿家"
    since = gw_a.get(f"{API}/ledger", {"since": "2024-01-01"}).json()
    assert [line["moved"] for line in since] == ["out", "in"]
    person = gw_a.get(f"{API}/persons/{home['person'].pk}").json()
    assert person["residences"] == []


def test_moving_out_twice_is_refused(home, gw_a):
    path = f"/residences/{home['residence'].pk}/move-out"
    assert post(gw_a, path, {"moved_out": "2024-06-01"}).status_code == 200

    response = post(gw_a, path, {"moved_out": "2024-06-02"})

    assert response.status_code == 422
    assert named(response) == ["moved_out"]


def test_the_ledger_of_a_grid_out_of_reach_is_not_found(cast, gw_a):
    assert gw_a.get(f"{API}/ledger", {"grid": cast.tree.grid_b.code}).status_code == 404
    assert gw_a.get(f"{API}/ledger", {"grid": "NO-SUCH-GRID"}).status_code == 404


# --- tags, visits, reveals --------------------------------------------------------------------


def test_sensitive_tags_are_opened_only_with_a_purpose(cast, home):
    # Given a person with an ordinary tag and a sensitive one community staff may see
    person = home["person"]
    give_tag(None, person, tag_kind())
    give_tag(None, person, tag_kind("community_correction", "社区矫正对象"))
    staff = logged_in(cast.community_staff)

    # When staff read the person, then open the sensitive tags with a purpose
    detail = staff.get(f"{API}/persons/{person.pk}")
    opened = post(staff, f"/persons/{person.pk}/sensitive-tags", {"purpose": "帮教走访"})

    # Then the record names the ordinary tag only; the opening names the other, and is logged
    assert [tag["code"] for tag in detail.json()["tags"]] == ["elderly_alone"]
    assert "社区矫正" not in detail.content.decode()
    assert opened.status_code == 200, opened.content
    assert [tag["code"] for tag in opened.json()] == ["community_correction"]
    assert opened.json()[0]["expires_at"] is not None
    logged = Reveal.objects.get()
    assert (logged.field, logged.reason) == ("sensitive_tags", "帮教走访")


def test_a_role_not_named_for_sensitive_tags_is_forbidden(home, gw_a):
    give_tag(None, home["person"], tag_kind("community_correction", "社区矫正对象"))

    response = post(gw_a, f"/persons/{home['person'].pk}/sensitive-tags", {"purpose": "查看"})

    assert response.status_code == 403
    assert "community_correction" not in response.content.decode()
    assert not Reveal.objects.exists()


def test_a_care_visit_is_recorded_and_leaves_the_due_list(cast, home, gw_a):
    person = home["person"]
    give_tag(None, person, tag_kind(visit_every_days=30), since=date(2020, 1, 1))
    due = gw_a.get(f"{API}/visits-due").json()
    assert [(item["person"]["id"], item["tag"]["code"]) for item in due] == [
        (person.pk, "elderly_alone")
    ]

    response = post(gw_a, f"/persons/{person.pk}/visits", {"outcome": "well", "found": "安好"})

    assert response.status_code == 201, response.content
    assert response.json()["follow_up"] is None
    assert CareVisit.objects.get().visited_by == cast.grid_worker_a
    assert gw_a.get(f"{API}/visits-due").json() == []


def test_a_sensitive_tag_is_not_named_in_the_due_list(cast, home, gw_a):
    kind = tag_kind(
        "corrections",
        "社区矫正",
        is_sensitive=True,
        visible_to_roles=["grid_worker"],
        visit_every_days=7,
    )
    give_tag(None, home["person"], kind, since=date(2020, 1, 1))

    due = gw_a.get(f"{API}/visits-due").json()

    assert [item["tag"] for item in due] == [None]
    assert "社区矫正" not in gw_a.get(f"{API}/visits-due").content.decode()


def test_audit_readers_see_the_reveals_of_their_grids(cast, home, gw_a):
    post(gw_a, f"/persons/{home['person'].pk}/reveal", {"field": "phone", "reason": "上门核实"})

    admin = logged_in(cast.administrator).get(f"{API}/reveals").json()
    worker = gw_a.get(f"{API}/reveals").json()

    assert [(item["reason"], item["person"]["id"]) for item in admin["items"]] == [
        ("上门核实", home["person"].pk)
    ]
    assert home["phone"] not in str(admin)
    assert worker["items"] == []  # a grid worker reads no audit


# --- never a crash ----------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_a_400(gw_a):
    response = gw_a.post(f"{API}/persons", "not json", "application/json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/persons", ""),
        ("post", "/persons", []),
        ("patch", "/persons/{person}", {"name": None, "sex": "robot"}),
        ("post", "/houses/{house}/residents", {"person_id": 2**70, "relation": "tenant"}),
        ("post", "/houses", {"grid": "x", "building": "b", "number": "1", "owner_id": -5}),
        ("post", "/houses", {"grid": "{grid}", "building": "b", "number": "1", "floor": 10**30}),
        ("post", "/houses", {"grid": "{grid}", "building": "b", "number": "1", "rooms": 10**30}),
        ("post", "/persons/{person}/reveal", {"field": "phone", "reason": 5}),
        ("post", "/persons/{person}/visits", {"outcome": "well", "visited_at": "soon"}),
    ],
)
def test_malformed_input_is_refused_with_422(home, gw_a, method, path, body):
    ids = {"house": home["house"].pk, "person": home["person"].pk}
    data = body if isinstance(body, str) else json.dumps(body)
    data = data.replace("{grid}", home["house"].grid.code)

    response = getattr(gw_a, method)(f"{API}{path.format(**ids)}", data, "application/json")

    assert response.status_code == 422, response.content


@pytest.mark.parametrize("record_id", ["abc", "0", "-1", str(2**70)])
def test_a_malformed_id_in_the_path_is_a_422(gw_a, record_id):
    for path in [f"/persons/{record_id}", f"/houses/{record_id}"]:
        assert gw_a.get(f"{API}{path}").status_code == 422, path


def test_a_change_of_nothing_or_of_overseas_alone_keeps_the_record(home, gw_a):
    person = home["person"]
    before = Person.objects.filter(pk=person.pk).values().get()

    assert patch(gw_a, f"/persons/{person.pk}", {}).status_code == 200
    overseas = patch(gw_a, f"/persons/{person.pk}", {"overseas": True})

    assert overseas.json()["registration"] == "overseas"
    after = Person.objects.filter(pk=person.pk).values().get()
    changed = {key for key in before if before[key] != after[key]}
    assert changed <= {"registration", "updated_at", "document_number", "phone"}  # re-encrypted
    person.refresh_from_db()
    assert (person.document_number, person.phone) == (home["number"], home["phone"])


def test_a_visit_may_report_a_follow_up_case(home, gw_a):
    response = post(
        gw_a,
        f"/persons/{home['person'].pk}/visits",
        {
            "outcome": "needs_help",
            "found": "楼道灯坏了，老人夜里摔倒过",
            "follow_up_category": "C0104",
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["follow_up"]
