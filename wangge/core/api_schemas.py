"""What the apps' API schemas share about a JSON body: an object, whose numbers and flags are
what the documented schema says.

django-ninja parses a body before pydantic validates it, in pydantic's lax mode, which would
take `true` for 1 in a number field and 1 or "yes" for true in a flag. These strict types take
only what the documented JSON schema says (an integer is still a number), so a schema-violating
body is a 422, as a client reading the schema expects."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BaseModel, Field, Strict, model_validator

BodyInt = Annotated[int, Strict()]
BodyFloat = Annotated[float, Strict()]
BodyBool = Annotated[bool, Strict()]
# A row id: SQLite and PostgreSQL hold 64 bits, and a larger number must be a 422, not a 500.
BodyId = Annotated[int, Strict(), Field(ge=1, le=2**63 - 1)]
# The same in a path or query parameter, where a number arrives as text.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text, even in a lookup: refused here, it is a 422, not a 500.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


# Text from a client, in a body, path or query.
Text = Annotated[str, AfterValidator(_no_nul)]


class BodyIn(Schema):
    """A JSON body, which is an object. django-ninja's schemas read any value through its
    attributes, so a list or null would pass as an object with every field missing, and an
    operation whose fields all have defaults would accept it. Another value is read as an empty
    object, so that the required fields are named as missing; a schema without any refuses it."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        given = data._obj if isinstance(data, DjangoGetter) else data
        if isinstance(given, dict | BaseModel):
            return data
        if any(field.is_required() for field in cls.model_fields.values()):
            return {}
        raise ValueError("The body must be a JSON object")


# The answers every app's API gives on a refusal, one class each: the OpenAPI document names a
# schema by its class, so two classes of one name would overwrite each other there.
class Detail(Schema):
    detail: str


class FieldError(Schema):
    loc: list[str | int] = Field(description='Where the bad value is, e.g. ["body", "lat"]')
    msg: str


class FieldErrors(Schema):
    detail: list[FieldError]
