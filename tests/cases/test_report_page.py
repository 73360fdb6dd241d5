"""The "report a case" page (/cases/new/): who may open it, what it offers, and how a post files
a case, or is refused by the field with everything typed kept and nothing written.

The page's script sends the same form with `Accept: application/json` and gets the errors or
the case's URL as JSON; photos it uploads through the API first and cites by uid.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.cases.loop_helpers import (
    DEPARTMENT_CATEGORY,
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    IN_GRID_B,
    NOWHERE,
    footprint,
    photo_bytes,
    upload,
)
from wangge.cases.models import Case, Category
from wangge.cases.queries import active_categories
from wangge.cases.workflow import CaseState
from wangge.core.models import User

URL = "/cases/new/"
EMERGENCY_WITH_REQUIRED_ATTRIBUTE = "E0503"  # 燃气泄漏: "people_trapped" is required


def typed(**fields: object) -> dict[str, object]:
    """What a grid worker in grid A types: a broken street lamp, pinned on the map."""
    return {
        "category": DEPARTMENT_CATEGORY,
        "description": "路灯不亮，晚上很黑",
        "lon": f"{IN_GRID_A[0]:.7f}",
        "lat": f"{IN_GRID_A[1]:.7f}",
        "address": "石冲路 12 号对面",
        "idempotency_key": "form-key-1",
        **fields,
    }


def post(client: Client, user: User, **fields: object) -> HttpResponse:
    client.force_login(user)
    return client.post(URL, typed(**fields))


def error_next_to(page: str, field: str) -> str:
    """The text of the error line of `field` (an empty string when it is hidden)."""
    match = re.search(
        rf'<p class="field-error" id="{re.escape(field)}-error" data-error-for="{re.escape(field)}"'
        rf"( hidden)?>(.*?)</p>",
        page,
        re.S,
    )
    assert match, f"no error line for {field}"
    return "" if match.group(1) else html.unescape(match.group(2)).strip()


def value_of(page: str, input_id: str) -> str:
    match = re.search(rf'<input id="{input_id}"[^>]*?value="([^"]*)"', page)
    assert match, f"no input {input_id}"
    return html.unescape(match.group(1))


def text_of(page: str, textarea_id: str) -> str:
    match = re.search(rf'<textarea id="{textarea_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {textarea_id}"
    return html.unescape(match.group(1))


def checked_category(page: str) -> str | None:
    match = re.search(r'<input type="radio" name="category" value="([^"]+)"[^>]*\bchecked\b', page)
    return match.group(1) if match else None


def only_case() -> Case:
    return Case.objects.select_related("area", "category").get()


def flashed(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- who may open it --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, cast):
    for response in (client.get(URL), client.post(URL, typed())):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["outsider", "leader", "department_handler"])
def test_a_user_without_a_reporting_role_is_refused(client, cast, persona):
    user = getattr(cast, persona)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    before = footprint()
    assert client.post(URL, typed()).status_code == 403
    assert footprint() == before


def test_the_page_offers_every_category_by_class_to_a_grid_worker(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast.grid_worker_a)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    leaves = [c for c in active_categories() if c.parent_id is not None]
    offered = re.findall(r'<input type="radio" name="category" value="([^"]+)"', page)
    assert offered == [c.code for c in leaves]
    for category in Category.objects.filter(parent__isnull=True):
        assert f"<legend>{category.name}</legend>" in page

    def radio(code: str) -> str:
        return re.search(rf'value="{code}"[^>]*>', page).group(0)

    assert 'data-grid-entry="true"' in radio(GRID_ENTRY_CATEGORY)
    assert "data-grid-entry" not in radio(DEPARTMENT_CATEGORY)
    # A labelled search box, the map, the camera and the self-resolve toggle are all there.
    assert '<label for="category-search"' in page and 'id="category-search"' in page
    assert 'accept="image/*" capture="environment" multiple' in page
    assert 'name="resolve_on_the_spot"' in page
    config = json.loads(re.search(r'id="report-config"[^>]*>(.*?)</script>', page).group(1))
    assert config["locateUrl"] == reverse("api:locate_point")
    assert config["uploadUrl"] == reverse("api:attachment_upload")
    # One key per form, so that sending it twice files once; no inline script (the CSP).
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', page)
    assert not re.search(r"<script(?![^>]*(\bsrc=|application/json))", page)


def test_each_form_gets_its_own_idempotency_key(client, cast):
    client.force_login(cast.grid_worker_a)
    keys = {
        re.search(r'name="idempotency_key" value="([^"]+)"', client.get(URL).content.decode())[1]
        for _ in range(2)
    }
    assert len(keys) == 2


# --- filing -----------------------------------------------------------------------------------


def test_a_plain_form_post_files_the_case_in_the_grid_and_opens_it(client, cast):
    response = post(client, cast.grid_worker_a)
    case = only_case()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.area == cast.tree.grid_a and case.needs_grid is False
    assert case.category.code == DEPARTMENT_CATEGORY
    assert case.description == "路灯不亮，晚上很黑" and case.address == "石冲路 12 号对面"
    assert case.reported_by == cast.grid_worker_a and case.channel == "grid_patrol"
    assert case.state == CaseState.REPORTED
    assert flashed(response) == [f"Case {case.number} was filed."]


def test_a_resident_who_raised_it_is_kept_for_the_call_back_and_shown_masked(client, cast):
    post(client, cast.grid_worker_a, reporter_name="陈阿姨", reporter_phone="138 1234 5678")
    case = only_case()
    assert case.reporter_name == "陈阿姨" and case.reporter_phone == "13812345678"
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_a_bad_resident_phone_is_refused_next_to_it_and_what_was_typed_stays(client, cast):
    response = post(client, cast.grid_worker_a, reporter_name="陈阿姨", reporter_phone="12")
    page = response.content.decode()
    assert response.status_code == 400
    assert error_next_to(page, "reporter_phone") == "Enter a phone number of 5 to 20 digits."
    assert value_of(page, "id_reporter_name") == "陈阿姨"
    assert value_of(page, "id_reporter_phone") == "12"
    assert not Case.objects.exists()


def test_photos_sent_as_files_without_the_script_are_kept_with_the_case(client, cast):
    photo = SimpleUploadedFile("IMG_0001.jpg", photo_bytes(), content_type="image/jpeg")
    response = post(client, cast.grid_worker_a, photos=[photo])
    case = only_case()
    assert response.status_code == 302
    assert [a.name for a in case.attachments.all()] == ["IMG_0001.jpg"]


def test_photos_uploaded_by_the_script_through_the_api_are_cited_by_uid(client, cast):
    client.force_login(cast.grid_worker_a)
    photo = SimpleUploadedFile("photo.jpg", photo_bytes(), content_type="image/jpeg")
    uploaded = client.post(
        reverse("api:attachment_upload"), {"file": photo, "photo_only": "true"}
    ).json()
    response = client.post(
        URL, typed(attachments=[uploaded["uid"]]), HTTP_ACCEPT="application/json"
    )
    case = only_case()
    assert response.status_code == 200
    assert response.json() == {
        "redirect": reverse("cases:detail", args=[case.number]),
        "number": case.number,
    }
    assert [str(a.uid) for a in case.attachments.all()] == [uploaded["uid"]]


def test_the_same_idempotency_key_posted_twice_makes_one_case(client, cast):
    first = post(client, cast.grid_worker_a, idempotency_key="retry-me")
    second = post(client, cast.grid_worker_a, idempotency_key="retry-me")
    case = only_case()
    assert first["Location"] == second["Location"] == reverse("cases:detail", args=[case.number])
    assert flashed(second)[-1] == f"This report had already been filed as case {case.number}."
    third = post(client, cast.grid_worker_a, idempotency_key="another-form")
    assert third.status_code == 302 and Case.objects.count() == 2


def test_a_point_outside_every_grid_is_filed_all_the_same(client, cast):
    response = post(
        client, cast.community_staff, lon=str(NOWHERE[0]), lat=str(NOWHERE[1]), address=""
    )
    assert response.status_code == 302
    assert only_case().needs_grid is True


def test_the_chosen_category_s_attributes_are_filed_and_required_ones_asked_for(client, cast):
    name = f"attr-{EMERGENCY_WITH_REQUIRED_ATTRIBUTE}-people_trapped"
    refused = post(client, cast.grid_worker_a, category=EMERGENCY_WITH_REQUIRED_ATTRIBUTE)
    assert refused.status_code == 400
    assert "is required" in error_next_to(refused.content.decode(), name)
    assert Case.objects.count() == 0

    # Values typed for another category's details are not sent with this one.
    other = f"attr-{DEPARTMENT_CATEGORY}-pole_number"
    fields = {"category": EMERGENCY_WITH_REQUIRED_ATTRIBUTE, name: "yes", other: "A-17"}
    assert post(client, cast.grid_worker_a, **fields).status_code == 302
    assert only_case().attributes == {"people_trapped": "yes"}


# --- refusals keep what was typed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"description": "   "}, "description", "This field is required."),
        ({"category": "X9999"}, "category", "Unknown category “X9999”."),
        ({"category": ""}, "category", "Choose a category."),
        ({"lon": "东经113"}, "location", "This must be a number."),
        ({"lat": "95"}, "location", "This must lie between -90 and 90."),
        (
            {"lon": "", "lat": "", "address": ""},
            "location",
            "Give a position on the map or an address.",
        ),
    ],
)
def test_a_refused_post_shows_the_error_by_its_field_and_keeps_what_was_typed(
    client, cast, fields, field, message
):
    before = footprint()
    response = post(client, cast.grid_worker_a, **fields)
    page = response.content.decode()
    assert response.status_code == 400
    assert error_next_to(page, field) == message
    for other in ("category", "description", "location", "photos", "note"):
        if other != field:
            assert error_next_to(page, other) == ""
    sent = typed(**fields)
    assert text_of(page, "id_description") == sent["description"]
    assert value_of(page, "id_address") == sent["address"]
    assert value_of(page, "id_lon") == sent["lon"] and value_of(page, "id_lat") == sent["lat"]
    known = Category.objects.filter(code=sent["category"], parent__isnull=False).exists()
    assert checked_category(page) == (sent["category"] if known else None)
    # The same form key again: sending the corrected form files exactly one case.
    assert 'name="idempotency_key" value="form-key-1"' in page
    assert footprint() == before


def test_a_refusal_keeps_the_photos_already_uploaded_and_the_point_s_grid(client, cast):
    uid = upload(cast.grid_worker_a)
    response = post(client, cast.grid_worker_a, description="", attachments=[uid])
    page = response.content.decode()
    assert response.status_code == 400
    assert f'<input type="hidden" name="attachments" value="{uid}">' in page
    assert reverse("api:attachment_file", args=[uid]) in page
    grid = re.search(r"<strong data-grid-name>(.*?)</strong>", page).group(1)
    assert grid == cast.tree.grid_a.name
    assert cast.tree.community.name in page

    corrected = post(client, cast.grid_worker_a, attachments=[uid])
    assert corrected.status_code == 302
    assert [str(a.uid) for a in only_case().attachments.all()] == [uid]


def test_a_malformed_photo_reference_is_dropped(client, cast):
    response = post(client, cast.grid_worker_a, description="", attachments=["-" * 36, "x"])
    assert response.status_code == 400
    assert 'name="attachments"' not in response.content.decode()


def test_a_refused_post_with_a_point_outside_every_grid_says_so(client, cast):
    response = post(
        client, cast.grid_worker_a, description="", lon=str(NOWHERE[0]), lat=str(NOWHERE[1])
    )
    assert "Outside every grid — a dispatcher will assign it." in response.content.decode()


def test_the_script_gets_the_errors_as_json(client, cast):
    client.force_login(cast.grid_worker_a)
    response = client.post(URL, typed(description=""), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"description": "This field is required."}}
    assert Case.objects.count() == 0


def test_typed_markup_is_shown_as_text(client, cast):
    page = post(client, cast.grid_worker_a, category="", description="<b>x</b>").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


# --- resolving on the spot --------------------------------------------------------------------


def test_resolving_on_the_spot_with_a_note_and_a_photo_closes_the_case(client, cast):
    uid = upload(cast.grid_worker_a)
    response = post(
        client,
        cast.grid_worker_a,
        category=GRID_ENTRY_CATEGORY,
        description="路边有一堆垃圾",
        resolve_on_the_spot="on",
        note="已清理干净",
        attachments=[uid],
    )
    case = only_case()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.state == CaseState.CLOSED and case.is_resolved is True
    event = case.events.get()
    assert (event.action, event.note) == ("self_resolve", "已清理干净")
    assert [str(a.uid) for a in event.attachments.all()] == [uid]
    assert flashed(response) == [
        f"Case {case.number} was filed and closed as resolved on the spot."
    ]


def test_resolving_on_the_spot_is_refused_for_a_category_off_the_grid_entry_list(client, cast):
    uid = upload(cast.grid_worker_a)
    before = footprint()
    response = post(
        client,
        cast.grid_worker_a,
        category=DEPARTMENT_CATEGORY,
        resolve_on_the_spot="on",
        note="换了灯泡",
        attachments=[uid],
    )
    page = response.content.decode()
    assert response.status_code == 400
    lamp = Category.objects.get(code=DEPARTMENT_CATEGORY).name
    assert error_next_to(page, "resolve") == (
        f"“{lamp}” is not on the grid-entry list: it cannot be resolved on site."
    )
    assert re.search(r'name="resolve_on_the_spot" value="on" checked', page)
    assert text_of(page, "id_note") == "换了灯泡"
    assert f'name="attachments" value="{uid}"' in page
    assert footprint() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"note": ""}, "note", "Say what was done on the spot."),
        ({"attachments": []}, "photos", "Add a photo of the result."),
    ],
)
def test_resolving_on_the_spot_needs_a_note_and_a_photo(client, cast, fields, field, message):
    given = {
        "category": GRID_ENTRY_CATEGORY,
        "resolve_on_the_spot": "on",
        "note": "已清理",
        "attachments": [upload(cast.grid_worker_a)],
        **fields,
    }
    before = footprint()
    response = post(client, cast.grid_worker_a, **given)
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), field) == message
    assert footprint() == before


def test_a_grid_worker_cannot_resolve_on_the_spot_outside_their_grid(client, cast):
    response = post(
        client,
        cast.grid_worker_a,
        category=GRID_ENTRY_CATEGORY,
        lon=str(IN_GRID_B[0]),
        lat=str(IN_GRID_B[1]),
        resolve_on_the_spot="on",
        note="已清理",
        attachments=[upload(cast.grid_worker_a)],
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0
    form_error = re.search(r'id="form-error"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert form_error.group(1) == "You may not report a case here."


def test_a_note_typed_without_resolving_on_the_spot_is_not_filed(client, cast):
    post(client, cast.grid_worker_a, note="忘了取消")
    assert only_case().events.get().note == ""
