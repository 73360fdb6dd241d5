import pytest

from wangge.core.scope import Scope


def test_a_path_inside_another_root_adds_nothing():
    assert Scope.of(["/1/2/", "/1/", "/3/4/"]).paths == frozenset({"/1/", "/3/4/"})


def test_contains_is_by_subtree_not_by_text():
    scope = Scope.of(["/1/2/"])
    assert scope.contains("/1/2/")
    assert scope.contains("/1/2/9/")
    assert not scope.contains("/1/22/")
    assert not scope.contains("/1/")
    assert not scope.contains(None)


def test_everything_and_nothing():
    assert Scope.all().contains("/5/")
    assert Scope.nothing().is_empty
    assert not Scope.nothing().contains("/5/")


def test_the_subtree_lookup_refuses_something_that_is_not_a_path(tree):
    from wangge.org.models import OrgUnit

    with pytest.raises(ValueError, match="not a tree path"):
        list(OrgUnit.objects.filter(path__descendant_of="/1/%"))
