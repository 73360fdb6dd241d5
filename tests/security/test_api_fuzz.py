"""Every API operation, fuzzed by schemathesis against the live server, answers as documented:
no 5xx, a documented status and content type, a body matching its schema, and a 4xx for input
the schema forbids. Short (about a minute on SQLite) and derandomized here;
tests/perf/test_api_fuzz_long.py runs longer.

An administrator of the whole tree reaches most operations; a grid worker and an anonymous
client exercise the refusals.

The server is another thread with its own connection, so the world is committed: the rows the
migrations ship are put back before the test (serialized rollback) and the grid index dropped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import Cast
from tests.cases.loop_helpers import drive_to, upload
from tests.people.helpers import house_in, person_in
from tests.security.fuzzing import Persona, fuzz_api
from tests.shipped_data import restore_shipped_rows
from wangge.cases.models import Case, Category
from wangge.cases.workflow import CaseState
from wangge.core.apikeys import create_api_key
from wangge.org.locate import forget_index
from wangge.org.models import OrgUnit
from wangge.people.models import Person, Residence
from wangge.people.services import reveal

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class World:
    cast: Cast
    admin_key: str
    grid_worker_key: str
    known_ids: dict[str, list[Any]]


@pytest.fixture
def _fresh_grid_index() -> Iterator[None]:
    # The flush between committing tests reuses map version numbers: drop the grid index
    # built from the last test's grids.
    forget_index()
    yield
    forget_index()


@pytest.fixture
def _shipped_rows(transactional_db: None) -> None:
    restore_shipped_rows()  # removed by an earlier committing test's flush


@pytest.fixture
def world(_shipped_rows: None, cast: Cast, _fresh_grid_index: None) -> World:
    states = [
        CaseState.REPORTED,
        CaseState.DECLINED,
        CaseState.DISPATCHED,
        CaseState.HANDLING,
        CaseState.HANDLED,
        CaseState.CLOSED,
        CaseState.MERGED,
    ]
    for state in states:
        drive_to(cast, state)
    tree = cast.tree
    house = house_in(tree.grid_a, "101")
    house_in(tree.grid_b, "202", building="2栋", compound="石冲新村")
    owner = person_in(tree.grid_a, "陈玉兰", house=house)
    person_in(tree.grid_b, "李建国")
    reveal(cast.administrator, owner, "phone", "核实联系方式")
    _key, admin_key = create_api_key(None, "fuzz administrator", user=cast.administrator)
    _key, grid_worker_key = create_api_key(None, "fuzz grid worker", user=cast.grid_worker_a)
    known_ids: dict[str, list[Any]] = {
        "code": list(OrgUnit.objects.values_list("code", flat=True))
        + list(Category.objects.values_list("code", flat=True)[:10]),
        "number": list(Case.objects.values_list("number", flat=True)),
        "uid": [upload(cast.administrator)],
        "person_id": list(Person.objects.values_list("pk", flat=True)),
        "house_id": [house.pk],
        "residence_id": list(Residence.objects.values_list("pk", flat=True)),
    }
    return World(cast, admin_key, grid_worker_key, known_ids)


def test_every_operation_answers_as_documented_for_every_persona(live_server, world: World):
    personas = [
        Persona("administrator", {"X-API-Key": world.admin_key}, examples=6),
        Persona("grid worker", {"X-API-Key": world.grid_worker_key}, examples=3),
        Persona("anonymous", {}, examples=1),
    ]

    report = fuzz_api(live_server.url, personas, known_ids=world.known_ids)

    print(report.summary())
    assert not report.findings, report.summary()
    assert len(report.operations) >= 50
