"""POST requests: a form-encoded service request filed through `report_case` as the key's
account; every refusal in the spec's error list, with nothing written."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.loop_helpers import IN_GRID_A, NOWHERE
from tests.open311.conftest import BASE, json_of, record, xml_of
from wangge.cases.models import Case, Category
from wangge.cases.services import create_category
from wangge.core.models import ApiKey


def light(**overrides) -> dict[str, str]:
    """A valid street-light request inside grid A."""
    return {
        "service_code": "C0104",
        "lat": str(IN_GRID_A[1]),
        "long": str(IN_GRID_A[0]),
        "description": "路灯不亮，晚上很黑",
        **overrides,
    }


def post(client, data: dict, *, fmt: str = "json", query: str = "", **headers):
    path = f"{BASE}/requests.{fmt}" + (f"?{query}" if query else "")
    return client.post(path, data, headers=headers)


def refused(response, status: int) -> str:
    """The one error's description, after checking the status and the error format."""
    assert response.status_code == status
    (error,) = json_of(response)
    assert error["code"] == status
    return error["description"]


# --- filing -------------------------------------------------------------------------------------


def test_a_request_is_filed_as_the_keys_account(cast, client, integration_key):
    response = post(
        client,
        light(api_key=integration_key, first_name="三", last_name="张", phone="138-0013-8000"),
    )

    assert response.status_code == 201
    case = Case.objects.get()
    assert json_of(response) == [
        {
            "service_request_id": case.number,
            "token": case.number,
            "service_notice": "To be handled within 3 working days of dispatch.",
            "account_id": None,
        }
    ]
    assert case.reported_by == ApiKey.objects.get(name="city app").user
    assert case.channel == "resident"
    assert case.category.code == "C0104"
    assert case.area == cast.tree.grid_a
    assert case.state == "reported"
    assert (case.reporter_name, case.reporter_phone) == ("张三", "13800138000")


