import pytest
from django.test import RequestFactory
from ninja.errors import HttpError, ValidationError

from wangge.core.api_refusals import answer_refusals
from wangge.core.refusals import Refusal


class AppError(Refusal):
    pass


class NotFound(AppError):
    pass


class NotAllowed(AppError):
    pass


class Conflict(AppError):
    pass


class Locked(Conflict):
    pass


class OtherAppError(Refusal):
    pass


def _answer(error, method="post", body_fields=None, statuses=None):
    statuses = statuses or {NotFound: 404, NotAllowed: 403, Conflict: 409}

    @answer_refusals(AppError, statuses, body_fields)
    def view(request):
        """The view's own docstring."""
        raise error

    assert view.__name__ == "view"
    assert view.__doc__ == "The view's own docstring."
    view(getattr(RequestFactory(), method)("/"))


@pytest.mark.parametrize(
    ("error", "status"),
    [(NotFound("No such."), 404), (NotAllowed("Not you."), 403), (Conflict("Too late."), 409)],
)
def test_a_kind_named_in_the_statuses_is_answered_with_its_status_and_message(error, status):
    with pytest.raises(HttpError) as raised:
        _answer(error)
    assert raised.value.status_code == status
    assert str(raised.value) == error.message


def test_a_subclass_takes_the_status_of_its_kind_and_the_first_match_wins():
    with pytest.raises(HttpError) as raised:
        _answer(Locked("Locked."))
    assert raised.value.status_code == 409
    with pytest.raises(HttpError) as raised:
        _answer(Locked("Locked."), statuses={Locked: 423, Conflict: 409})
    assert raised.value.status_code == 423


@pytest.mark.parametrize(
    ("method", "field", "loc"),
    [
        ("post", "x", ["body", "x"]),
        ("patch", "x", ["body", "x"]),
        ("get", "x", ["query", "x"]),
        ("head", "x", ["query", "x"]),
        ("post", "", ["body", "__all__"]),
        ("get", "", ["query", "__all__"]),
    ],
)
def test_any_other_refusal_of_the_base_is_a_422_naming_the_field(method, field, loc):
    with pytest.raises(ValidationError) as raised:
        _answer(AppError("Wrong.", field), method=method)
    assert raised.value.errors == [{"loc": loc, "msg": "Wrong."}]


def test_a_refusal_without_message_answers_its_default_message():
    with pytest.raises(ValidationError) as raised:
        _answer(AppError(None, "x"))
    assert raised.value.errors == [{"loc": ["body", "x"], "msg": AppError().default_message()}]


def test_body_fields_rename_the_field_as_the_api_calls_it():
    renames = {"compound": "compound_id"}
    with pytest.raises(ValidationError) as raised:
        _answer(AppError("Wrong.", "compound"), body_fields=renames)
    assert raised.value.errors == [{"loc": ["body", "compound_id"], "msg": "Wrong."}]
    with pytest.raises(ValidationError) as raised:
        _answer(AppError("Wrong.", "other"), body_fields=renames)
    assert raised.value.errors == [{"loc": ["body", "other"], "msg": "Wrong."}]


def test_another_apps_refusal_and_other_errors_pass_untouched():
    error = OtherAppError("Not ours.", "x")
    with pytest.raises(OtherAppError) as raised:
        _answer(error)
    assert raised.value is error
    with pytest.raises(KeyError):
        _answer(KeyError("boom"))


def test_what_the_view_returns_is_answered_unchanged():
    @answer_refusals(AppError, {NotFound: 404})
    def view(request, *args, **kwargs):
        return (args, kwargs)

    assert view(RequestFactory().get("/"), 1, a=2) == ((1,), {"a": 2})
