"""What the API fuzzing (tests/security/test_api_fuzz.py) found, each kept fixed: statuses the
API layer answers that the schema did not document, bodies that were not objects or had
numbers and flags of the wrong JSON type yet were accepted, and an id beyond 64 bits that was
a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.cases.loop_helpers import drive_to
from wangge.cases.models import CaseEvent
from wangge.cases.workflow import CaseState
from wangge.core.apikeys import create_api_key
from wangge.notifications.models import Notification

API = "/api/v1"
SAFE_METHODS = {"get", "head", "options"}


@pytest.fixture
def key_of(cast):
    def key(user) -> dict[str, str]:
        _key, raw = create_api_key(None, f"key of {user.username}", user=user)
        return {"HTTP_X_API_KEY": raw}

    return key


def post_json(client: Client, path: str, body: Any, headers: dict[str, str]) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def documented(client: Client) -> dict[str, dict[str, Any]]:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    return {
        f"{method.upper()} {path}": operation
        for path, operations in paths.items()
        for method, operation in operations.items()
    }


# --- statuses the layer answers before an operation runs --------------------------------------


def test_every_operation_documents_the_401_of_a_client_without_credentials(db, client):
    operations = documented(client)

    undocumented = [label for label, op in operations.items() if "401" not in op["responses"]]

    assert operations and not undocumented


def test_an_unsafe_operation_documents_the_403_of_the_csrf_check(db, client):
    unsafe = {label: op for label, op in documented(client).items() if label.split()[0] != "GET"}

    assert [label for label, op in unsafe.items() if "403" not in op["responses"]] == []
    browser = Client(enforce_csrf_checks=True)
    response = post_json(browser, f"{API}/locate/bulk", {"points": []}, {})
    assert response.status_code == 403  # no CSRF cookie: refused before the login is asked for


def test_an_operation_with_a_body_documents_the_400_of_a_body_that_is_not_json(cast, key_of):
    client = Client()
    operations = documented(client)
    with_body = [
        label
        for label, op in operations.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
        and label != "POST /api/v1/org/grids/import"  # reads the bytes itself: 422 names them
    ]

    response = post_json(client, f"{API}/locate/bulk", "{not json", key_of(cast.leader))

    assert response.status_code == 400
    assert [label for label in with_body if "400" not in operations[label]["responses"]] == []


def test_an_operation_with_parameters_documents_the_422_of_a_value_off_its_schema(cast, key_of):
    client = Client()
    operations = documented(client)
    with_input = [
        label for label, op in operations.items() if op.get("parameters") or op.get("requestBody")
    ]

    response = client.get(f"{API}/locate", {"lon": 200, "lat": 22}, **key_of(cast.leader))

    assert response.status_code == 422
    assert "422" in operations["GET /api/v1/locate"]["responses"]
    assert [label for label in with_input if "422" not in operations[label]["responses"]] == []


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[1, 2]", "null", "3", '"all"'])
def test_a_body_that_is_not_an_object_marks_no_notice_read(cast, key_of, body):
    drive_to(cast, CaseState.REPORTED)  # queues notices for the dispatcher
    unread = Notification.objects.filter(read_at__isnull=True).count()

    response = post_json(Client(), f"{API}/notifications/read", body, key_of(cast.dispatcher))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload"]
    assert Notification.objects.filter(read_at__isnull=True).count() == unread


def test_a_list_for_an_actions_body_is_refused_and_writes_nothing(cast, key_of):
    case = drive_to(cast, CaseState.REPORTED)
    events = CaseEvent.objects.count()

    response = post_json(Client(), f"{API}/cases/{case.number}/accept", [], key_of(cast.dispatcher))

    assert response.status_code == 422
    assert CaseEvent.objects.count() == events


def test_null_for_an_actions_optional_body_still_means_no_input(cast, key_of):
    case = drive_to(cast, CaseState.REPORTED)

    response = post_json(
        Client(), f"{API}/cases/{case.number}/accept", "null", key_of(cast.dispatcher)
    )

    assert response.status_code == 200
    assert response.json()["state"] == CaseState.ACCEPTED


def test_a_list_for_a_persons_changes_is_refused(cast, key_of):
    from tests.people.helpers import person_in

    person = person_in(cast.tree.grid_a)
    client = Client()

    response = client.patch(
        f"{API}/people/persons/{person.pk}",
        data="[]",
        content_type="application/json",
        **key_of(cast.administrator),
    )

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/notifications/read", {"ids": [True]}, "ids"),
        ("/notifications/read", {"all": 1}, "all"),
        ("/notifications/read", {"all": "yes"}, "all"),
        ("/locate/bulk", {"points": [[True, False]]}, "points"),
    ],
)
def test_a_number_or_flag_of_another_json_type_is_refused(cast, key_of, path, body, field):
    response = post_json(Client(), f"{API}{path}", body, key_of(cast.dispatcher))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "payload", field]


def test_a_boolean_for_the_case_version_is_refused(cast, key_of):
    case = drive_to(cast, CaseState.REPORTED)

    response = post_json(
        Client(), f"{API}/cases/{case.number}/accept", {"version": True}, key_of(cast.dispatcher)
    )

    assert response.status_code == 422
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_notice_id_beyond_64_bits_is_a_422_not_a_500(cast, key_of):
    response = post_json(
        Client(), f"{API}/notifications/read", {"ids": [2**70]}, key_of(cast.dispatcher)
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "ids", 0]