def test_the_phone_is_stored_encrypted(cast, client, integration_key):
    post(client, light(api_key=integration_key, phone="13800138000"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM cases_case")
        (stored,) = cursor.fetchone()
    assert stored and "13800138000" not in stored


def test_a_western_name_keeps_its_order(cast, client, integration_key):
    post(client, light(api_key=integration_key, first_name="John", last_name="Smith"))

    assert Case.objects.get().reporter_name == "John Smith"


def test_the_api_key_may_come_in_the_query_string(cast, client, integration_key):
    response = post(client, light(), query=f"api_key={integration_key}")

    assert response.status_code == 201
    assert Case.objects.count() == 1


def test_the_answer_comes_in_xml_too(cast, client, integration_key):
    response = post(client, light(api_key=integration_key), fmt="xml")

    assert response.status_code == 201
    root = xml_of(response)
    assert root.tag == "service_requests"
    fields = record(root.find("request"))
    assert fields["service_request_id"] == Case.objects.get().number
    assert fields["account_id"] == ""


def test_an_address_alone_is_enough(cast, client, integration_key):
    data = light(api_key=integration_key, address_string="石冲路 1 号")
    del data["lat"], data["long"]

    response = post(client, data)

    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.address, case.lon, case.needs_grid) == ("石冲路 1 号", None, True)


def test_attributes_are_kept_by_their_code(cast, client, integration_key):
    response = post(
        client,
        light(
            api_key=integration_key,
            service_code="E0503",
            description="燃气味很重",
            **{"attribute[people_trapped]": "no", "attribute[not_ours]": "x"},
        ),
    )

    assert response.status_code == 201
    assert Case.objects.get().attributes == {"people_trapped": "no"}


def test_a_multivaluelist_takes_repeated_values(cast, client, integration_key):
    create_category(
        None,
        code="E0506",
        name="积水",
        kind="event",
        parent=Category.objects.get(code="E05"),
        open311_attributes=[
            {
                "code": "where",
                "datatype": "multivaluelist",
                "required": True,
                "description": "位置",
                "values": [
                    {"key": "road", "name": "道路"},
                    {"key": "tunnel", "name": "隧道"},
                    {"key": "yard", "name": "小区"},
                ],
            }
        ],
    )
    data = light(api_key=integration_key, service_code="E0506", description="积水很深")
    data["attribute[where][]"] = ["road", "tunnel"]

    response = post(client, data)

    assert response.status_code == 201
    assert Case.objects.get().attributes == {"where": ["road", "tunnel"]}


def test_media_url_is_written_under_the_description(cast, client, integration_key):
    post(
        client,
        light(api_key=integration_key, media_url="https://img.example.org/light.jpg"),
    )

    assert Case.objects.get().description == (
        "路灯不亮，晚上很黑\n\nmedia_url: https://img.example.org/light.jpg"
    )


def test_account_id_is_echoed_and_kept_as_the_source_reference(cast, client, integration_key):
    response = post(client, light(api_key=integration_key, account_id="u-42", device_id="d-1"))

    assert json_of(response)[0]["account_id"] == "u-42"
    assert Case.objects.get().source_ref == "u-42"


def test_device_id_is_kept_when_there_is_no_account(cast, client, integration_key):
    post(client, light(api_key=integration_key, device_id="phone-7"))

    assert Case.objects.get().source_ref == "phone-7"


def test_email_is_not_kept(cast, client, integration_key):
    post(client, light(api_key=integration_key, email="zhang@example.org"))

    case = Case.objects.values().get()
    assert not any("zhang@example.org" in str(value) for value in case.values())


def test_the_same_idempotency_key_files_one_request(cast, client, integration_key):
    first = post(client, light(api_key=integration_key), **{"Idempotency-Key": "k-1"})
    again = post(client, light(api_key=integration_key), **{"Idempotency-Key": "k-1"})
    other = post(client, light(api_key=integration_key), **{"Idempotency-Key": "k-2"})

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert json_of(first) == json_of(again)
    assert Case.objects.count() == 2


def test_a_grid_workers_key_files_a_patrol_report(cast, client, grid_worker_key):
    post(client, light(api_key=grid_worker_key))

    case = Case.objects.get()
    assert (case.reported_by, case.channel) == (cast.grid_worker_a, "grid_patrol")


def test_a_point_outside_every_grid_waits_for_a_dispatcher(cast, client, integration_key):
    response = post(
        client, light(api_key=integration_key, lat=str(NOWHERE[1]), long=str(NOWHERE[0]))
    )

    assert response.status_code == 201
    assert Case.objects.get().needs_grid is True


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "status", "starts"),
    [
        (light(), 403, "api_key: "),
        (light(api_key="wg_nope"), 403, "api_key: "),
        (light(api_key="KEY", service_code=""), 400, "service_code: "),
        (light(api_key="KEY", service_code="NOPE"), 400, "service_code: "),
        (light(api_key="KEY", service_code="C01"), 400, "service_code: "),
        (light(api_key="KEY", description=""), 400, "description: "),
        (light(api_key="KEY", lat="", long=""), 400, "lat/long/address_string: "),
        (light(api_key="KEY", long=""), 400, "long: "),
        (light(api_key="KEY", lat="north"), 400, "lat: "),
        (light(api_key="KEY", lat="nan"), 400, "lat: "),
        (light(api_key="KEY", long="1e999"), 400, "long: "),
        (light(api_key="KEY", phone="12"), 400, "phone: "),
        (light(api_key="KEY", first_name="x" * 60), 400, "first_name/last_name: "),
        (light(api_key="KEY", account_id="a" * 65), 400, "account_id/device_id: "),
        (light(api_key="KEY", media_url="ftp://example.org/x.jpg"), 400, "media_url: "),
        (light(api_key="KEY", service_code="E0503"), 400, "attribute[people_trapped]: "),
        (
            light(api_key="KEY", service_code="E0503", **{"attribute[people_trapped]": "maybe"}),
            400,
            "attribute[people_trapped]: ",
        ),
        (
            {"api_key": "KEY", "service_code": "C0104", "address_id": "A-17", "description": "x"},
            400,
            "address_id: ",
        ),
        (light(api_key="KEY", service_code="C01\x0004"), 400, "service_code: "),
        (light(api_key="KEY", description="a" * 4001), 400, "description: "),
    ],
)
def test_a_refused_request_writes_nothing(cast, client, integration_key, data, status, starts):
    data = {k: (integration_key if v == "KEY" else v) for k, v in data.items()}

    description = refused(post(client, data), status)

    assert description.startswith(starts)
    assert Case.objects.count() == 0


def test_a_missing_required_attribute_is_named_in_xml(cast, client, integration_key):
    response = post(client, light(api_key=integration_key, service_code="E0503"), fmt="xml")

    assert response.status_code == 400
    root = xml_of(response)
    assert root.tag == "errors"
    error = record(root.find("error"))
    assert error == {
        "code": "400",
        "description": "attribute[people_trapped]: “是否有人员受困” is required.",
    }


def test_a_key_of_a_disabled_account_is_refused(cast, client, grid_worker_key):
    cast.grid_worker_a.is_active = False
    cast.grid_worker_a.save(update_fields=["is_active"])

    assert refused(post(client, light(api_key=grid_worker_key)), 403).startswith("api_key: ")
    assert Case.objects.count() == 0


def test_an_overlong_idempotency_key_is_refused(cast, client, integration_key):
    response = post(client, light(api_key=integration_key), **{"Idempotency-Key": "k" * 300})

    assert refused(response, 400).startswith("Idempotency-Key: ")
    assert Case.objects.count() == 0
