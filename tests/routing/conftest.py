"""Fixtures of the routing tests: categories with a default department, and an active model
version trained on closed cases of three categories."""

from __future__ import annotations

import pytest

from tests.cases.loop_helpers import file_case
from tests.routing.examples import labelled
from wangge.cases.models import Case
from wangge.cases.services.categories import find_category, update_category
from wangge.routing import services
from wangge.routing.models import ModelVersion

LAMP, NOISE, RUBBISH = "C0104", "R0501", "E0101"


@pytest.fixture
def departments(cast) -> None:
    """The three categories dispatch to 城管局 by default (the demo sets such defaults)."""
    for code in (LAMP, NOISE, RUBBISH):
        update_category(None, find_category(code), default_department=cast.tree.department)


def _closed_cases(cast, per_class: int = 20) -> None:
    """Closed cases of three categories; the state is set directly (training reads only the
    text, the category and that the case is closed)."""
    texts, labels = labelled(per_class)
    for text, label in zip(texts, labels, strict=True):
        case = file_case(cast.grid_worker_a, category=label, description=text)
        Case.objects.filter(pk=case.pk).update(state="closed")


@pytest.fixture
def trained(cast, departments) -> ModelVersion:
    _closed_cases(cast)
    return services.train_from_cases(cast.administrator)
