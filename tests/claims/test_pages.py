"""The claiming pages: every list and page renders for staff, a leader and a contact; another
community's staff get 404 and see nothing; forms put refusals beside their fields with a 400;
a contact claims and records progress with a photo; the lists cost a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cases.loop_helpers import add_person, file_case
from tests.claims.helpers import (
    CONTACT_PHONE,
    agreement,
    contact_account,
    member_unit,
    need,
    photo,
    project,
    resource,
    today,
    volunteer,
)
from tests.clients import logged_in
from tests.people.helpers import assert_error_beside, html_of
from wangge.claims import services
from wangge.claims.models import Agreement, AgreementState, MemberUnit, Need, NeedState
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    school = member_unit(cast)
    account = contact_account(school)
    resource(school, cast.tree.community, quantity=200, unit="人")
    made = agreement(cast, school, title="长者活动场地需求")
    open_need = need(cast.tree.community, title="独居长者上门维修", kind="repair")
    planned = project(cast.tree.community, title="小区照明改造", budget="8000")
    helper = volunteer(cast.tree.community)
    services.record_own_hours(helper, today(), 2, "清扫楼道")
    services.raise_wish(None, cast.tree.community, services.WishInput(title="一盏台灯"))
    services.save_post(None, cast.tree.community, services.PostInput(title="文明劝导岗", places=3))
    services.allocate_fund(None, cast.tree.community, today().year, "10000")
    return {
        "school": school,
        "account": account,
        "agreement": made,
        "need": open_need,
        "project": planned,
        "volunteer": helper,
    }


def pages(world):
    return [
        reverse("claims:home"),
        reverse("claims:member_units"),
        reverse("claims:member_unit", args=[world["school"].pk]),
        reverse("claims:resources"),
        reverse("claims:needs"),
        reverse("claims:need", args=[world["need"].pk]),
        reverse("claims:need_edit", args=[world["need"].pk]),
        reverse("claims:projects"),
        reverse("claims:project", args=[world["project"].pk]),
        reverse("claims:agreements"),
        reverse("claims:agreement", args=[world["agreement"].pk]),
        reverse("claims:volunteers"),
        reverse("claims:volunteer", args=[world["volunteer"].pk]),
        reverse("claims:wishes"),
        reverse("claims:posts"),
        reverse("claims:funds"),
        reverse("claims:need_create"),
        reverse("claims:project_create"),
        reverse("claims:member_unit_create"),
        reverse("claims:wish_create"),
        reverse("claims:post_create"),
        reverse("claims:contact_create", args=[world["school"].pk]),
        reverse("claims:resource_create", args=[world["school"].pk]),
    ]


def test_every_page_renders_for_the_communitys_staff(cast, world):
    client = logged_in(cast.community_staff)
    for url in pages(world):
        response = client.get(url)
        assert response.status_code == 200, url


def test_every_page_renders_in_chinese(cast, world):
    from django.test import Client

    client = Client()
    client.force_login(cast.community_staff)
    html = html_of(client.get(reverse("claims:need", args=[world["need"].pk])))
    assert 'lang="zh-hans"' in html


def test_a_leader_sees_the_figures_but_no_forms(cast, world):
    client = logged_in(cast.leader)
    html = html_of(client.get(reverse("claims:home")))
    assert "石冲社区" in html and "石冲小学" in html
    assert client.get(reverse("claims:need_create")).status_code == 403
    html = html_of(client.get(reverse("claims:need", args=[world["need"].pk])))
    assert 'id="claim-form"' not in html


def test_another_communitys_staff_get_404_and_see_nothing(cast, world):
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    client = logged_in(other)
    for url in pages(world):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        html = html_of(response)
        for secret in (
            "石冲小学",
            "长者活动场地需求",
            "独居长者上门维修",
            "小区照明改造",
            "李志愿",
        ):
            assert secret not in html, (url, secret)
    for name, key in (
        ("claims:need", "need"),
        ("claims:agreement", "agreement"),
        ("claims:project", "project"),
        ("claims:member_unit", "school"),
        ("claims:volunteer", "volunteer"),
    ):
        assert client.get(reverse(name, args=[world[key].pk])).status_code == 404


def test_a_contact_is_sent_to_their_unit_page(cast, world):
    client = logged_in(world["account"])
    response = client.get(reverse("claims:home"))
    assert response.status_code == 302 and response["Location"] == reverse("claims:unit_home")
    html = html_of(client.get(reverse("claims:unit_home")))
    assert "独居长者上门维修" in html and "长者活动场地需求" in html


def test_a_contact_sees_nothing_of_staff_lists(cast, world):
    client = logged_in(world["account"])
    assert "李志愿" not in html_of(client.get(reverse("claims:volunteers")))
    assert client.get(reverse("claims:volunteer", args=[world["volunteer"].pk])).status_code == 404
    assert client.get(reverse("claims:need_create")).status_code == 403


def test_an_account_without_claims_is_refused(cast, world):
    assert logged_in(cast.outsider).get(reverse("claims:needs")).status_code == 403
    assert logged_in(cast.department_handler).get(reverse("claims:home")).status_code == 403


def test_the_need_page_explains_the_scores(cast, world):
    html = html_of(
        logged_in(cast.community_staff).get(reverse("claims:need", args=[world["need"].pk]))
    )
    assert 'id="suggestions"' in html
    assert "In the same community (+20)" in html


def test_a_contact_claims_a_need_for_their_unit(cast, world):
    client = logged_in(world["account"])
    due = (today() + timedelta(days=5)).isoformat()
    response = client.post(
        reverse("claims:need_claim", args=[world["need"].pk]),
        {"member_unit": world["school"].pk, "title": "", "deliverable_1": "上门检修", "due_1": due},
    )
    made = Agreement.objects.get(need=world["need"])
    assert response.status_code == 302 and response["Location"] == reverse(
        "claims:agreement", args=[made.pk]
    )
    assert made.deliverables.get().title == "上门检修"


def test_a_contact_cannot_claim_for_another_unit_through_the_form(cast, world):
    bank = member_unit(cast, "农商银行", kind="bank")
    client = logged_in(world["account"])
    response = client.post(
        reverse("claims:need_claim", args=[world["need"].pk]), {"member_unit": bank.pk}
    )
    assert response.status_code == 400
    assert not Agreement.objects.filter(need=world["need"]).exists()


def test_claiming_a_claimed_need_says_so(cast, world):
    client = logged_in(cast.community_staff)
    need_pk = world["agreement"].need_id
    Need.objects.filter(pk=need_pk).update(state=NeedState.OPEN)  # the page was read while open
    response = client.post(
        reverse("claims:need_claim", args=[need_pk]), {"member_unit": world["school"].pk}
    )
    assert response.status_code == 409
    assert "claimed already" in html_of(response)


def test_a_deliverable_without_a_due_date_is_refused_beside_the_field(cast, world):
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:need_claim", args=[world["need"].pk]),
        {"member_unit": world["school"].pk, "deliverable_1": "上门检修"},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_due_1", "due date")


def test_a_contact_records_progress_with_a_photo_and_completes(cast, world):
    client = logged_in(world["account"])
    made = world["agreement"]
    url = reverse("claims:agreement_progress", args=[made.pk])
    response = client.post(
        url,
        {
            "progress-note": "礼堂已开放",
            "progress-evidence": SimpleUploadedFile("a.jpg", photo(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.state == AgreementState.IN_PROGRESS
    html = html_of(client.get(reverse("claims:agreement", args=[made.pk])))
    evidence = made.progress.get().evidence.get()
    assert reverse("claims:evidence", args=[evidence.pk]) in html
    file = client.get(reverse("claims:evidence", args=[evidence.pk]))
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"
    response = client.post(
        reverse("claims:agreement_complete", args=[made.pk]), {"complete-outcome": "活动已开展"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.state == AgreementState.FULFILLED


def test_evidence_is_not_served_to_another_community(cast, world):
    made = world["agreement"]
    evidence = services.store_evidence(cast.community_staff, photo(), "a.jpg")
    services.record_progress(cast.community_staff, made, "进展", [evidence])
    stored = made.progress.get().evidence.get()
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    assert logged_in(other).get(reverse("claims:evidence", args=[stored.pk])).status_code == 404


def test_completing_without_evidence_is_refused_beside_the_field(cast, world):
    client = logged_in(cast.community_staff)
    made = world["agreement"]
    response = client.post(
        reverse("claims:agreement_complete", args=[made.pk]), {"complete-outcome": "完成"}
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_complete-evidence", "evidence")
    made.refresh_from_db()
    assert made.state == AgreementState.AGREED


def test_a_non_image_upload_is_refused_beside_the_field_and_nothing_written(cast, world):
    client = logged_in(cast.community_staff)
    made = world["agreement"]
    response = client.post(
        reverse("claims:agreement_progress", args=[made.pk]),
        {
            "progress-note": "x",
            "progress-evidence": SimpleUploadedFile("a.exe", b"MZ\x90", "application/octet-stream"),
        },
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_progress-evidence")
    assert not made.progress.exists()


def test_the_member_unit_form_names_a_wrong_credit_code(cast, world):
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:member_unit_create"),
        {
            "name": "某银行",
            "kind": "bank",
            "communities": [cast.tree.community.pk],
            "credit_code": "91440703MA4UJ8XX3A",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_credit_code", "check character")
    assert not MemberUnit.objects.filter(name="某银行").exists()


def test_staff_raise_a_need_from_a_case_they_can_see(cast, world):
    case = file_case(cast.grid_worker_a, description="楼道灯坏了")
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:need_create"),
        {"kind": "repair", "title": "更换楼道灯", "urgency": "normal", "case_number": case.number},
    )
    assert response.status_code == 302
    assert Need.objects.get(title="更换楼道灯").case == case


def test_a_case_number_out_of_sight_is_refused_beside_the_field(cast, world):
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:need_create"),
        {"kind": "repair", "title": "x", "urgency": "normal", "case_number": "NO-SUCH"},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_case_number", "No case")


def test_overspending_is_refused_on_the_project_page(cast, world):
    client = logged_in(cast.community_staff)
    response = client.post(
        reverse("claims:project_spend", args=[world["project"].pk]),
        {"spend-amount": "10000.01", "spend-spent_on": today().isoformat()},
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_spend-amount", "beyond")


def test_staff_confirm_a_volunteer_and_see_the_personal_link(cast, world):
    pending = volunteer(cast.tree.community, phone="13600001111", confirmed=False)
    client = logged_in(cast.community_staff)
    client.post(reverse("claims:volunteer_decide", args=[pending.pk]), {"decision": "confirm"})
    html = html_of(client.get(reverse("claims:volunteer", args=[pending.pk])))
    assert 'id="volunteer-link"' in html and "/public/claims/me/" in html
    assert "136****1111" in html and "13600001111" not in html


def test_staff_confirm_hours_a_volunteer_recorded(cast, world):
    client = logged_in(cast.community_staff)
    row = world["volunteer"].hours.get()
    client.post(reverse("claims:hours_decide", args=[row.pk]), {"decision": "confirm"})
    row.refresh_from_db()
    assert row.state == "confirmed"


def test_contact_phones_are_masked_on_the_unit_page(cast, world):
    html = html_of(
        logged_in(cast.community_staff).get(
            reverse("claims:member_unit", args=[world["school"].pk])
        )
    )
    assert "139****5678" in html and CONTACT_PHONE not in html


@pytest.mark.parametrize(
    ("name", "most"),
    [
        ("claims:needs", 8),
        ("claims:agreements", 8),
        ("claims:member_units", 9),
        ("claims:resources", 8),
        ("claims:projects", 8),
        ("claims:volunteers", 9),
        ("claims:wishes", 8),
        ("claims:posts", 8),
        ("claims:funds", 10),
        ("claims:home", 17),
    ],
)
def test_lists_cost_a_fixed_number_of_queries(
    cast, world, name, most, django_assert_max_num_queries
):
    for number in range(8):
        extra = member_unit(cast, f"单位{number}")
        resource(extra, cast.tree.community, title=f"资源{number}")
        agreement(cast, extra, title=f"需求{number}")
        volunteer(cast.tree.community, phone=f"1360000{number:04d}")
    client = logged_in(cast.community_staff)
    client.get(reverse(name))  # warm the session and the content types
    with django_assert_max_num_queries(most):
        assert client.get(reverse(name)).status_code == 200


def test_the_home_workbench_and_menu_offer_claims(cast, world):
    html = html_of(logged_in(cast.community_staff).get(reverse("home")))
    assert reverse("claims:home") in html
    html = html_of(logged_in(world["account"]).get(reverse("home")))
    assert reverse("claims:unit_home") in html


def test_my_work_shows_staff_the_overdue_agreements_and_open_needs(cast, world):
    services.add_deliverable(
        cast.community_staff, world["agreement"], "逾期交付", today() - timedelta(days=1)
    )
    html = html_of(logged_in(cast.community_staff).get(reverse("cases:my_work")))
    assert reverse("claims:agreement", args=[world["agreement"].pk]) in html
    assert reverse("claims:need", args=[world["need"].pk]) in html
    html = html_of(logged_in(cast.grid_worker_a).get(reverse("cases:my_work")))
    assert reverse("claims:need", args=[world["need"].pk]) not in html
