"""Small builders for case tests, all through the real services."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from PIL import Image

from conftest import LAT0, LON0, SIDE, Cast, make_user
from wangge.cases.models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    SupervisionOrder,
)
from wangge.cases.permissions import Resident
from wangge.cases.services import ActionInput, Report, perform, report_case, store_attachment
from wangge.cases.workflow import CaseAction, CaseState, next_state, transition
from wangge.core import clock
from wangge.core.models import User
from wangge.notifications.models import Notification, WebhookDelivery
from wangge.org.models import OrgUnit

# Points inside grid A, grid B and grid C of the conftest tree, and one outside every grid.
IN_GRID_A = (LON0 + SIDE / 2, LAT0 + SIDE / 2)
IN_GRID_B = (LON0 + SIDE * 1.5, LAT0 + SIDE / 2)
IN_GRID_C = (LON0 + SIDE / 2, LAT0 + 0.05 + SIDE / 2)
NOWHERE = (LON0 - 1, LAT0 - 1)

GRID_ENTRY_CATEGORY = "E0101"  # 暴露垃圾, on the grid-entry list
DEPARTMENT_CATEGORY = "C0104"  # 路灯, not on it
DEPARTMENT = "CG440703"  # 城管局 of the conftest tree
OTHER_DEPARTMENT = "SW440703"  # 水务局, added by `add_department` where a test needs it

RESIDENT_PHONE = "13800138000"
RESIDENT = Resident(phone=RESIDENT_PHONE, name="陈女士")
OTHER_RESIDENT = Resident(phone="13900139000", name="李先生")


def photo_bytes(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="JPEG")
    return output.getvalue()


def upload(actor: Any, name: str = "photo.jpg") -> str:
    """A photo uploaded by `actor` (a User; residents and the system upload as nobody)."""
    uploader = actor if isinstance(actor, User) else None
    return str(store_attachment(uploader, photo_bytes(), name=name).uid)


def file_case(actor: Any, *, at: Any = IN_GRID_A, category: str = DEPARTMENT_CATEGORY, **fields):
    report = Report(
        category=category,
        description=fields.pop("description", "路灯不亮，晚上很黑"),
        lon=at[0] if at else None,
        lat=at[1] if at else None,
        address=fields.pop("address", "" if at else "石冲路 1 号"),
        **fields,
    )
    return report_case(actor, report).case


def act(actor: Any, case: Case, action: str, **given: Any) -> Case:
    perform(actor, case, action, ActionInput(**given))
    case.refresh_from_db()
    return case


def fresh(case: Case) -> Case:
    """The case as stored now (a new object: no stale cached relations)."""
    return Case.objects.select_related("category", "area", "department").get(pk=case.pk)


# --- more people and units ------------------------------------------------------------------


@dataclass
class Department:
    unit: OrgUnit
    handler: User


def add_department(cast: Cast, code: str, name: str, username: str) -> Department:
    """Another department under the district, with one handler."""
    from wangge.org.roles import Role, UnitKind
    from wangge.org.services import create_unit, grant_role

    unit = create_unit(
        None, code=code, name=name, kind=UnitKind.DEPARTMENT, parent=cast.tree.district
    )
    handler = make_user(username, f"{name}处置员")
    grant_role(None, handler, unit, Role.DEPARTMENT_HANDLER)
    return Department(unit, handler)


def add_person(username: str, unit: OrgUnit, role: str) -> User:
    from wangge.org.services import grant_role

    user = make_user(username)
    grant_role(None, user, unit, role)
    return user


# --- driving a case to any state through the real services ----------------------------------

# The shortest path from `reported` to each state, as (persona attribute, action, input).
_PATHS: dict[CaseState, list[tuple[str, str, dict[str, Any]]]] = {
    CaseState.REPORTED: [],
    CaseState.ACCEPTED: [("dispatcher", "accept", {})],
    CaseState.DECLINED: [("dispatcher", "decline", {"reason": "不属于受理范围"})],
    CaseState.DISPATCHED: [
        ("dispatcher", "accept", {}),
        ("dispatcher", "dispatch", {"department": DEPARTMENT}),
    ],
}
_PATHS[CaseState.HANDLING] = [*_PATHS[CaseState.DISPATCHED], ("department_handler", "sign", {})]
_PATHS[CaseState.HANDLED] = [
    *_PATHS[CaseState.HANDLING],
    ("department_handler", "finish", {"note": "已更换灯泡", "attachments": "evidence"}),
]
_PATHS[CaseState.VERIFIED] = [
    *_PATHS[CaseState.HANDLED],
    ("grid_worker_a", "verify", {"note": "亮了"}),
]
_PATHS[CaseState.CLOSED] = [*_PATHS[CaseState.VERIFIED], ("dispatcher", "close", {})]


def drive_to(
    cast: Cast, state: CaseState | str, *, reporter: Any = RESIDENT, **fields: Any
) -> Case:
    """A new case in grid A (路灯, handled by 城管局) brought to `state` by the real services."""
    state = CaseState(state)
    if state == CaseState.MERGED:
        master = file_case(reporter, description="同一盏路灯不亮", **fields)
        duplicate = file_case(reporter, **fields)
        return act(cast.dispatcher, duplicate, "merge", master=master.number)
    case = file_case(reporter, **fields)
    for persona, action, given in _PATHS[state]:
        actor = getattr(cast, persona)
        if given.get("attachments") == "evidence":
            given = {**given, "attachments": [upload(actor)]}
        case = act(actor, case, action, **given)
    assert case.state == state
    return case


def plausible(action: CaseAction | str, actor: Any, case: Case, master: str = "") -> ActionInput:
    """Everything the action needs, made up the way a page or the API would send it."""
    later = (case.due_at or clock.now()) + timedelta(days=7)
    given: dict[str, Any] = {
        CaseAction.ACCEPT: {},
        CaseAction.DECLINE: {"reason": "不属于受理范围"},
        CaseAction.MERGE: {"master": master},
        CaseAction.DISPATCH: {"department": DEPARTMENT},
        CaseAction.REASSIGN: {"department": OTHER_DEPARTMENT, "reason": "属水务局职责"},
        CaseAction.ASSIGN_GRID: {"grid": "440703006107001"},
        CaseAction.SIGN: {},
        CaseAction.RETURN_: {"reason": "不属本部门职责"},
        CaseAction.PROGRESS: {"note": "已联系供电所"},
        CaseAction.REQUEST_EXTENSION: {"new_deadline": later, "reason": "等配件"},
        CaseAction.REQUEST_DEFERRAL: {"new_deadline": later, "reason": "汛期后施工"},
        CaseAction.APPROVE_EXTENSION: {},
        CaseAction.REJECT_EXTENSION: {"reason": "时间足够"},
        CaseAction.APPROVE_DEFERRAL: {},
        CaseAction.REJECT_DEFERRAL: {"reason": "不予缓办"},
        CaseAction.FINISH: {"note": "已更换灯泡", "attachments": ["evidence"]},
        CaseAction.FINISH_PART: {"note": "已断电"},
        CaseAction.VERIFY: {"note": "亮了"},
        CaseAction.FAIL_VERIFICATION: {"reason": "还是不亮"},
        CaseAction.CLOSE: {},
        CaseAction.RATE: {"rating": "satisfied"},
        CaseAction.REOPEN: {"reason": "群众再次来电"},
        CaseAction.SUPERVISE: {"supervision_level": 1, "note": "请加快办理"},
        CaseAction.INSTRUCT: {"note": "请尽快办结"},
        CaseAction.COMMENT: {"note": "备注"},
    }[CaseAction(action)]
    if given.get("attachments") == ["evidence"]:
        given = {**given, "attachments": [upload(actor)]}
    return ActionInput(**given)


# --- what was written -------------------------------------------------------------------------


def footprint(case: Case | None = None) -> dict[str, Any]:
    """Everything an action may write, counted: a refused action leaves all of it unchanged."""
    counts: dict[str, Any] = {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "assignments": CaseAssignment.objects.count(),
        "supervision_orders": SupervisionOrder.objects.count(),
        "notifications": Notification.objects.count(),
        "deliveries": WebhookDelivery.objects.count(),
        "linked_attachments": Attachment.objects.filter(case__isnull=False).count(),
        "counters": list(CaseNumberCounter.objects.order_by("day").values_list("day", "last")),
    }
    if case is not None:
        stored = Case.objects.get(pk=case.pk)
        counts["case"] = {
            field.attname: getattr(stored, field.attname)
            for field in Case._meta.concrete_fields
            if field.attname not in ("reporter_name", "reporter_phone")
        }
    return counts


def refused(actor: Any, case: Case, action: str, error: type[Exception], **given: Any) -> Any:
    """Try `action` on `case`; assert it raised `error` and wrote nothing; return the error."""
    case = fresh(case)
    before = footprint(case)
    with pytest.raises(error) as raised:
        perform(actor, case, action, ActionInput(**given))
    assert footprint(case) == before
    return raised.value


def assert_log_consistent(case: Case) -> None:
    """The log is append-only and explains the case: seq 1..n, each step in the table, each
    from-state the previous to-state, the case's state the last to-state, version == n."""
    stored = Case.objects.get(pk=case.pk)
    assert_log_explains(stored, list(CaseEvent.objects.filter(case=stored).order_by("seq")))


def assert_log_explains(stored: Case, events: list[CaseEvent]) -> None:
    """`assert_log_consistent` for a case and its events already read."""
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert stored.version == len(events)
    assert stored.state in CaseState.values
    assert stored.state == events[-1].to_state
    previous: str | None = None
    for event in events:
        from_state = event.from_state or None
        assert from_state == previous, (event.seq, event.action, from_state, previous)
        step = transition(event.action, from_state)
        assert next_state(step, CaseState(from_state) if from_state else None) == event.to_state
        previous = event.to_state


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and always undo what it wrote (inside a test's
    transaction): one expensive setup, many independent tries."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
