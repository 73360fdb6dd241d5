"""The "my work" page and a case's page: what waits for whom, the steps each may take there,
refusals next to the field with nothing written, and nothing of another grid shown."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cases.loop_helpers import (
    DEPARTMENT,
    DEPARTMENT_CATEGORY,
    IN_GRID_B,
    act,
    file_case,
    footprint,
    fresh,
    photo_bytes,
)
from tests.clients import logged_in
from wangge.cases.models import Case
from wangge.cases.queries import category_by_code
from wangge.cases.services import update_category
from wangge.core.clock import frozen_at
from wangge.org.models import OrgUnit


def detail_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.number])


def action_url(case: Case, action: str) -> str:
    return reverse("cases:action", args=[case.number, action])


# --- my work ----------------------------------------------------------------------------------


def test_a_dispatcher_sees_new_cases_to_accept_with_counts_and_lights(cast):
    case = file_case(cast.grid_worker_a)
    page = logged_in(cast.dispatcher).get(reverse("cases:my_work"))
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and case.title in html
    assert "To accept" in html and 'class="count some">1<' in html
    assert "light light-green" in html
    assert "working hours left" in html


def test_a_tab_refreshes_on_its_own_url_and_an_unknown_tab_is_404(cast):
    case = file_case(cast.grid_worker_a)
    client = logged_in(cast.dispatcher)
    fragment = client.get(reverse("cases:my_work_tab", args=["to_accept"]))
    assert fragment.status_code == 200
    assert case.number in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert client.get(reverse("cases:my_work_tab", args=["everything"])).status_code == 404
    # The full page falls back to the first tab instead of failing.
    assert client.get(reverse("cases:my_work"), {"tab": "everything"}).status_code == 200


def test_an_overdue_case_shows_red_with_how_late_it_is(cast):
    case = file_case(cast.grid_worker_a)
    with frozen_at(case.due_at + timedelta(days=3)):
        html = logged_in(cast.dispatcher).get(reverse("cases:my_work")).content.decode()
    assert "light light-red" in html and "Overdue by" in html


def test_my_work_shows_nothing_of_another_grid(cast):
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    html = logged_in(cast.grid_worker_a).get(reverse("cases:my_work")).content.decode()
    assert "Nothing is waiting for you here." in html


def test_my_work_needs_a_login(cast):
    response = Client().get(reverse("cases:my_work"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_my_work_costs_the_same_queries_whatever_its_length(cast):
    def queries_with(count: int) -> int:
        for _ in range(count):
            file_case(cast.grid_worker_a)
        client = logged_in(cast.dispatcher)
        client.get(reverse("cases:my_work"))  # the session and caches settle first
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:my_work")).status_code == 200
        return len(captured.captured_queries)

    assert queries_with(1) == queries_with(11)


# --- a case's page ----------------------------------------------------------------------------


def test_a_case_page_shows_facts_timeline_and_only_the_steps_open_now(cast):
    case = file_case(cast.grid_worker_a, reporter_phone="13812345678")
    html = logged_in(cast.dispatcher).get(detail_url(case)).content.decode()
    assert case.title in html and "Timeline" in html
    assert "138****5678" in html and "13812345678" not in html
    assert action_url(case, "accept") in html and action_url(case, "decline") in html
    assert action_url(case, "dispatch") not in html  # not before it is accepted
    # The reporter of grid A sees the case but no dispatcher's step.
    mine = logged_in(cast.grid_worker_a).get(detail_url(case)).content.decode()
    assert action_url(case, "accept") not in mine


def test_a_case_of_another_grid_is_not_found(cast):
    case = file_case(cast.grid_worker_b, at=IN_GRID_B)
    assert logged_in(cast.grid_worker_a).get(detail_url(case)).status_code == 404


def test_a_dispatcher_accepts_then_dispatches_with_the_suggested_department(cast):
    department = OrgUnit.objects.get(code=DEPARTMENT)
    update_category(None, category_by_code(DEPARTMENT_CATEGORY), default_department=department)
    case = file_case(cast.grid_worker_a)
    client = logged_in(cast.dispatcher)
    done = client.post(action_url(case, "accept"), {"accept-version": case.version})
    assert done.status_code == 302 and done["Location"] == detail_url(case)
    case = fresh(case)
    assert case.state == "accepted"
    page = client.get(detail_url(case)).content.decode()
    assert f'value="{DEPARTMENT}" selected' in page  # the category's default department
    client.post(
        action_url(case, "dispatch"),
        {"dispatch-version": case.version, "dispatch-department": DEPARTMENT},
    )
    assert fresh(case).state == "dispatched"


def test_declining_without_a_reason_is_refused_next_to_the_field_and_writes_nothing(cast):
    case = file_case(cast.grid_worker_a)
    before = footprint(case)
    response = logged_in(cast.dispatcher).post(
        action_url(case, "decline"), {"decline-version": case.version, "decline-note": "看过了"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "看过了" in html  # what was typed stays
    assert footprint(case) == before


def test_a_stale_page_gets_409_and_the_current_state(cast):
    case = file_case(cast.grid_worker_a)
    client = logged_in(cast.dispatcher)
    stale_version = case.version
    act(cast.dispatcher, case, "accept")
    response = client.post(action_url(case, "decline"), {"decline-version": stale_version})
    assert response.status_code == 409
    assert fresh(case).state == "accepted"


def test_finishing_needs_evidence_and_keeps_an_upload_across_a_refusal(cast):
    case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    case = act(cast.dispatcher, case, "dispatch", department=DEPARTMENT)
    case = act(cast.department_handler, case, "sign")
    client = logged_in(cast.department_handler)
    # No photo: refused by the form, nothing written.
    refused = client.post(action_url(case, "finish"), {"finish-version": case.version})
    assert refused.status_code == 400 and fresh(case).state == "handling"
    # A photo with a wrong version: the upload is kept for the next attempt.
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("done.jpg", photo_bytes(), content_type="image/jpeg")
    conflict = client.post(
        action_url(case, "finish"),
        {"finish-version": case.version + 5, "finish-attachments": photo, "finish-note": "修好了"},
    )
    assert conflict.status_code == 409
    done = client.post(action_url(case, "finish"), {"finish-version": case.version})
    assert done.status_code == 400  # the kept upload belongs to the conflicting attempt's page
    photo = SimpleUploadedFile("done.jpg", photo_bytes(), content_type="image/jpeg")
    done = client.post(
        action_url(case, "finish"),
        {"finish-version": case.version, "finish-attachments": photo, "finish-note": "修好了"},
    )
    assert done.status_code == 302
    case = fresh(case)
    assert case.state == "handled" and case.attachments.count() == 1


def test_a_step_that_is_not_open_is_refused_with_409_and_writes_nothing(cast):
    case = file_case(cast.grid_worker_a)
    before = footprint(case)
    response = logged_in(cast.dispatcher).post(
        action_url(case, "close"), {"close-version": case.version}
    )
    assert response.status_code == 409
    assert footprint(case) == before
    assert logged_in(cast.dispatcher).post(action_url(case, "explode")).status_code == 404
