"""A leader at a desk computes this month's grid-worker round, scores the home-visit indicator
with a photo as evidence and publishes the round (a score sent afterwards from a page still
open is refused); grid worker 甲 on a phone opens their own result and its details, and appeals
the case the dispatcher declined, with a photo, in the quarter's round not yet published; the
leader approves it, recomputes the quarter, and the case no longer counts in 甲's valid-report
rate (the published month keeps it).

UI text is translated (Chinese here), so steps find elements by id and check numbers and data
attributes rather than words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.cases.loop_helpers import act, file_case
from tests.e2e.browser import PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.evaluation.helpers import grid_worker_system
from wangge.core import clock
from wangge.evaluation import services
from wangge.evaluation.models import (
    Appeal,
    AppealState,
    ManualScore,
    Method,
    PeriodKind,
    ResultLine,
    Round,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def _fits_the_phone(page: Any) -> None:
    assert_no_horizontal_scroll(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the layout is {width} px wide"


def _photo(tmp_path: Path, name: str, colour: str) -> Path:
    path = tmp_path / name
    Image.new("RGB", (1200, 900), colour).save(path, format="JPEG", quality=85)
    return path


def _indicator(round_: Round, *, figure: str = "", method: str = Method.COMPUTED) -> int:
    return next(
        item["id"]
        for dimension in round_.definition["dimensions"]
        for item in dimension["indicators"]
        if item["method"] == method and item["figure"] == figure
    )


def _valid_reports(round_: Round, user: Any) -> tuple[float | None, float | None]:
    line = ResultLine.objects.get(
        result__round=round_,
        result__user=user,
        indicator_id=_indicator(round_, figure="valid_report_rate"),
    )
    return line.numerator, line.denominator


def _image_shown(page: Any, selector: str) -> bool:
    """The first image under `selector` has loaded (the evidence is lazy-loaded)."""
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i?.complete && i.naturalWidth > 0; }",
        arg=selector,
    )
    return True


def test_leader_publishes_a_round_and_a_grid_worker_appeals_a_case_by_phone(
    live_server, cast, open_page, screenshot, tmp_path
):
    leader = give_password(cast.leader)
    worker = give_password(cast.grid_worker_a)
    # 甲 reported two cases this month: one accepted, one declined (it counts against 甲).
    accepted = file_case(worker, description="路灯不亮")
    declined = file_case(worker, description="邻居装修噪音")
    act(cast.dispatcher, accepted, "accept")
    act(cast.dispatcher, declined, "decline", reason="不属于受理范围")
    system = grid_worker_system(cast)
    today = clock.today()
    month = services.open_round(leader, system, PeriodKind.MONTH, today)
    quarter = services.compute_round(
        leader, services.open_round(leader, system, PeriodKind.QUARTER, today)
    )
    assert _valid_reports(quarter, worker) == (1, 2)

    # The leader computes the month's round from the evaluation home.
    desk = open_page(DESKTOP)
    log_in(desk, live_server.url, leader.username, next_path="/evaluation/")
    desk.wait_for_selector("#rounds")
    desk.locator(f"#rounds a[href='/evaluation/rounds/{month.pk}/']").click()
    desk.wait_for_selector("#compute")
    desk.locator("#compute").click()
    desk.wait_for_selector("#ranking")
    screenshot(desk, "1-computed")
    month.refresh_from_db()
    assert month.computed_at is not None and _valid_reports(month, worker) == (1, 2)

    # … opens 甲's result and scores the home visits with a photo as evidence.
    desk.locator("#ranking a", has_text=worker.display_name).click()
    manual = _indicator(month, method=Method.MANUAL)
    desk.wait_for_selector(f"#score-form-{manual}")
    desk.fill(f"#score-{manual}", "25.5")
    desk.fill(f"#note-{manual}", "入户走访记录完整")
    desk.set_input_files(f"#evidence-{manual}", str(_photo(tmp_path, "走访.jpg", "#2563eb")))
    desk.locator(f"#score-form-{manual} button[type=submit]").click()
    desk.wait_for_selector(f"#indicator-{manual} .evidence img")
    assert _image_shown(desk, f"#indicator-{manual} .evidence img")
    screenshot(desk, "2-scored")
    score = ManualScore.objects.get(round=month)
    assert score.score == 25.5 and score.evidence.count() == 1
    result_url = desk.url

    # A second tab keeps the score form open while the first publishes the round.
    stale = desk.context.new_page()
    stale.goto(result_url)
    stale.wait_for_selector(f"#score-form-{manual}")
    desk.goto(f"{live_server.url}/evaluation/rounds/{month.pk}/")
    desk.locator("#publish").click()
    desk.wait_for_selector("#round-state[data-state='published']")
    assert desk.locator("#compute").count() == 0
    screenshot(desk, "3-published")
    stale.fill(f"#score-{manual}", "5")
    with stale.expect_navigation() as sent:
        stale.locator(f"#score-form-{manual} button[type=submit]").click()
    assert sent.value.status == 409
    stale.wait_for_selector("#score-error")
    assert stale.locator(f"#score-form-{manual}").count() == 0  # locked: no form any more
    screenshot(stale, "4-refused")
    score.refresh_from_db()
    assert score.score == 25.5

    # 甲, on a phone, opens their own result and its details.
    phone = open_page(PHONE)
    log_in(phone, live_server.url, worker.username, next_path="/evaluation/")
    phone.wait_for_selector("#my-results")
    _fits_the_phone(phone)
    screenshot(phone, "5-my-results")
    phone.locator("#my-results a").first.tap()
    phone.wait_for_selector("#result-total")
    _fits_the_phone(phone)
    valid = _indicator(month, figure="valid_report_rate")
    fraction = phone.locator(f"#indicator-{valid} .fraction")
    assert fraction.get_attribute("data-numerator") == "1"
    assert fraction.get_attribute("data-denominator") == "2"
    assert _image_shown(phone, f"#indicator-{manual} .evidence img")  # the evidence, too
    assert phone.locator(".score-form").count() == 0
    screenshot(phone, "6-my-result")

    # … and appeals the declined case in the quarter's round, with a photo.
    phone.locator(".nav a[href='/evaluation/appeals/']").tap()
    phone.wait_for_selector("#appeal-new")
    phone.locator("#appeal-new").tap()
    phone.wait_for_selector("#appeal-form")
    _fits_the_phone(phone)
    phone.select_option("#id_round", str(quarter.pk))
    phone.select_option("#id_unit", str(cast.tree.grid_a.pk))
    phone.fill("#id_case", declined.number)
    phone.select_option("#id_reason", "unreasonable")
    phone.fill("#id_explanation", "装修噪音属邻里纠纷，不属网格上报范围")
    phone.set_input_files("#id_evidence", str(_photo(tmp_path, "现场.jpg", "#16a34a")))
    screenshot(phone, "7-appeal-form")
    phone.locator("#appeal-submit").tap()
    phone.wait_for_selector("#appeal-state[data-state='open']")
    _fits_the_phone(phone)
    assert _image_shown(phone, ".evidence img")
    screenshot(phone, "8-appeal-filed")
    appeal = Appeal.objects.get()
    assert (appeal.round, appeal.case, appeal.unit) == (quarter, declined, cast.tree.grid_a)

    # The leader approves it, recomputes the quarter: the case no longer counts for 甲.
    desk.goto(f"{live_server.url}/evaluation/appeals/")
    desk.locator("#appeals a", has_text=declined.number).click()
    desk.wait_for_selector("#decide-form")
    assert _image_shown(desk, ".evidence img")
    desk.check("#id_decision_0")
    desk.fill("#id_note", "经核实属邻里纠纷，同意核减")
    desk.locator("#decide-submit").click()
    desk.wait_for_selector("#appeal-state[data-state='approved']")
    screenshot(desk, "9-approved")
    assert Appeal.objects.get().state == AppealState.APPROVED
    desk.goto(f"{live_server.url}/evaluation/rounds/{quarter.pk}/")
    desk.locator("#compute").click()
    desk.wait_for_selector("#ranking")
    desk.locator("#ranking a", has_text=worker.display_name).click()
    desk.wait_for_selector("#result-total")
    fraction = desk.locator(
        f"#indicator-{_indicator(quarter, figure='valid_report_rate')} .fraction"
    )
    assert fraction.get_attribute("data-denominator") == "1"
    assert desk.locator(".excluded[data-count='1']").count() >= 1
    assert desk.locator(f"#appeals-behind li[data-case='{declined.number}']").count() == 1
    screenshot(desk, "10-recomputed")
    quarter.refresh_from_db()
    assert _valid_reports(quarter, worker) == (1, 1)
    assert _valid_reports(month, worker) == (1, 2)  # published: locked as it was
