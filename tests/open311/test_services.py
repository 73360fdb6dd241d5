"""GET discovery, GET services and GET services/{service_code}, in both formats."""

from __future__ import annotations

import pytest

from tests.open311.conftest import BASE, json_of, record, xml_of
from wangge.cases.models import Category
from wangge.cases.services import set_category_active


def leaves() -> list[Category]:
    return list(
        Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
    )


# --- discovery ----------------------------------------------------------------------------------


def test_discovery_names_the_v2_endpoint_and_both_formats_in_json(db, client):
    response = client.get(f"{BASE}/discovery.json")

    assert response.status_code == 200
    document = json_of(response)
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert document["changeset"] == endpoint["changeset"]
    assert document["key_service"]


def test_discovery_in_xml_lists_each_format_as_an_element(db, client):
    root = xml_of(client.get(f"{BASE}/discovery.xml"))

    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_a_resource_without_an_extension_answers_in_xml(db, client):
    root = xml_of(client.get(f"{BASE}/discovery"))

    assert root.tag == "discovery"


# --- services -----------------------------------------------------------------------------------


def test_services_are_the_active_subcategories_in_json(db, client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(f"{BASE}/services.json")

    services = json_of(response)
    assert {s["service_code"] for s in services} == {c.code for c in leaves()}
    street_light = next(s for s in services if s["service_code"] == "C0104")
    assert street_light == {
        "service_code": "C0104",
        "service_name": "路灯",
        "description": "公用设施",
        "metadata": True,
        "type": "realtime",
        "keywords": "公用设施,Component",
        "group": "公用设施",
    }
    manhole = next(s for s in services if s["service_code"] == "C0101")
    assert manhole["metadata"] is False


def test_services_in_xml_are_service_elements_with_true_or_false_metadata(db, client):
    root = xml_of(client.get(f"{BASE}/services.xml"))

    assert root.tag == "services"
    by_code = {record(s)["service_code"]: record(s) for s in root.findall("service")}
    assert by_code["C0104"]["metadata"] == "true"
    assert by_code["C0101"]["metadata"] == "false"
    assert "C01" not in by_code  # a class is a group, not a service


def test_a_deactivated_category_is_no_longer_offered(db, client):
    set_category_active(None, Category.objects.get(code="C0104"), is_active=False)

    services = json_of(client.get(f"{BASE}/services.json"))

    assert "C0104" not in {s["service_code"] for s in services}
    assert client.get(f"{BASE}/services/C0104.json").status_code == 404


# --- service definitions ------------------------------------------------------------------------


def test_a_service_definition_lists_its_list_attribute_with_values_in_json(db, client):
    response = client.get(f"{BASE}/services/E0503.json")

    assert response.status_code == 200
    assert json_of(response) == {
        "service_code": "E0503",
        "attributes": [
            {
                "variable": True,
                "code": "people_trapped",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "Choose one of the values.",
                "order": 1,
                "description": "是否有人员受困",
                "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
            }
        ],
    }


def test_a_service_definition_in_xml_nests_attribute_and_value_elements(db, client):
    root = xml_of(client.get(f"{BASE}/services/E0503.xml"))

    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "E0503"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("required") == "true"
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert [(v.findtext("key"), v.findtext("name")) for v in attribute.findall("values/value")] == [
        ("yes", "是"),
        ("no", "否"),
    ]


def test_a_service_without_attributes_has_an_empty_definition(db, client):
    assert json_of(client.get(f"{BASE}/services/C0101.json")) == {
        "service_code": "C0101",
        "attributes": [],
    }


@pytest.mark.parametrize("code", ["NOPE", "C01"])
def test_an_unknown_service_or_a_class_is_404_in_the_error_format(db, client, code):
    response = client.get(f"{BASE}/services/{code}.xml")

    assert response.status_code == 404
    root = xml_of(response)
    assert root.tag == "errors"
    error = record(root.find("error"))
    assert error["code"] == "404"
    assert error["description"].startswith("service_code: ")
