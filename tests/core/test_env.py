import pytest
from django.core.exceptions import ImproperlyConfigured

from wangge.core.env import env_bool, env_float, env_int, env_list, env_str


def test_unset_variables_take_their_default():
    assert env_str("WANGGE_X", "default", environ={}) == "default"
    assert env_bool("WANGGE_X", True, environ={}) is True
    assert env_int("WANGGE_X", 7, environ={}) == 7
    assert env_list("WANGGE_X", ["a"], environ={}) == ["a"]


def test_values_are_parsed_to_their_type():
    env = {"B": "yes", "I": " 42 ", "F": "0.5", "L": "a.example, b.example,"}
    assert env_bool("B", False, environ=env) is True
    assert env_int("I", 0, environ=env) == 42
    assert env_float("F", 1.0, environ=env) == 0.5
    assert env_list("L", [], environ=env) == ["a.example", "b.example"]


@pytest.mark.parametrize(
    ("reader", "value"),
    [(env_bool, "maybe"), (env_int, "many"), (env_float, "lots"), (env_float, "nan")],
)
def test_a_bad_value_fails_loudly_naming_the_variable(reader, value):
    with pytest.raises(ImproperlyConfigured, match="WANGGE_BAD"):
        reader("WANGGE_BAD", reader is env_bool or 1, environ={"WANGGE_BAD": value})


def test_a_number_below_its_minimum_is_refused():
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("WANGGE_N", 5, environ={"WANGGE_N": "0"}, minimum=1)
