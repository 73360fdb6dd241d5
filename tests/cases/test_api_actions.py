"""Every action endpoint (POST /cases/{number}/{action}) in the same five stories: done by who
may, refused in a state the table does not allow (409), refused to a role that may not (403),
refused naming each required field left out (422), and refused to a writer holding an old
version (409). A refusal writes nothing: no event, no new version.

The cases are brought to each state through the real services; only the action under test
goes through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.cases.loop_helpers import DEPARTMENT, act, add_department, file_case, upload
from tests.clients import logged_in
from wangge.cases.models import Case, CaseEvent
from wangge.cases.workflow import TRANSITIONS, CaseAction
from wangge.core import clock

API = "/api/v1"
ASSISTING = "WJ440703"  # 卫健局, made here to assist


@pytest.fixture
def people(cast) -> dict[str, Any]:
    """The cast by attribute name, plus a handler of a second department that can assist."""
    health = add_department(cast, ASSISTING, "卫健局", "health_handler")
    return {**vars(cast), "assisting_handler": health.handler}


# --- bringing a case to a state, through the services -----------------------------------------


def _later() -> str:
    return (clock.now() + timedelta(days=60)).isoformat()


def _accept(p, case):
    return act(p["dispatcher"], case, "accept")


def _dispatch(p, case):
    return act(p["dispatcher"], case, "dispatch", department=DEPARTMENT)


def _dispatch_with_help(p, case):
    return act(p["dispatcher"], case, "dispatch", department=DEPARTMENT, assisting=[ASSISTING])


def _sign(p, case):
    return act(p["department_handler"], case, "sign")


def _finish(p, case):
    evidence = upload(p["department_handler"])
    return act(p["department_handler"], case, "finish", note="修好了", attachments=[evidence])


def _finish_part(p, case):
    return act(p["assisting_handler"], case, "finish_part", note="卫生部分已处理")


def _verify(p, case):
    return act(p["grid_worker_a"], case, "verify", note="亮了")


def _close(p, case):
    return act(p["dispatcher"], case, "close")


def _ask(kind: str):
    def step(p, case):
        return act(
            p["department_handler"],
            case,
            f"request_{kind}",
            reason="需要采购配件",
            new_deadline=clock.now() + timedelta(days=30),
        )

    return step


_TO_HANDLING = [_accept, _dispatch, _sign]
PATHS: dict[str, list[Callable]] = {
    "reported": [],
    "accepted": [_accept],
    "dispatched": [_accept, _dispatch],
    "handling": _TO_HANDLING,
    "handling, extension asked": [*_TO_HANDLING, _ask("extension")],
    "handling, deferral asked": [*_TO_HANDLING, _ask("deferral")],
    "handling, assisted": [_accept, _dispatch_with_help, _sign],
    "handled, assisted": [_accept, _dispatch_with_help, _sign, _finish_part, _finish],
    "handled": [*_TO_HANDLING, _finish],
    "verified": [*_TO_HANDLING, _finish, _verify],
    "closed": [*_TO_HANDLING, _finish, _verify, _close],
}


def case_in(state: str, p: dict[str, Any], reporter: str = "grid_worker_a") -> Case:
    case = file_case(p[reporter])
    for step in PATHS[state]:
        case = step(p, case)
    return case


# --- the stories, one per action ---------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    state: str  # a state the action applies in
    doer: str  # who may do it there
    refused: str  # who sees the case but may not do it
    wrong_state: str | None  # a state the doer sees the case in, where the table refuses it
    body: Callable[[dict[str, Any]], dict[str, Any]] = lambda p: {}
    reporter: str = "grid_worker_a"


def _new_master(p) -> dict[str, Any]:
    return {"master": file_case(p["grid_worker_a"]).number}


def _evidence(p) -> dict[str, Any]:
    return {"note": "修好了", "attachments": [upload(p["department_handler"])]}


A = CaseAction
STORIES: dict[CaseAction, Story] = {
    A.ACCEPT: Story("reported", "dispatcher", "community_staff", "accepted"),
    A.DECLINE: Story(
        "reported", "dispatcher", "community_staff", "accepted", lambda p: {"reason": "重复"}
    ),
    A.MERGE: Story("reported", "dispatcher", "community_staff", "dispatched", _new_master),
    A.DISPATCH: Story(
        "accepted",
        "dispatcher",
        "community_staff",
        "reported",
        lambda p: {"department": DEPARTMENT},
    ),
    A.REASSIGN: Story(
        "dispatched",
        "dispatcher",
        "community_staff",
        "accepted",
        lambda p: {"department": ASSISTING, "reason": "属卫健局"},
    ),
    A.ASSIGN_GRID: Story(
        "reported",
        "dispatcher",
        "community_staff",
        "closed",
        lambda p: {"grid": p["tree"].grid_b.code},
    ),
    A.SIGN: Story("dispatched", "department_handler", "dispatcher", "handling"),
    A.RETURN_: Story(
        "dispatched",
        "department_handler",
        "dispatcher",
        "handled",
        lambda p: {"reason": "非本部门"},
    ),
    A.PROGRESS: Story(
        "handling", "department_handler", "dispatcher", "dispatched", lambda p: {"note": "已到场"}
    ),
    A.REQUEST_EXTENSION: Story(
        "handling",
        "department_handler",
        "dispatcher",
        "dispatched",
        lambda p: {"new_deadline": _later(), "reason": "需要采购配件"},
    ),
    A.APPROVE_EXTENSION: Story(
        "handling, extension asked", "dispatcher", "department_handler", "dispatched"
    ),
    A.REJECT_EXTENSION: Story(
        "handling, extension asked",
        "dispatcher",
        "department_handler",
        "dispatched",
        lambda p: {"reason": "时间足够"},
    ),
    A.REQUEST_DEFERRAL: Story(
        "handling",
        "department_handler",
        "dispatcher",
        "dispatched",
        lambda p: {"new_deadline": _later(), "reason": "等待施工季"},
    ),
    A.APPROVE_DEFERRAL: Story(
        "handling, deferral asked", "dispatcher", "department_handler", "dispatched"
    ),
    A.REJECT_DEFERRAL: Story(
        "handling, deferral asked",
        "dispatcher",
        "department_handler",
        "dispatched",
        lambda p: {"reason": "不能缓办"},
    ),
    A.FINISH: Story("handling", "department_handler", "dispatcher", "dispatched", _evidence),
    A.FINISH_PART: Story(
        "handling, assisted",
        "assisting_handler",
        "dispatcher",
        "handled, assisted",
        lambda p: {"note": "卫生部分已处理"},
    ),
    A.VERIFY: Story(
        "handled", "grid_worker_a", "department_handler", "verified", lambda p: {"note": "亮了"}
    ),
    A.FAIL_VERIFICATION: Story(
        "handled", "grid_worker_a", "department_handler", "verified", lambda p: {"reason": "不亮"}
    ),
    A.CLOSE: Story("verified", "dispatcher", "community_staff", "handled"),
    A.RATE: Story(
        "closed", "dispatcher", "community_staff", "verified", lambda p: {"rating": "satisfied"}
    ),
    A.REOPEN: Story(
        "closed",
        "dispatcher",
        "community_staff",
        "verified",
        lambda p: {"reason": "居民反映未修好"},
    ),
    A.SUPERVISE: Story(
        "reported",
        "dispatcher",
        "community_staff",
        "closed",
        lambda p: {"supervision_level": 1, "note": "请尽快立案"},
    ),
    # Leaders may instruct in every state: there is no wrong one.
    A.INSTRUCT: Story("reported", "leader", "community_staff", None, lambda p: {"note": "抓紧办"}),
    # Everyone with a part may comment; the one who sees a case and may not is a member of the
    # public who reported it with their own account.
    A.COMMENT: Story(
        "reported",
        "community_staff",
        "outsider",
        "closed",
        lambda p: {"note": "已联系居民"},
        "outsider",
    ),
}
del A

ACTIONS = list(STORIES)
# Accepting needs a category, which every case already has: it cannot be missing.
REQUIRED_FIELDS = [
    (t.action, field)
    for t in TRANSITIONS
    if not t.creates
    for field in t.requires.fields
    if (t.action, field) != (CaseAction.ACCEPT, "category")
]


def post_action(client: Client, case: Case, action: str, body: dict[str, Any]):
    return client.post(f"{API}/cases/{case.number}/{action}", body, "application/json")


def written(case: Case) -> tuple[int, int]:
    """(events, version) of the case as stored."""
    stored = Case.objects.get(pk=case.pk)
    return CaseEvent.objects.filter(case=case).count(), stored.version


def test_every_action_with_an_endpoint_has_a_story():
    assert set(STORIES) == {t.action for t in TRANSITIONS if not t.creates}


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_the_action_is_done_by_who_may(people, action):
    # Given a case where the action applies, and someone who may do it
    story = STORIES[action]
    case = case_in(story.state, people, story.reporter)
    events, version = written(case)

    # When they do it through the API
    response = post_action(logged_in(people[story.doer]), case, action, story.body(people))

    # Then exactly one event is written, and the answer is the case with it
    assert response.status_code == 200, response.content
    assert written(case) == (events + 1, version + 1)
    body = response.json()
    assert body["version"] == version + 1
    assert body["timeline"][-1]["action"] == action
    assert body["timeline"][-1]["seq"] == version + 1


@pytest.mark.parametrize(
    "action", [a for a in ACTIONS if STORIES[a].wrong_state is not None], ids=str
)
def test_the_action_is_refused_in_a_state_that_does_not_allow_it(people, action):
    # Given a case in a state the table does not allow the action in
    story = STORIES[action]
    case = case_in(story.wrong_state, people, story.reporter)
    before = written(case)

    # When someone who could do it elsewhere tries
    response = post_action(logged_in(people[story.doer]), case, action, story.body(people))

    # Then it is refused as a conflict with the case's state, and nothing is written
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invalid_transition"
    assert written(case) == before


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_the_action_is_refused_to_a_role_that_may_not(people, action):
    # Given a case where the action applies, seen by someone whose role may not do it
    story = STORIES[action]
    case = case_in(story.state, people, story.reporter)
    before = written(case)
    onlooker = logged_in(people[story.refused])
    assert onlooker.get(f"{API}/cases/{case.number}").status_code == 200

    # When they try
    response = post_action(onlooker, case, action, story.body(people))

    # Then it is forbidden, and nothing is written
    assert response.status_code == 403, response.content
    assert written(case) == before


@pytest.mark.parametrize(("action", "field"), REQUIRED_FIELDS, ids=str)
def test_the_action_names_a_required_field_left_out(people, action, field):
    # Given a case where the action applies, and a request without one field it needs
    story = STORIES[action]
    case = case_in(story.state, people, story.reporter)
    body = story.body(people)
    del body[field]
    before = written(case)

    # When who may do it sends that
    response = post_action(logged_in(people[story.doer]), case, action, body)

    # Then the field is named, and nothing is written
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == [
        {"loc": ["body", field], "msg": f"This action needs “{field}”."}
    ]
    assert written(case) == before


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_the_action_is_refused_to_a_writer_holding_an_old_version(people, action):
    # Given a case someone changed after the doer loaded it
    story = STORIES[action]
    case = case_in(story.state, people, story.reporter)
    seen = case.version
    act(people["leader"], case, "instruct", note="请各部门配合")
    before = written(case)

    # When the doer acts on the version they saw
    body = {**story.body(people), "version": seen}
    response = post_action(logged_in(people[story.doer]), case, action, body)

    # Then it is a conflict, and nothing is written
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "conflict"
    assert written(case) == before


def test_an_action_on_a_case_out_of_reach_is_not_found(people):
    # Given a case in grid A
    case = case_in("reported", people)

    # When the grid worker of grid B tries to comment on it
    response = post_action(logged_in(people["grid_worker_b"]), case, "comment", {"note": "看看"})

    # Then the case does not exist for them, and nothing is written
    assert response.status_code == 404
    assert written(case) == (1, 1)


def test_the_current_version_is_accepted(people):
    # Given a case the dispatcher has just loaded
    case = case_in("reported", people)
    client = logged_in(people["dispatcher"])
    seen = client.get(f"{API}/cases/{case.number}").json()["version"]

    # When they accept it holding that version
    response = post_action(client, case, "accept", {"version": seen})

    # Then it is accepted
    assert response.status_code == 200
    assert response.json()["state"] == "accepted"


def test_an_action_without_a_body_is_done(people):
    # Given a dispatched case
    case = case_in("dispatched", people)

    # When the handler signs for it with an empty request
    response = logged_in(people["department_handler"]).post(
        f"{API}/cases/{case.number}/sign", b"", "application/json"
    )

    # Then it is signed for
    assert response.status_code == 200
    assert response.json()["handler"] == "城管处置员"


def test_the_actor_who_returns_a_case_gets_its_new_state(people):
    # Given a case dispatched to the city management bureau
    case = case_in("dispatched", people)
    handler = logged_in(people["department_handler"])

    # When the bureau returns it
    response = post_action(handler, case, "return", {"reason": "非本部门"})

    # Then they see it back with the dispatcher, and after that it is out of their reach
    assert response.status_code == 200
    assert response.json()["state"] == "accepted"
    assert response.json()["allowed_actions"] == []
    assert handler.get(f"{API}/cases/{case.number}").status_code == 404
