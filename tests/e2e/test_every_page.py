"""Every page of the workbench, as the person who uses it, on a 375×667 phone and a 1440×900
desktop: it answers 200 in Chinese, does not scroll sideways, labels every field, and (for the
forms that take typing) shows a refused field's error in Chinese beside that field. Each page is
saved as <test>-<viewport>-<page>.png so a person can look at it.

The journeys (test_case_loop_journey, test_report_journey, …) check what the pages *do*; this
one is the sweep that keeps every page fit for both screens as pages are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tests.cases.loop_helpers import RESIDENT_PHONE, drive_to
from tests.e2e.browser import DESKTOP, PHONE, assert_no_horizontal_scroll, give_password, log_in
from tests.people.helpers import house_in, person_in, tag_kind
from tests.security.world import APP_WORLDS
from wangge.cases.workflow import CaseState
from wangge.people.services import OrganisationInput, give_tag, save_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")

# Fields that have no label: the JavaScript answers the names of those it finds.
UNLABELLED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => !el.closest('[aria-hidden=true]'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
               && !el.getAttribute('aria-labelledby') && !el.title)
  .map(el => el.name || el.id || el.outerHTML.slice(0, 80))"""

# Errors shown on the page that are not beside a field: the field's own container (the element
# that also holds the field) must hold the error, or the field must name it in aria-describedby.
STRAY_ERRORS = """() => [...document.querySelectorAll('.field-error')].filter(error => {
  const described = document.querySelector(`[aria-describedby~="${error.id}"]`);
  if (described) return false;
  const box = error.parentElement;
  return !(box && box.querySelector('input:not([type=hidden]), select, textarea'));
}).map(error => error.textContent.trim())"""


@dataclass(frozen=True)
class Visit:
    name: str
    account: str  # a cast attribute; "" for a resident without an account
    path: str
    ready: str = ""  # a selector to wait for (maps and charts draw after load)


def visits(cast: Any, open_number: str, handling_number: str) -> list[Visit]:
    tree = cast.tree
    house = house_in(tree.grid_a, "302", use="rented", rooms=2)
    person = person_in(tree.grid_a, "陈玉兰", house=house, relation="tenant")
    give_tag(None, person, tag_kind(visit_every_days=7), since=date(2026, 1, 1))
    shop = save_organisation(
        None, tree.grid_a, OrganisationInput(name="石冲便民超市", kind="self_employed")
    )
    return [
        Visit("login", "", reverse("login")),
        Visit("my-work-dispatcher", "dispatcher", reverse("cases:my_work")),
        Visit("my-work-grid-worker", "grid_worker_a", reverse("cases:my_work")),
        Visit("my-work-handler", "department_handler", reverse("cases:my_work")),
        Visit("report", "grid_worker_a", reverse("cases:report"), "#report-map.leaflet-container"),
        Visit("case-list", "dispatcher", reverse("cases:list")),
        Visit("case-list-filtered", "dispatcher", reverse("cases:list") + "?overdue=yes&text=路灯"),
        Visit("case-detail-to-accept", "dispatcher", reverse("cases:detail", args=[open_number])),
        Visit(
            "case-detail-handling",
            "department_handler",
            reverse("cases:detail", args=[handling_number]),
        ),
        Visit("dispatch-console", "dispatcher", reverse("cases:dispatch")),
        Visit("case-map", "dispatcher", reverse("cases:map"), "#case-map path"),
        Visit("dashboard", "leader", reverse("analytics:dashboard"), "#chart-daily svg"),
        Visit("categories", "administrator", reverse("cases:categories")),
        Visit("category-new", "administrator", reverse("cases:category_create")),
        Visit("category-edit", "administrator", reverse("cases:category_edit", args=["C0104"])),
        Visit("org-tree", "leader", reverse("org:tree")),
        Visit("unit-district", "administrator", reverse("org:unit", args=[tree.district.code])),
        Visit("unit-grid", "administrator", reverse("org:unit", args=[tree.grid_a.code])),
        Visit("unit-new", "administrator", reverse("org:unit_new", args=[tree.community.code])),
        Visit("unit-edit", "administrator", reverse("org:unit_edit", args=[tree.grid_a.code])),
        Visit("unit-gaps", "administrator", reverse("org:unit_gaps", args=[tree.town.code])),
        Visit("people", "administrator", reverse("org:people", args=[tree.community.code])),
        Visit("people-home", "administrator", reverse("org:people_home")),
        Visit("grid-map", "grid_worker_a", reverse("org:map"), "#grid-map path"),
        Visit("grid-import", "administrator", reverse("org:grid_import")),
        Visit("registry", "grid_worker_a", reverse("people:home")),
        Visit("registry-grid", "grid_worker_a", reverse("people:grid", args=[tree.grid_a.code])),
        Visit("registry-house", "grid_worker_a", reverse("people:house", args=[house.pk])),
        Visit("registry-person", "community_staff", reverse("people:person", args=[person.pk])),
        Visit("visits-due", "grid_worker_a", reverse("people:visits_due")),
        Visit("reveal-log", "leader", reverse("people:audit")),
        Visit("house-notice", "grid_worker_a", reverse("people:house_notice", args=[house.pk])),
        Visit(
            "organisations",
            "grid_worker_a",
            reverse("people:organisations", args=[tree.grid_a.code]),
        ),
        Visit("organisation", "grid_worker_a", reverse("people:organisation", args=[shop.pk])),
        Visit(
            "organisation-new",
            "grid_worker_a",
            reverse("people:organisation_create", args=[tree.grid_a.code]),
        ),
        Visit("registry-import", "grid_worker_a", reverse("people:import")),
        Visit("tag-kinds", "administrator", reverse("people:tag_kinds")),
        Visit("tag-kind-new", "administrator", reverse("people:tag_kind_create")),
        Visit(
            "tag-kind-edit",
            "administrator",
            reverse("people:tag_kind_edit", args=["elderly_alone"]),
        ),
        *community_work_visits(cast),
        Visit("landlord", "", reverse("people:landlord")),
        Visit("public-home", "", reverse("public:home")),
        Visit("public-report", "", reverse("public:report")),
        Visit("public-lookup", "", reverse("public:lookup")),
    ]


