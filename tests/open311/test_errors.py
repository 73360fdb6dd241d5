"""The spec's error list for everything refused, never an HTML page and never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.loop_helpers import IN_GRID_A
from tests.open311.conftest import BASE, json_of, record, xml_of
from wangge.cases.models import Case


@pytest.fixture
def jiangmen(settings):
    settings.OPEN311_JURISDICTION_ID = "jiangmen.gov.cn"


# --- jurisdiction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["discovery.xml", "services.xml", "services/C0104.xml", "requests.xml"]
)
def test_another_jurisdiction_is_404(db, client, jiangmen, path):
    response = client.get(f"{BASE}/{path}", {"jurisdiction_id": "sf.gov"})

    assert response.status_code == 404
    error = record(xml_of(response).find("error"))
    assert error["code"] == "404"
    assert error["description"].startswith("jurisdiction_id: ")


def test_our_jurisdiction_or_none_is_served(db, client, jiangmen):
    named = client.get(f"{BASE}/services.json", {"jurisdiction_id": "jiangmen.gov.cn"})
    unnamed = client.get(f"{BASE}/services.json")

    assert (named.status_code, unnamed.status_code) == (200, 200)


def test_any_jurisdiction_is_served_when_none_is_set(db, client):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "x"}).status_code == 200


def test_a_post_to_another_jurisdiction_writes_nothing(cast, client, jiangmen, integration_key):
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": integration_key,
            "jurisdiction_id": "sf.gov",
            "service_code": "C0104",
            "lat": IN_GRID_A[1],
            "long": IN_GRID_A[0],
            "description": "路灯不亮",
        },
    )

    assert response.status_code == 404
    assert json_of(response)[0]["description"].startswith("jurisdiction_id: ")
    assert Case.objects.count() == 0


# --- everything else ----------------------------------------------------------------------------


def test_an_unknown_resource_is_404_in_xml(db, client):
    response = client.get(f"{BASE}/nothing/here")

    assert response.status_code == 404
    assert xml_of(response).tag == "errors"


def test_an_unknown_resource_asked_for_in_json_is_404_in_json(db, client):
    response = client.get(f"{BASE}/nothing.json")

    assert response.status_code == 404
    assert json_of(response) == [{"code": 404, "description": "There is no such Open311 resource."}]


def test_an_unsupported_format_is_404(db, client):
    assert client.get(f"{BASE}/services.csv").status_code == 404


def test_a_method_the_resource_does_not_take_is_405(db, client):
    response = client.put(f"{BASE}/services.json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json_of(response)[0]["code"] == 405


def test_head_is_answered_like_get(db, client):
    assert client.head(f"{BASE}/services.xml").status_code == 200


def test_post_needs_no_csrf_token(cast, integration_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    response = strict.post(f"{BASE}/requests.json", {"api_key": integration_key})

    assert response.status_code == 400  # the form's fault, not CSRF's 403


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-13-45"},
        {"end_date": "0001-01-01T00:00:00+14:00"},
        {"start_date": "2026-03-01", "end_date": "2026-01-01"},
        {"start_date": "2025-01-01", "end_date": "2026-01-01"},
        {"status": "pending"},
        {"service_request_id": ",".join(str(n) for n in range(1001))},
        {"service_request_id": "1\x002"},
        {"service_code": "C01\x0004"},
        {"extensions": "\x00"},
    ],
)
def test_bad_search_parameters_are_400_naming_the_parameter(db, client, params):
    response = client.get(f"{BASE}/requests.xml", params)

    assert response.status_code == 400
    error = record(xml_of(response).find("error"))
    assert error["description"].split(":")[0] in params


@pytest.mark.parametrize("path", ["services/C01%0004.json", "requests/1%002.json"])
def test_a_nul_in_the_path_is_400(db, client, path):
    assert client.get(f"{BASE}/{path}").status_code == 400


def test_a_body_that_cannot_be_read_is_400(db, client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    data = {f"attribute[a{n}]": "x" for n in range(10)}

    response = client.post(f"{BASE}/requests.json", data)

    assert response.status_code == 400
    assert json_of(response)[0]["code"] == 400


FIELDS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "first_name",
    "last_name",
    "phone",
    "email",
    "media_url",
    "account_id",
    "device_id",
    "attribute[people_trapped]",
    "attribute[people_trapped][]",
    "jurisdiction_id",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=80), max_size=8))
def test_no_posted_form_makes_a_500(cast, client, integration_key, form):
    data = {"service_code": "E0503", **form, "api_key": integration_key}

    response = client.post(f"{BASE}/requests.xml", data)

    assert response.status_code in (201, 400, 404)
    root = xml_of(response)
    assert root.tag == ("service_requests" if response.status_code == 201 else "errors")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["service_request_id", "service_code", "start_date", "end_date", "status", "api_key"]
        ),
        st.text(max_size=40),
        max_size=4,
    )
)
def test_no_search_makes_a_500(db, client, params):
    response = client.get(f"{BASE}/requests.json", params)

    assert response.status_code in (200, 400, 403)
    json_of(response)
