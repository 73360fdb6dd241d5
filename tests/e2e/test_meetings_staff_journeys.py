"""Community staff run a joint meeting on a desktop (the agenda taken from a proposed topic, an
invitee signing in on their phone with a one-time link, a decision with a task, the meeting held)
and record the next step of 四议两公开 — refused with the rule that failed, then accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.meetings.helpers import meeting_in
from tests.meetings.test_services import _through
from wangge.core import clock
from wangge.meetings import services
from wangge.meetings.models import MeetingState, ProcedureStep, Step, Task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_runs_a_joint_meeting_with_phone_sign_in(live_server, cast, open_page, screenshot):
    staff = give_password(cast.community_staff)
    topic = services.propose_topic(
        staff, cast.tree.community, services.TopicInput(title="石冲花园夜间停车难")
    )
    meeting = meeting_in(cast.tree.community, staff, hours=-0.5, topics=[topic])
    resident = meeting.invitees.get(name="陈伯")
    token = services.issue_sign_in_link(staff, resident)

    phone = open_page(PHONE)
    phone.goto(f"{live_server.url}/public/meetings/sign-in/{token}/")
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "1-phone-sign-in")
    with phone.expect_navigation():
        phone.click("#sign-in")
    screenshot(phone, "2-phone-signed-in")

    page = open_page(DESKTOP)
    log_in(page, live_server.url, staff.username, next_path=f"/meetings/{meeting.pk}/")
    assert "陈伯" in page.inner_text("#invitees")
    page.locator("details:has(#decision-form) > summary").click()
    page.select_option("#id_topic", str(topic.pk))
    page.fill("#id_text", "物业划定夜间临时停车位。")
    page.fill("#id_task_1_title", "划定停车位")
    page.fill("#id_task_1_owner", cast.grid_worker_a.username)
    page.fill("#id_task_1_due_on", (clock.now() + timedelta(days=10)).date().isoformat())
    screenshot(page, "3-decision-form")
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")
    assert Task.objects.get().owner == cast.grid_worker_a
    with page.expect_navigation():
        page.click("#hold-meeting")
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    screenshot(page, "4-held")

    page.goto(f"{live_server.url}/meetings/")
    assert page.locator("#quarter-table").is_visible()
    screenshot(page, "5-overview")


def test_staff_records_a_step_refused_by_quorum(live_server, cast, open_page, screenshot):
    staff = give_password(cast.community_staff)
    procedure = services.start_procedure(staff, cast.tree.community, "村道硬化")
    _through(procedure, staff, Step.CONSULTATION)
    page = open_page(DESKTOP)
    log_in(page, live_server.url, staff.username, next_path=f"/meetings/procedures/{procedure.pk}/")
    page.fill("#id_expected", "30")
    page.fill("#id_present", "19")
    page.fill("#id_in_favour", "19")
    with page.expect_navigation():
        page.click("#step-form button[type=submit]")
    assert page.locator("#id_present_error").is_visible()
    screenshot(page, "1-refused")
    page.fill("#id_present", "21")
    with page.expect_navigation():
        page.click("#step-form button[type=submit]")
    assert ProcedureStep.objects.filter(step=Step.REVIEW).exists()
    screenshot(page, "2-recorded")


def test_staff_issues_voting_links_and_closes_a_vote(live_server, cast, open_page, screenshot):
    from tests.meetings.helpers import list_vote

    staff = give_password(cast.community_staff)
    vote = list_vote(cast.tree.community, staff, ["陈一", "李二", "王三"], is_secret=True)
    page = open_page(DESKTOP)
    log_in(page, live_server.url, staff.username, next_path=f"/meetings/votes/{vote.pk}/")
    with page.expect_navigation():
        page.click("#issue-links")
    assert page.locator("#voting-links li").count() == 3
    screenshot(page, "1-links")
    with page.expect_navigation():
        page.click("#close-vote")
    assert page.locator("#vote-result").is_visible()
    screenshot(page, "2-closed")
