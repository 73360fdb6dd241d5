"""The visit endpoint with a real target takes any JSON body without a 5xx: a 201/200 for a
valid one, a 4xx naming the field for the rest (the suite-wide fuzz test knows no campaign)."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.campaigns.helpers import opened, street
from tests.clients import logged_in
from wangge.campaigns.models import Target

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "client_uuid": st.uuids().map(str) | st.text(max_size=40),
            "outcome": st.sampled_from(["registered", "not_home", "x"]) | st.text(max_size=40),
            "answers": st.dictionaries(st.text(max_size=25), json_values, max_size=4) | json_values,
            "note": json_values,
            "visited_at": st.datetimes().map(lambda d: d.isoformat() + "+08:00")
            | st.text(max_size=30),
            "new_resident": st.fixed_dictionaries(
                {"name": st.text(max_size=70)},
                optional={
                    "document_type": st.text(max_size=22),
                    "document_number": st.text(max_size=34),
                    "phone": st.text(max_size=32),
                    "relation": st.text(max_size=9),
                    "moved_in": st.dates().map(str) | st.text(max_size=12),
                },
            )
            | json_values,
        },
    )
    | json_values
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_no_body_makes_a_server_error(cast, body):
    if not Target.objects.exists():
        street(cast.tree.grid_a, 1)
        opened(cast.community_staff, cast.tree.community)
    target = Target.objects.first()
    if isinstance(body, dict) and body.get("client_uuid") is None:
        body["client_uuid"] = str(uuid.uuid4())
    response = logged_in(cast.grid_worker_a).post(
        f"/api/v1/campaign-targets/{target.pk}/visits",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code in (200, 201, 400, 403, 404, 409, 422), response.content
