"""The dispatch console: a dispatcher's lists, bulk dispatch case by case (one refusal does
not stop the others), and no console for anyone else."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from tests.cases.loop_helpers import (
    DEPARTMENT,
    DEPARTMENT_CATEGORY,
    IN_GRID_B,
    act,
    file_case,
    fresh,
)
from tests.clients import logged_in
from wangge.cases.queries import category_by_code
from wangge.cases.services import update_category
from wangge.core.clock import frozen_at
from wangge.org.models import OrgUnit


def test_the_console_lists_what_to_accept_and_to_dispatch_with_the_suggestion(cast):
    department = OrgUnit.objects.get(code=DEPARTMENT)
    update_category(None, category_by_code(DEPARTMENT_CATEGORY), default_department=department)
    new = file_case(cast.grid_worker_a)
    accepted = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    html = logged_in(cast.dispatcher).get(reverse("cases:dispatch")).content.decode()
    assert new.number in html and accepted.number in html
    assert "Suggested department: 城管局" in html


def test_bulk_dispatch_sends_each_ticked_case_and_reports_each_refusal(cast):
    # The street-lamp category has no default department in this tree: only a chosen one works.
    first = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    second = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    untouched = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    client = logged_in(cast.dispatcher)
    ticked = {
        "case": [first.number, second.number],
        f"version-{first.number}": first.version,
        f"version-{second.number}": second.version + 1,  # stale: refused, the first still goes
    }
    html = client.post(reverse("cases:bulk_dispatch"), ticked, follow=True).content.decode()
    assert "It has no suggested department: choose one." in html
    assert fresh(first).state == "accepted"
    html = client.post(
        reverse("cases:bulk_dispatch"), {**ticked, "department": DEPARTMENT}, follow=True
    ).content.decode()
    assert fresh(first).state == "dispatched"
    assert fresh(second).state == "accepted" and fresh(untouched).state == "accepted"
    assert "1 case dispatched." in html and second.number in html


def test_each_ticked_case_goes_to_its_suggested_department(cast):
    department = OrgUnit.objects.get(code=DEPARTMENT)
    update_category(None, category_by_code(DEPARTMENT_CATEGORY), default_department=department)
    case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    logged_in(cast.dispatcher).post(
        reverse("cases:bulk_dispatch"),
        {"case": [case.number], f"version-{case.number}": case.version},
    )
    assert fresh(case).state == "dispatched" and fresh(case).department == department


def test_a_stale_row_is_refused_and_named(cast):
    case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    stale = case.version
    act(cast.dispatcher, case, "dispatch", department=DEPARTMENT)
    response = logged_in(cast.dispatcher).post(
        reverse("cases:bulk_dispatch"),
        {
            "case": [case.number],
            f"department-{case.number}": DEPARTMENT,
            f"version-{case.number}": stale,
        },
        follow=True,
    )
    assert case.number in response.content.decode()
    assert "dispatched." not in response.content.decode()


def test_overdue_cases_of_the_area_are_listed(cast):
    case = file_case(cast.grid_worker_a)
    with frozen_at(case.due_at + timedelta(hours=1)):
        html = logged_in(cast.dispatcher).get(reverse("cases:dispatch")).content.decode()
    overdue = html.split('id="overdue-title"')[1]
    assert case.number in overdue


def test_only_dispatchers_have_a_console(cast):
    assert logged_in(cast.grid_worker_a).get(reverse("cases:dispatch")).status_code == 403
    assert logged_in(cast.department_handler).get(reverse("cases:dispatch")).status_code == 403
    assert Client().get(reverse("cases:dispatch")).status_code == 302
    # The district's dispatcher sees every grid of the district.
    other = file_case(cast.grid_worker_b, at=IN_GRID_B)
    assert (
        other.number in logged_in(cast.dispatcher).get(reverse("cases:dispatch")).content.decode()
    )


def test_someone_who_is_not_a_dispatcher_cannot_bulk_dispatch(cast):
    case = act(cast.dispatcher, file_case(cast.grid_worker_a), "accept")
    response = logged_in(cast.department_handler).post(
        reverse("cases:bulk_dispatch"),
        {"case": [case.number], "department": DEPARTMENT},
    )
    assert response.status_code == 403
    assert fresh(case).state == "accepted"