def community_work_visits(cast: Any) -> list[Visit]:
    """The pages of canvass campaigns, two-way claiming and meetings, over the objects the
    authorization table's world makes in grid A (tests/<app>/authorization.py)."""
    ids: dict[str, Any] = {}
    for app_world in APP_WORLDS:
        ids.update(app_world.add_to_world(cast, {}))

    def first(key: str) -> Any:
        value = ids[key]
        return value[0] if isinstance(value, list) else value

    campaign, target = first("campaign_id"), first("campaign_target_id")
    need, agreement = first("claims_need_id"), first("claims_agreement_id")
    community = first("claims_community_code")
    staff, worker = "community_staff", "grid_worker_a"
    return [
        Visit("campaigns", staff, reverse("campaigns:list")),
        Visit("campaign-new", staff, reverse("campaigns:create")),
        Visit("campaign", staff, reverse("campaigns:campaign", args=[campaign])),
        Visit("campaign-edit", staff, reverse("campaigns:edit", args=[first("campaign_id")])),
        Visit("campaign-questions", staff, reverse("campaigns:questions", args=[campaign])),
        Visit("campaign-assign", staff, reverse("campaigns:assign", args=[campaign])),
        Visit("campaign-remaining", staff, reverse("campaigns:remaining", args=[campaign])),
        Visit("campaign-doorplates", staff, reverse("campaigns:doorplates", args=[campaign])),
        Visit("campaign-mine", worker, reverse("campaigns:mine", args=[campaign])),
        Visit("campaign-target", worker, reverse("campaigns:target", args=[target])),
        Visit("campaign-outcomes", "administrator", reverse("campaigns:outcomes")),
        Visit(
            "doorplate-resident",
            "",
            reverse("public_campaigns:door", args=[ids["campaign_doorplate"]]),
        ),
        Visit("claims", staff, reverse("claims:home")),
        Visit("claims-leader", "leader", reverse("claims:home")),
        Visit("claims-needs", staff, reverse("claims:needs")),
        Visit("claims-need", staff, reverse("claims:need", args=[need])),
        Visit("claims-need-new", staff, reverse("claims:need_create")),
        Visit("claims-resources", staff, reverse("claims:resources")),
        Visit("claims-projects", staff, reverse("claims:projects")),
        Visit("claims-project", staff, reverse("claims:project", args=[ids["claims_project_id"]])),
        Visit("claims-agreements", staff, reverse("claims:agreements")),
        Visit("claims-agreement", staff, reverse("claims:agreement", args=[agreement])),
        Visit("claims-member-units", staff, reverse("claims:member_units")),
        Visit(
            "claims-member-unit",
            staff,
            reverse("claims:member_unit", args=[ids["claims_member_unit_id"]]),
        ),
        Visit("claims-member-unit-new", staff, reverse("claims:member_unit_create")),
        Visit("claims-volunteers", staff, reverse("claims:volunteers")),
        Visit(
            "claims-volunteer",
            staff,
            reverse("claims:volunteer", args=[first("claims_volunteer_id")]),
        ),
        Visit("claims-wishes", staff, reverse("claims:wishes")),
        Visit("claims-posts", staff, reverse("claims:posts")),
        Visit("claims-funds", staff, reverse("claims:funds")),
        Visit("public-claims", "", reverse("public_claims:index")),
        Visit("public-claims-community", "", reverse("public_claims:community", args=[community])),
        Visit("public-claims-need", "", reverse("public_claims:need", args=[community])),
        Visit("public-claims-wish", "", reverse("public_claims:wish", args=[community])),
        Visit("public-claims-volunteer", "", reverse("public_claims:volunteer", args=[community])),
        Visit(
            "public-claims-me",
            "",
            reverse("public_claims:me", args=[ids["claims_volunteer_key"]]),
        ),
        Visit("meetings", staff, reverse("meetings:home")),
        Visit("meetings-topics", staff, reverse("meetings:topics")),
        Visit("meetings-topic", staff, reverse("meetings:topic", args=[ids["topic_id"]])),
        Visit("meetings-list", staff, reverse("meetings:meetings")),
        Visit("meetings-new", staff, reverse("meetings:meeting_create")),
        Visit("meeting", staff, reverse("meetings:meeting", args=[ids["meeting_id"]])),
        Visit("meetings-tasks", staff, reverse("meetings:tasks")),
        Visit("meetings-task", staff, reverse("meetings:task", args=[ids["task_id"]])),
        Visit("votes", staff, reverse("meetings:votes")),
        Visit("vote-new", staff, reverse("meetings:vote_create")),
        Visit("vote", staff, reverse("meetings:vote", args=[ids["vote_id"]])),
        Visit("procedures", staff, reverse("meetings:procedures")),
        Visit("procedure-new", staff, reverse("meetings:procedure_create")),
        Visit("procedure", staff, reverse("meetings:procedure", args=[ids["procedure_id"]])),
        Visit("public-propose", "", reverse("public_meetings:propose")),
        Visit("public-ballot", "", reverse("public_meetings:ballot", args=[ids["ballot_token"]])),
        Visit(
            "public-sign-in",
            "",
            reverse("public_meetings:sign_in", args=[ids["sign_in_token"]]),
        ),
        Visit("public-disclosures", "", reverse("public_meetings:disclosures")),
        # Apps may list their own pages over their world's objects: `pages(ids)` answers
        # (name, account, path, ready) for each (tests/<app>/authorization.py).
        *(
            Visit(*page)
            for app_world in APP_WORLDS
            for page in getattr(app_world, "pages", lambda ids: [])(ids)
        ),
    ]


