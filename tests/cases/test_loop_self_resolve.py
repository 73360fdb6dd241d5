"""Resolving on the spot (自行处置): a grid worker files a grid-entry case in their own grid
already closed, with a note of what was done and a photo of the result."""

from __future__ import annotations

import pytest

from tests.cases.loop_helpers import (
    DEPARTMENT,
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    IN_GRID_B,
    NOWHERE,
    RESIDENT,
    act,
    assert_log_consistent,
    footprint,
    upload,
)
from wangge.cases.exceptions import CaseInvalid, NotAllowed
from wangge.cases.models import Case
from wangge.cases.queries import Tab, my_queue
from wangge.cases.services import Report, report_case
from wangge.cases.workflow import CaseState


def self_resolve(actor, **fields):
    report = Report(
        category=fields.pop("category", GRID_ENTRY_CATEGORY),
        description="路边有一堆垃圾",
        lon=fields.pop("lon", IN_GRID_A[0]),
        lat=fields.pop("lat", IN_GRID_A[1]),
        note=fields.pop("note", "已清理"),
        attachments=fields.pop("attachments", None) or [upload(actor)],
        **fields,
    )
    return report_case(actor, report, resolve_on_the_spot=True).case


def test_a_grid_worker_resolves_a_grid_entry_case_on_the_spot(cast):
    case = self_resolve(cast.grid_worker_a)
    assert case.state == CaseState.CLOSED and case.is_resolved is True
    assert case.closed_at == case.handled_at == case.responded_at == case.reported_at
    assert case.due_at is None and case.stage == ""
    event = case.events.get()
    assert (event.action, event.from_state, event.to_state) == ("self_resolve", "", "closed")
    assert event.attachments.count() == 1 and event.note == "已清理"
    assert_log_consistent(case)


def refused_intake(actor, error, **fields):
    before = footprint()
    with pytest.raises(error) as raised:
        self_resolve(actor, **fields)
    after = footprint()
    assert after == before
    return raised.value


def test_only_grid_entry_categories_are_resolved_on_the_spot(cast):
    error = refused_intake(cast.grid_worker_a, CaseInvalid, category="C0104")
    assert error.field == "category"


def test_resolving_on_the_spot_needs_a_note_and_evidence(cast):
    assert refused_intake(cast.grid_worker_a, CaseInvalid, note=" ").field == "note"
    with pytest.raises(CaseInvalid) as raised:
        report_case(
            cast.grid_worker_a,
            Report(
                category=GRID_ENTRY_CATEGORY,
                description="垃圾",
                lon=IN_GRID_A[0],
                lat=IN_GRID_A[1],
                note="已清理",
            ),
            resolve_on_the_spot=True,
        )
    assert raised.value.field == "attachments"
    assert not Case.objects.exists()


def test_a_grid_worker_resolves_on_the_spot_only_in_their_own_grid(cast):
    refused_intake(cast.grid_worker_a, NotAllowed, lon=IN_GRID_B[0], lat=IN_GRID_B[1])
    assert (
        self_resolve(cast.grid_worker_b, lon=IN_GRID_B[0], lat=IN_GRID_B[1]).area
        == cast.tree.grid_b
    )


@pytest.mark.parametrize("persona", ["dispatcher", "community_staff", "department_handler"])
def test_only_grid_workers_resolve_on_the_spot(cast, persona):
    refused_intake(getattr(cast, persona), NotAllowed)


def test_a_resident_cannot_resolve_on_the_spot(cast):
    before = footprint()
    with pytest.raises(NotAllowed):
        report_case(
            RESIDENT,
            Report(
                category=GRID_ENTRY_CATEGORY,
                description="垃圾",
                lon=IN_GRID_A[0],
                lat=IN_GRID_A[1],
                note="已清理",
                attachments=[upload(None)],
            ),
            resolve_on_the_spot=True,
        )
    assert footprint() == before


def test_a_case_resolved_on_the_spot_and_rated_dissatisfied_goes_back_to_its_grid(cast):
    # It never had a handling unit: the grid whose worker resolved it handles it again, and a
    # dispatcher may still send it elsewhere.
    case = self_resolve(cast.grid_worker_a)
    case = act(cast.dispatcher, case, "rate", rating="dissatisfied")
    assert case.state == CaseState.HANDLING and case.department == cast.tree.grid_a
    assert case.stage == "handle" and case.due_at is not None
    assert case.pk in {c.pk for c in my_queue(cast.grid_worker_a, Tab.TO_HANDLE)}
    case = act(cast.dispatcher, case, "reassign", department=DEPARTMENT, reason="群众不满意")
    assert case.state == CaseState.DISPATCHED and case.department == cast.tree.department
    assert_log_consistent(case)


def test_a_grid_worker_s_point_outside_every_grid_counts_as_their_own_grid(cast):
    case = self_resolve(cast.grid_worker_a, lon=NOWHERE[0], lat=NOWHERE[1])
    assert case.area == cast.tree.grid_a and not case.needs_grid
