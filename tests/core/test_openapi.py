"""The API describes itself in a valid OpenAPI document, and answers only logged-in users."""

from openapi_spec_validator import validate


def test_the_openapi_document_is_served_and_valid(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert "/api/v1/locate" in document["paths"]


def test_every_operation_requires_a_login(client, db):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} is open to anyone"


def test_an_anonymous_caller_is_refused(client, db):
    response = client.get("/api/v1/locate", {"lon": 113.08, "lat": 22.58})
    assert response.status_code == 401