def check(page: Any) -> list[str]:
    """What is wrong with the page now (nothing when it is fit)."""
    faults = []
    lang = page.evaluate("() => document.documentElement.lang")
    if not lang.startswith("zh"):
        faults.append(f"lang={lang!r}")
    if not CJK.search(page.locator("h1").first.inner_text()):
        faults.append("the heading is not Chinese")
    try:
        assert_no_horizontal_scroll(page)
    except AssertionError as error:
        faults.append(str(error))
    if unlabelled := page.evaluate(UNLABELLED_FIELDS):
        faults.append(f"fields without a label: {unlabelled}")
    return faults


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_every_page_fits_the_screen_in_chinese(live_server, cast, open_page, screenshot, screen):
    viewport = PHONE if screen == "phone" else DESKTOP
    open_case = drive_to(cast, CaseState.REPORTED)
    handling = drive_to(cast, CaseState.HANDLING)
    drive_to(cast, CaseState.CLOSED)
    drive_to(cast, CaseState.DISPATCHED)
    drive_to(cast, CaseState.ACCEPTED)  # the dispatch console's list to dispatch
    pages: dict[str, Any] = {}
    faults: dict[str, list[str]] = {}
    failed_loads: list[str] = []  # a stylesheet, script, icon or data request that failed
    for visit in visits(cast, open_case.number, handling.number):
        page = pages.get(visit.account)
        if page is None:
            page = pages[visit.account] = open_page(viewport)
            page.on(
                "response",
                lambda answer: (
                    answer.status >= 400
                    and answer.url.startswith(live_server.url)
                    and failed_loads.append(f"{answer.status} {answer.url}")
                ),
            )
            if visit.account:
                user = give_password(getattr(cast, visit.account))
                log_in(page, live_server.url, user.username)
        failed_loads.clear()
        response = page.goto(f"{live_server.url}{visit.path}")
        if response.status != 200:
            faults[visit.name] = [f"HTTP {response.status}"]
            continue
        if visit.ready:
            page.wait_for_selector(visit.ready, state="attached")
        page.wait_for_load_state("networkidle")
        found = check(page) + failed_loads
        if found:
            faults[visit.name] = found
        screenshot(page, f"{screen}-{visit.name}")
    assert not faults, faults


