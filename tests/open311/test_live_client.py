"""An independent GeoReport v2 client, `georeport` from PyPI, against the live server.

`georeport` (0.3.1) reads services, service definitions and requests in JSON and XML, but has
no way to create a request ("does not currently support the creation of new 311 service
requests", its README). The other two clients on PyPI do not import on Python 3 at all:
`open311` 1.1 fails with "ImportError: cannot import name 'Open311' from partially initialized
module 'open311'" (Python 2 implicit relative imports) and `three` 0.8.0 with "ImportError:
cannot import name 'ifilter' from 'itertools'". So the POST is sent with the standard library,
form-encoded as the spec says, and everything around it goes through `georeport`.
"""

from __future__ import annotations

import importlib
import itertools
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from georeport import GeoReport

from tests.cases.loop_helpers import IN_GRID_A
from wangge.cases.models import Case

pytestmark = pytest.mark.django_db(transaction=True)

JURISDICTION = "jiangmen.gov.cn"
_map_versions = itertools.count(2_000_000, 1_000)


@pytest.fixture(autouse=True)
def _shipped_rows(transactional_db: None, settings) -> None:
    """Put back the rows the migrations ship, which the flush after a committed test removes,
    and start from a map version no earlier test used with other grids."""
    from django.apps import apps

    from wangge.org.locate import forget_index
    from wangge.org.models import MapVersion

    forget_index()
    importlib.import_module("wangge.org.migrations.0002_default_grid_kinds").add_default_kinds(
        apps, None
    )
    importlib.import_module(
        "wangge.cases.migrations.0002_default_categories"
    ).add_default_categories(apps, None)
    MapVersion.objects.filter(pk=1).update(version=next(_map_versions))
    settings.OPEN311_JURISDICTION_ID = JURISDICTION


def post_form(url: str, form: dict[str, str]) -> tuple[int, Any]:
    """POST a form-encoded body; (status, parsed JSON), errors included."""
    request = urllib.request.Request(  # noqa: S310 (the live server's own http:// URL)
        url, data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_a_georeport_client_lists_defines_posts_and_reads_back(
    live_server, cast, integration_key, output_format
):
    base = f"{live_server.url}/open311/v2"
    client = GeoReport(
        base, jurisdiction=JURISDICTION, api_key=integration_key, output_format=output_format
    )

    services = client.get_service_list()
    definition = client.get_service_definition("E0503")
    status, answer = post_form(
        f"{base}/requests.json",
        {
            "api_key": integration_key,
            "jurisdiction_id": JURISDICTION,
            "service_code": "E0503",
            "lat": str(IN_GRID_A[1]),
            "long": str(IN_GRID_A[0]),
            "address_string": "石冲路 8 号",
            "description": "燃气味很重",
            "first_name": "三",
            "last_name": "张",
            "attribute[people_trapped]": "no",
        },
    )
    number = answer[0]["service_request_id"]
    one = client.get_service_request(number)
    found = client.get_service_requests(service_request_id=number, status="open")

    gas = next(s for s in services if s["service_code"] == "E0503")
    assert gas["service_name"] == "燃气泄漏"
    assert str(gas["metadata"]).lower() == "true"
    assert definition["service_code"] == "E0503"
    attribute = definition["attributes"]
    if output_format == "xml":  # xmltodict: one child element is a dict, not a list
        attribute = attribute["attribute"]
        values = attribute["values"]["value"]
    else:
        (attribute,) = attribute
        values = attribute["values"]
    assert attribute["code"] == "people_trapped"
    assert [v["key"] for v in values] == ["yes", "no"]

    assert status == 201
    assert Case.objects.get(number=number).area == cast.tree.grid_a

    if output_format == "xml":
        found = [found]  # xmltodict again: the one request element
    assert [r["service_request_id"] for r in found] == [number]
    assert one["service_request_id"] == number
    assert one["status"] == "open"
    assert one["service_code"] == "E0503"
    assert one["address"] == "石冲路 8 号"
    assert float(one["lat"]) == IN_GRID_A[1]
    assert "张三" not in json.dumps(one, ensure_ascii=False)


def test_the_live_server_refuses_a_post_without_a_key_in_the_error_format(live_server, cast):
    status, answer = post_form(
        f"{live_server.url}/open311/v2/requests.json",
        {"service_code": "C0104", "lat": str(IN_GRID_A[1]), "long": str(IN_GRID_A[0])},
    )

    assert status == 403
    assert answer[0]["code"] == 403
    assert Case.objects.count() == 0
