"""The figures API: every figure with its definition, the period before and a trend, for a
unit's subtree, a department and a category; scoped to the user's area; bad periods refused by
field. Mounted by wangge.api; tested here on its router."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ninja.testing import TestClient

from tests.cases.loop_helpers import DEPARTMENT, IN_GRID_B, drive_to, file_case
from wangge.analytics import rollups
from wangge.analytics.api.figures import router
from wangge.analytics.definitions import FIGURES
from wangge.cases.workflow import CaseState
from wangge.core import clock

client = TestClient(router)


def _figures(response) -> dict[str, dict]:
    return {item["key"]: item for item in response.json()["figures"]}


def test_a_leader_reads_every_figure_with_its_definition_and_the_period_before(cast):
    drive_to(cast, CaseState.CLOSED)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    response = client.get("/analytics/figures", user=cast.leader)
    assert response.status_code == 200
    figures = _figures(response)
    assert set(figures) == set(FIGURES)
    assert figures["reported"]["value"] == 2 and figures["reported"]["previous"] == 0
    assert figures["reported"]["trend"] == "up" and figures["reported"]["change"] == 2
    assert figures["resolution_rate"]["value"] == 1.0
    assert figures["resolution_rate"]["previous"] is None
    assert figures["closure_rate"]["numerator"] == 1 and figures["closure_rate"]["denominator"] == 1
    assert "closed as resolved" in figures["resolution_rate"]["definition"]
    assert len(figures["reported"]["series"]) == len(response.json()["buckets"]) == 30
    assert sum(figures["reported"]["series"]) == 2


def test_figures_narrow_to_a_unit_a_department_and_a_category(cast):
    drive_to(cast, CaseState.DISPATCHED)
    file_case(cast.grid_worker_b, at=IN_GRID_B)
    rollups.rebuild()
    grid_a = client.get(f"/analytics/figures?unit={cast.tree.grid_a.code}", user=cast.leader)
    assert _figures(grid_a)["reported"]["value"] == 1
    by_department = client.get(f"/analytics/figures?department={DEPARTMENT}", user=cast.leader)
    assert _figures(by_department)["reported"]["value"] == 1
    assert _figures(by_department)["dispatch_rate"]["value"] == 1.0
    by_category = client.get("/analytics/figures?category=C0104", user=cast.leader)
    assert _figures(by_category)["reported"]["value"] == 2
    other = client.get("/analytics/figures?category=E0101", user=cast.leader)
    assert _figures(other)["reported"]["value"] == 0


def test_a_unit_outside_the_area_is_not_found(cast):
    drive_to(cast, CaseState.CLOSED)
    other = cast.tree.other_community.code
    assert (
        client.get(f"/analytics/figures?unit={other}", user=cast.community_staff).status_code == 404
    )
    assert client.get("/analytics/figures?unit=NOWHERE", user=cast.leader).status_code == 404
    assert client.get("/analytics/figures?department=NOWHERE", user=cast.leader).status_code == 404
    assert client.get("/analytics/figures?category=NOWHERE", user=cast.leader).status_code == 404
    # A grid worker has no area to look at.
    assert client.get("/analytics/figures", user=cast.grid_worker_a).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [("first=2026-11-10&last=2026-11-01", "last"), ("first=2020-01-01&last=2026-01-01", "first")],
)
def test_a_bad_period_is_refused_by_field(cast, query, field):
    response = client.get(f"/analytics/figures?{query}", user=cast.leader)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_a_year_reads_its_trend_by_month(cast):
    drive_to(cast, CaseState.CLOSED)
    today = clock.today()
    first = today - timedelta(days=364)
    response = client.get(f"/analytics/figures?first={first}&last={today}", user=cast.leader)
    assert response.json()["bucket"] == "month"
    assert sum(_figures(response)["reported"]["series"]) == 1


def test_the_figures_cost_the_same_queries_whatever_the_number_of_cases(
    cast, django_assert_max_num_queries
):
    for _ in range(5):
        drive_to(cast, CaseState.CLOSED)
    rollups.rebuild()
    drive_to(cast, CaseState.HANDLING)  # pending: read live
    # 12 for the case figures; 12 for the other apps' three figures, this period and the last.
    with django_assert_max_num_queries(24):
        assert client.get("/analytics/figures", user=cast.leader).status_code == 200


def test_the_definitions_are_listed(cast):
    response = client.get("/analytics/definitions", user=cast.leader)
    assert {item["key"] for item in response.json()} == set(FIGURES)


def test_a_code_with_characters_no_code_has_is_refused(cast):
    response = client.get("/analytics/figures?unit=%00x", user=cast.leader)
    assert response.status_code == 422
