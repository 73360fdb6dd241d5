"""The claiming API: lists scoped and paged with fixed query counts, writes through the
services with refusals as 4xx naming the field, claims refused with 409 the second time,
progress with uploaded evidence, and the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.loop_helpers import add_person, file_case
from tests.claims.helpers import (
    agreement,
    contact_account,
    member_unit,
    need,
    photo,
    resource,
    today,
    volunteer,
)
from tests.clients import logged_in
from wangge.claims import services
from wangge.claims.models import Agreement, AgreementState, Need
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/claims"


def post(client, url: str, body: dict) -> object:
    return client.post(url, body, content_type="application/json")


def test_staff_raise_a_need_and_a_resident_phone_is_masked(cast):
    client = logged_in(cast.community_staff)
    response = post(
        client,
        f"{API}/needs",
        {
            "community": cast.tree.community.code,
            "kind": "repair",
            "title": "修理路灯",
            "contact_phone": "13812345678",
        },
    )
    assert response.status_code == 201
    assert response.json()["contact_phone"] == "138****5678"


def test_a_refused_need_is_a_422_naming_the_field(cast):
    client = logged_in(cast.community_staff)
    response = post(
        client,
        f"{API}/needs",
        {
            "community": cast.tree.community.code,
            "kind": "repair",
            "title": "x",
            "contact_phone": "12",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "contact_phone"]
    response = post(
        client,
        f"{API}/needs",
        {"community": cast.tree.other_community.code, "kind": "repair", "title": "x"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "community"]
    assert not Need.objects.exists()


def test_a_need_from_a_case(cast):
    case = file_case(cast.grid_worker_a)
    client = logged_in(cast.community_staff)
    response = post(
        client, f"{API}/needs", {"case": case.number, "kind": "repair", "title": "修路灯"}
    )
    assert response.status_code == 201 and response.json()["case"] == case.number
    response = post(client, f"{API}/needs", {"case": "NOPE", "kind": "repair", "title": "x"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "case"]


def test_suggestions_are_ranked_with_reasons(cast):
    school = member_unit(cast)
    resource(school, cast.tree.community, kind="repair", title="维修队")
    resource(school, cast.tree.community, kind="venue", title="礼堂")
    wanted = need(cast.tree.community, kind="repair")
    body = logged_in(cast.community_staff).get(f"{API}/needs/{wanted.pk}/suggestions").json()
    assert [row["resource"]["title"] for row in body] == ["维修队", "礼堂"]
    assert body[0]["score"] > body[1]["score"] and body[0]["reasons"]


def test_a_contact_claims_through_the_api_and_a_second_claim_is_a_409(cast):
    school = member_unit(cast)
    account = contact_account(school)
    wanted = need(cast.tree.community)
    due = (today() + timedelta(days=3)).isoformat()
    client = logged_in(account)
    response = post(
        client,
        f"{API}/needs/{wanted.pk}/claim",
        {"member_unit_id": school.pk, "deliverables": [{"title": "开放礼堂", "due_on": due}]},
    )
    assert response.status_code == 201
    assert response.json()["deliverables"][0]["title"] == "开放礼堂"
    again = post(
        logged_in(cast.community_staff),
        f"{API}/needs/{wanted.pk}/claim",
        {"member_unit_id": school.pk},
    )
    assert again.status_code in (404, 409)
    assert Agreement.objects.count() == 1


def test_a_contact_cannot_claim_for_another_unit(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行", kind="bank")
    account = contact_account(school)
    wanted = need(cast.tree.community)
    response = post(
        logged_in(account), f"{API}/needs/{wanted.pk}/claim", {"member_unit_id": bank.pk}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "member_unit_id"]
    assert not Agreement.objects.exists()


def test_progress_with_uploaded_evidence_then_completion(cast):
    school = member_unit(cast)
    account = contact_account(school)
    made = agreement(cast, school)
    client = logged_in(account)
    uid = client.post(
        "/api/v1/attachments", {"file": SimpleUploadedFile("a.jpg", photo(), "image/jpeg")}
    ).json()["uid"]
    response = post(
        client, f"{API}/agreements/{made.pk}/progress", {"note": "开放了", "evidence": [uid]}
    )
    assert response.status_code == 201
    response = post(client, f"{API}/agreements/{made.pk}/complete", {"outcome": "完成"})
    assert response.status_code == 200 and response.json()["state"] == AgreementState.FULFILLED
    assert response.json()["progress"][0]["evidence"] == [uid]


def test_someone_elses_upload_is_refused_as_evidence(cast):
    made = agreement(cast, member_unit(cast))
    other = logged_in(cast.administrator)
    uid = other.post(
        "/api/v1/attachments", {"file": SimpleUploadedFile("a.jpg", photo(), "image/jpeg")}
    ).json()["uid"]
    response = post(
        logged_in(cast.community_staff),
        f"{API}/agreements/{made.pk}/progress",
        {"note": "x", "evidence": [uid]},
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "body",
        "evidence",
    ]


def test_completion_without_evidence_is_a_422_and_after_fulfilment_a_409(cast):
    made = agreement(cast, member_unit(cast))
    client = logged_in(cast.community_staff)
    response = post(client, f"{API}/agreements/{made.pk}/complete", {"outcome": "完成"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "body",
        "evidence",
    ]
    post(client, f"{API}/agreements/{made.pk}/cancel", {"reason": "取消"})
    assert (
        post(client, f"{API}/agreements/{made.pk}/cancel", {"reason": "再取消"}).status_code == 409
    )


def test_another_communitys_staff_see_nothing_and_get_404(cast):
    made = agreement(cast, member_unit(cast))
    helper = volunteer(cast.tree.community)
    other = logged_in(add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF))
    for url in ("/needs", "/agreements", "/member-units", "/resources", "/projects", "/volunteers"):
        assert other.get(f"{API}{url}").json()["items"] == [], url
    assert other.get(f"{API}/agreements/{made.pk}").status_code == 404
    assert other.get(f"{API}/needs/{made.need_id}").status_code == 404
    assert (
        post(other, f"{API}/volunteers/{helper.pk}/decision", {"confirmed": False}).status_code
        == 404
    )
    figures = other.get(f"{API}/figures").json()
    assert figures == {"by_community": [], "by_member_unit": [], "funds": [], "hours": []}


def test_lists_are_paged(cast):
    for number in range(5):
        need(cast.tree.community, title=f"需求{number}")
    client = logged_in(cast.community_staff)
    first = client.get(f"{API}/needs?limit=2").json()
    assert [n["title"] for n in first["items"]] == ["需求4", "需求3"]
    second = client.get(f"{API}/needs?limit=2&before={first['next_before']}").json()
    assert [n["title"] for n in second["items"]] == ["需求2", "需求1"]


@pytest.mark.parametrize(
    "url",
    [
        "/needs",
        "/agreements",
        "/member-units",
        "/resources",
        "/projects",
        "/volunteers",
        "/figures",
    ],
)
def test_api_lists_cost_a_fixed_number_of_queries(cast, url, django_assert_max_num_queries):
    for number in range(6):
        unit = member_unit(cast, f"单位{number}")
        resource(unit, cast.tree.community)
        agreement(cast, unit, title=f"需求{number}")
        volunteer(cast.tree.community, phone=f"1360000{number:04d}")
    client = logged_in(cast.community_staff)
    client.get(f"{API}{url}")
    with django_assert_max_num_queries(9 if url == "/figures" else 6):
        assert client.get(f"{API}{url}").status_code == 200


def test_figures_count_agreements_funds_and_confirmed_hours(cast):
    school = member_unit(cast)
    bank = member_unit(cast, "农商银行", kind="bank")
    fulfilled = agreement(cast, school, title="甲")
    evidence = services.store_evidence(cast.community_staff, photo(), "a.jpg")
    services.complete_agreement(cast.community_staff, fulfilled, "完成", [evidence])
    late = agreement(cast, bank, title="乙")
    services.add_deliverable(cast.community_staff, late, "逾期交付", today() - timedelta(days=2))
    cancelled = agreement(cast, bank, title="丙")
    services.cancel_agreement(cast.community_staff, cancelled, "取消")
    services.allocate_fund(None, cast.tree.community, today().year, "5000")
    from tests.claims.helpers import project

    services.spend_fund(None, project(cast.tree.community), "1200.50", today())
    helper = volunteer(cast.tree.community)
    services.record_hours(None, helper, today(), "3", "巡逻")
    services.record_own_hours(helper, today(), "5", "未确认")
    body = logged_in(cast.leader).get(f"{API}/figures").json()
    assert body["by_community"] == [
        {
            "community": "石冲社区",
            "code": cast.tree.community.code,
            "reached": 2,
            "fulfilled": 1,
            "overdue": 1,
        }
    ]
    units = {row["member_unit"]: row for row in body["by_member_unit"]}
    assert units["石冲小学"]["reached"] == 1 and units["石冲小学"]["fulfilled"] == 1
    assert units["农商银行"]["reached"] == 1 and units["农商银行"]["overdue"] == 1
    (fund,) = body["funds"]
    assert (
        fund["allocated"] == "5000.00" and fund["spent"] == "1200.50" and fund["left"] == "3799.50"
    )
    assert body["hours"] == [
        {"community": "石冲社区", "code": cast.tree.community.code, "hours": "3.0", "volunteers": 1}
    ]


def test_staff_confirm_a_volunteer_and_record_hours(cast):
    helper = volunteer(cast.tree.community, confirmed=False)
    client = logged_in(cast.community_staff)
    assert (
        post(client, f"{API}/volunteers/{helper.pk}/decision", {"confirmed": True}).json()["state"]
        == "confirmed"
    )
    response = post(
        client,
        f"{API}/volunteers/{helper.pk}/hours",
        {"served_on": today().isoformat(), "hours": "30", "what": "x"},
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "hours"]
    response = post(
        client,
        f"{API}/volunteers/{helper.pk}/hours",
        {"served_on": today().isoformat(), "hours": "2.5", "what": "巡逻"},
    )
    assert response.status_code == 201 and response.json()["state"] == "confirmed"