def refused_form_errors(page: Any) -> list[str]:
    errors = page.locator(".field-error").all_inner_texts()
    assert errors, "no error is shown beside a field"
    assert all(CJK.search(text) for text in errors), errors
    assert not page.evaluate(STRAY_ERRORS)
    assert_no_horizontal_scroll(page)
    return errors


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_refused_forms_say_why_beside_the_field_in_chinese(
    live_server, cast, open_page, screenshot, screen
):
    viewport = PHONE if screen == "phone" else DESKTOP
    base = live_server.url

    resident = open_page(viewport)
    resident.goto(f"{base}{reverse('public:report')}")
    resident.evaluate("() => document.querySelectorAll('[required]').forEach(f => f.required = 0)")
    with resident.expect_navigation():
        resident.locator("form button[type=submit].primary").click()
    refused_form_errors(resident)
    screenshot(resident, f"{screen}-public-report-refused")

    resident.goto(f"{base}{reverse('public:lookup')}")
    resident.fill("#id_number", "20261124000001")
    resident.evaluate("() => document.querySelectorAll('[required]').forEach(f => f.required = 0)")
    with resident.expect_navigation():
        resident.locator("form button[type=submit].primary").click()
    refused_form_errors(resident)
    assert resident.locator("#id_number").input_value() == "20261124000001"  # kept
    screenshot(resident, f"{screen}-public-lookup-refused")

    admin = open_page(viewport)
    log_in(admin, base, give_password(cast.administrator).username, reverse("cases:categories"))
    admin.goto(f"{base}{reverse('cases:category_create')}")
    admin.evaluate("() => document.querySelectorAll('[required]').forEach(f => f.required = 0)")
    admin.fill("#id_name", "占道经营")
    with admin.expect_navigation():
        admin.locator("form button[type=submit].primary").click()
    refused_form_errors(admin)
    assert admin.locator("#id_name").input_value() == "占道经营"
    screenshot(admin, f"{screen}-category-refused")

    worker = open_page(viewport)
    log_in(worker, base, give_password(cast.grid_worker_a).username)
    number = drive_to(cast, CaseState.HANDLED).number
    worker.goto(f"{base}{reverse('cases:detail', args=[number])}")
    action = reverse("cases:action", args=[number, "fail_verification"])
    failing = worker.locator(f"form[action='{action}']")
    failing.locator("xpath=..").locator("summary").click()
    failing.evaluate("form => form.querySelectorAll('[required]').forEach(f => f.required = 0)")
    with worker.expect_navigation():
        failing.locator("button[type=submit]").click()
    refused_form_errors(worker)
    screenshot(worker, f"{screen}-fail-verification-refused")
    assert RESIDENT_PHONE not in worker.content()  # masked on the staff page too
