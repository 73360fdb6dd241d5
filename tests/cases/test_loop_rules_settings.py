"""The city edits its loop rules (how often a case may be reopened) as data."""

from __future__ import annotations

import pytest

from wangge.cases.exceptions import CaseInvalid, NotAllowed
from wangge.cases.services import loop_rules, update_loop_rules
from wangge.core.models import AuditEntry


def test_a_city_administrator_allows_two_reopens(cast) -> None:
    update_loop_rules(cast.administrator, max_reopens=2, reopen_on_dissatisfied=True)

    assert loop_rules().max_reopens == 2
    assert AuditEntry.objects.filter(action="cases.loop_rules", actor=cast.administrator).exists()


def test_a_dispatcher_may_not_change_the_rules(cast) -> None:
    with pytest.raises(NotAllowed):
        update_loop_rules(cast.dispatcher, max_reopens=5, reopen_on_dissatisfied=True)

    assert loop_rules().max_reopens == 1


@pytest.mark.parametrize("value", [-1, 11, "2", True])
def test_a_bad_reopen_limit_is_refused_by_name(cast, value) -> None:
    with pytest.raises(CaseInvalid) as refused:
        update_loop_rules(cast.administrator, max_reopens=value, reopen_on_dissatisfied=True)

    assert refused.value.field == "max_reopens"
    assert loop_rules().max_reopens == 1
