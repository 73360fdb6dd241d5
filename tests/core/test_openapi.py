"""The API describes itself in a valid OpenAPI document, and answers only logged-in users."""

import json

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


def test_no_two_schemas_of_the_api_share_a_name_with_different_shapes():
    """The OpenAPI document names each schema by its class name: two different classes of one
    name overwrite each other there, and clients validate against the wrong one."""
    from ninja import Schema

    import wangge.api  # noqa: F401  (imports every app's schemas)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    by_name: dict[str, dict[str, dict]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("wangge."):
            shape = cls.model_json_schema()
            shape.pop("description", None)
            by_name.setdefault(cls.__name__, {})[f"{cls.__module__}.{cls.__qualname__}"] = shape
    clashes = {
        name: sorted(classes)
        for name, classes in by_name.items()
        if len({json.dumps(shape, sort_keys=True) for shape in classes.values()}) > 1
    }
    assert not clashes
