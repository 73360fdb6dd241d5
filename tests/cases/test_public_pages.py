"""The pages for residents without an account (/public/): report a case and get its number,
look it up by number and phone, see its public timeline, rate it — and the abuse guard: rate
limits per address and per phone, with nothing written when a limit or a check refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.cases.loop_helpers import (
    IN_GRID_A,
    RESIDENT,
    RESIDENT_PHONE,
    act,
    drive_to,
    footprint,
    photo_bytes,
    upload,
)
from wangge.cases.models import Attachment, Case, CaseEvent
from wangge.cases.workflow import CaseState
from wangge.core.models import RateCounter

REPORT_URL = reverse("public:report")
LOOKUP_URL = reverse("public:lookup")


def typed(**fields: object) -> dict[str, object]:
    """What a resident types into the report form."""
    values: dict[str, object] = {
        "category": "C0104",
        "description": "小区门口路灯不亮，晚上很黑",
        "address": "石冲路 1 号",
        "name": "陈女士",
        "phone": "138-0013-8000",
        "token": "",
    }
    values.update(fields)
    return values


def written() -> dict[str, object]:
    """Everything a report may write, counted (the rate counters apart)."""
    return {**footprint(), "attachments": Attachment.objects.count()}


def case_url(number: str) -> str:
    return reverse("public:case", args=[number])


def rate_url(number: str) -> str:
    return reverse("public:rate", args=[number])


def look_up(client: Client, number: str, phone: str = RESIDENT_PHONE, **extra: str):
    return client.post(LOOKUP_URL, {"number": number, "phone": phone}, **extra)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


# --- home and the report ----------------------------------------------------------------------


def test_the_home_page_offers_to_report_and_to_look_up_without_an_account(client, db):
    response = client.get(reverse("public:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert REPORT_URL in html and LOOKUP_URL in html
    assert 'class="nav"' not in html  # no staff menu for the public


def test_the_report_form_offers_the_active_categories_grouped_by_class(client, db):
    response = client.get(REPORT_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="公用设施">' in html and '<option value="C0104">路灯</option>' in html
    assert 'value="C01"' not in html  # a class is a heading, not a choice
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_resident_reports_a_case_and_is_given_its_number_to_keep(client, cast):
    response = client.post(REPORT_URL, typed())

    assert response.status_code == 200
    case = Case.objects.get()
    html = response.content.decode()
    assert case.number in html and "Keep this number together with your phone number" in html
    assert "138****8000" in html and RESIDENT_PHONE not in html
    assert case.channel == "resident" and case.state == CaseState.REPORTED
    assert case.reporter_phone == RESIDENT_PHONE and case.reporter_name == "陈女士"
    assert case.address == "石冲路 1 号" and case.needs_grid  # no position: a dispatcher places it
    # The browser that reported may follow the case without looking it up.
    assert client.get(case_url(case.number)).status_code == 200


def test_a_report_with_a_position_lands_in_its_grid(client, cast):
    client.post(REPORT_URL, typed(address="", lon=str(IN_GRID_A[0]), lat=str(IN_GRID_A[1])))

    case = Case.objects.get()
    assert case.area == cast.tree.grid_a and not case.needs_grid


def test_a_report_with_photos_links_them_to_the_case(client, cast):
    photos = [
        SimpleUploadedFile(f"p{i}.jpg", photo_bytes(), content_type="image/jpeg") for i in range(2)
    ]
    client.post(REPORT_URL, {**typed(), "photos": photos})

    case = Case.objects.get()
    assert case.attachments.count() == 2
    assert all(a.is_image and a.uploaded_by is None for a in case.attachments.all())


def test_a_second_tap_on_send_files_one_case_and_keeps_nothing_of_its_own(client, cast, settings):
    token = "0123456789abcdef0123456789abcdef"

    def send():
        photo = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
        return client.post(REPORT_URL, {**typed(token=token), "photos": [photo]})

    first, second = send(), send()

    case = Case.objects.get()
    assert case.number in first.content.decode() and case.number in second.content.decode()
    assert Attachment.objects.count() == 1 and case.attachments.count() == 1
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert len(files) == 1
    assert sorted(RateCounter.objects.values_list("count", flat=True)) == [1, 1]


def test_a_category_that_asks_for_details_shows_the_missing_one_by_its_field(client, cast):
    refused = client.post(REPORT_URL, typed(category="E0503", description="闻到燃气味"))

    assert refused.status_code == 400
    assert 'id="id_attr-E0503-people_trapped_error"' in refused.content.decode()
    assert not Case.objects.exists()
    accepted = client.post(
        REPORT_URL, typed(category="E0503", **{"attr-E0503-people_trapped": "no"})
    )
    assert accepted.status_code == 200
    assert Case.objects.get().attributes == {"people_trapped": "no"}


BAD_INPUT = [
    ("phone", {"phone": ""}, "A phone number is needed"),
    ("phone", {"phone": "12"}, "5 to 20 digits"),
    ("category", {"category": ""}, "Choose a category"),
    ("category", {"category": "NOPE"}, "Unknown category"),
    ("category", {"category": "C01"}, "Choose a subcategory"),
    ("description", {"description": ""}, "This field is required"),
    ("description", {"description": "长" * 4001}, "At most 4000 characters"),
    ("description", {"description": "路灯\x00不亮"}, "not allowed"),
    ("address", {"address": "石冲路\x00"}, "not allowed"),
    ("address", {"address": "路" * 201}, "At most 200 characters"),
    ("address", {"address": ""}, "Give a position on the map or an address"),
    ("location", {"lon": "113.08", "lat": ""}, "latitude"),
    ("location", {"lon": "113.08", "lat": "north"}, "must be a number"),
    ("name", {"name": "名" * 51}, "At most 50 characters"),
    ("name", {"name": "陈\x00"}, "not allowed"),
]


@pytest.mark.parametrize(("field", "change", "message"), BAD_INPUT)
def test_bad_input_is_refused_by_its_field_and_nothing_is_written(
    client, cast, field, change, message
):
    before = written()

    response = client.post(REPORT_URL, typed(**change))

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert written() == before
    # What was typed is kept (a text refused for a NUL character is given back as typed).
    assert "小区门口路灯不亮" in html or field == "description"
    assert not RateCounter.objects.exists()  # a refused report does not use up a limit


def test_a_file_that_is_no_photo_is_refused_and_no_file_is_kept(client, cast, settings):
    fake = SimpleUploadedFile("p.jpg", b"not an image at all", content_type="image/jpeg")

    response = client.post(REPORT_URL, {**typed(), "photos": [fake]})

    assert response.status_code == 400
    assert 'id="id_photos_error"' in response.content.decode()
    assert not Attachment.objects.exists() and not Case.objects.exists()


def test_the_photos_of_a_refused_report_are_deleted_again(client, cast, settings):
    photo = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")

    response = client.post(REPORT_URL, {**typed(category="NOPE"), "photos": [photo]})

    assert response.status_code == 400
    assert not Attachment.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_more_photos_than_allowed_are_refused(client, cast):
    photos = [SimpleUploadedFile(f"p{i}.jpg", photo_bytes()) for i in range(4)]

    response = client.post(REPORT_URL, {**typed(), "photos": photos})

    assert response.status_code == 400
    assert "Add at most 3 photos." in response.content.decode()
    assert not Attachment.objects.exists() and not Case.objects.exists()


def test_every_form_needs_its_csrf_token(cast):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    case = drive_to(cast, CaseState.CLOSED)

    assert browser.post(REPORT_URL, typed()).status_code == 403
    assert look_up(browser, case.number).status_code == 403
    assert browser.post(rate_url(case.number), {"rating": "satisfied"}).status_code == 403
    assert Case.objects.count() == 1


def test_the_pages_carry_no_inline_script(client, cast):
    case = drive_to(cast, CaseState.CLOSED)
    look_up(client, case.number)

    for url in (reverse("public:home"), REPORT_URL, LOOKUP_URL, case_url(case.number)):
        html = client.get(url).content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert inline == [], url


def test_the_pages_are_chinese_by_default(chinese_client, db):
    html = chinese_client.get(REPORT_URL).content.decode()

    assert '<html lang="zh-hans">' in html


# --- rate limits ------------------------------------------------------------------------------


def test_the_eleventh_report_from_one_address_in_an_hour_is_refused_and_writes_nothing(
    client, cast
):
    assert django_settings.PUBLIC_REPORTS_PER_IP_PER_HOUR == 10
    for index in range(10):
        response = client.post(REPORT_URL, typed(phone=f"1380013{index:04d}"))
        assert response.status_code == 200
    before = written()

    refused = client.post(REPORT_URL, typed(phone="13900139000", description="第十一次上报"))

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    assert "Too many reports" in html and "第十一次上报" in html and "13900139000" in html
    assert written() == before
    # Another address is not affected.
    other = client.post(REPORT_URL, typed(phone="13900139000"), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_the_sixth_report_from_one_phone_in_a_day_is_refused_from_any_address(client, cast):
    assert django_settings.PUBLIC_REPORTS_PER_PHONE_PER_DAY == 5
    for index in range(5):
        response = client.post(REPORT_URL, typed(), REMOTE_ADDR=f"203.0.113.{index}")
        assert response.status_code == 200
    before = written()

    refused = client.post(REPORT_URL, typed(phone="+86 138 0013 8000"), REMOTE_ADDR="198.51.100.1")

    assert refused.status_code == 429
    assert written() == before
    assert client.post(REPORT_URL, typed(phone="13900139000")).status_code == 200


def test_refused_reports_do_not_use_up_the_limit(client, cast, settings):
    settings.PUBLIC_REPORTS_PER_IP_PER_HOUR = 2
    for _ in range(3):
        assert client.post(REPORT_URL, typed(category="NOPE")).status_code == 400

    answers = [client.post(REPORT_URL, typed()).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_the_rate_counters_hold_no_phone_and_no_address(client, cast):
    client.post(REPORT_URL, typed())
    look_up(client, "20990101000001")

    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 3
    assert not any(RESIDENT_PHONE in key or "127.0.0.1" in key for key in keys)


def test_lookups_from_one_address_are_limited_against_guessing_numbers(client, cast, settings):
    settings.PUBLIC_LOOKUPS_PER_IP_PER_HOUR = 3
    case = drive_to(cast, CaseState.REPORTED)
    for guess in range(3):
        assert look_up(client, f"2099010100000{guess}").status_code == 404

    refused = look_up(client, case.number)

    assert refused.status_code == 429
    assert "Too many lookups" in refused.content.decode()
    assert client.get(case_url(case.number)).status_code == 302  # no proof was given
    assert look_up(client, case.number, REMOTE_ADDR="203.0.113.5").status_code == 302


# --- lookup and proof -------------------------------------------------------------------------


def test_a_resident_looks_a_case_up_with_its_number_and_phone(client, cast):
    case = drive_to(cast, CaseState.REPORTED)

    response = look_up(client, f" {case.number} ", phone="+86 138-0013-8000")

    assert response.status_code == 302 and response["Location"] == case_url(case.number)
    page = client.get(case_url(case.number))
    assert page.status_code == 200
    assert case.number in page.content.decode()
    # The session remembers the case, never the phone in clear.
    stored = str(client.session.get("public_cases"))
    assert case.number in stored and "13800138000" not in stored


def test_a_wrong_phone_and_an_unknown_number_get_the_same_answer(client, cast):
    case = drive_to(cast, CaseState.REPORTED)

    wrong_phone = look_up(client, case.number, phone="13900139000")
    unknown = look_up(client, "20990101000001", phone="13900139000")

    assert wrong_phone.status_code == unknown.status_code == 404
    message = "No case matches this number and phone."
    assert message in wrong_phone.content.decode() and message in unknown.content.decode()
    same_page = without_csrf(wrong_phone.content.decode()).replace(case.number, "N")
    assert same_page == without_csrf(unknown.content.decode()).replace("20990101000001", "N")
    assert client.get(case_url(case.number)).status_code == 302


def test_a_lookup_needs_both_fields(client, db):
    response = client.post(LOOKUP_URL, {"number": "", "phone": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_number_error"' in html and 'id="id_phone_error"' in html
    assert not RateCounter.objects.exists()


def test_without_proof_a_case_page_sends_to_the_lookup_form_as_for_no_case(client, cast):
    case = drive_to(cast, CaseState.REPORTED)

    existing = client.get(case_url(case.number))
    missing = client.get(case_url("20990101000001"))

    assert existing.status_code == missing.status_code == 302
    assert existing["Location"] == f"{LOOKUP_URL}?number={case.number}"
    assert missing["Location"] == f"{LOOKUP_URL}?number=20990101000001"
    assert case.number in client.get(existing["Location"]).content.decode()  # filled in


def test_a_proof_for_one_case_opens_no_other(client, cast):
    mine = drive_to(cast, CaseState.REPORTED)
    other = drive_to(cast, CaseState.REPORTED, reporter=RESIDENT.__class__(phone="13900139000"))
    look_up(client, mine.number)

    assert client.get(case_url(mine.number)).status_code == 200
    assert client.get(case_url(other.number)).status_code == 302


# --- the public timeline ----------------------------------------------------------------------


def test_the_public_timeline_shows_steps_and_states_but_no_staff_and_no_internal_notes(
    client, cast
):
    case = drive_to(cast, CaseState.HANDLING)
    case = act(cast.department_handler, case, "progress", note="内部：已联系供电所张工")
    case = act(cast.leader, case, "instruct", note="领导批示：尽快办结")
    case = act(cast.dispatcher, case, "comment", note="内部备注：此人多次来电")
    evidence = [upload(cast.department_handler)]
    case = act(cast.department_handler, case, "finish", note="内部：换了灯泡", attachments=evidence)
    look_up(client, case.number)

    html = client.get(case_url(case.number)).content.decode()

    for label in ("Report", "Accept", "Dispatch", "Sign for", "Mark as handled"):
        assert f'<div class="what">{label} ' in html, label
    assert "Being handled" in html and "Handled" in html
    hidden_texts = ("内部：已联系供电所张工", "领导批示", "内部备注", "内部：换了灯泡", "photo.jpg")
    for hidden in (*hidden_texts, "Post progress", "Comment", "Instruct"):
        assert hidden not in html, hidden
    for staff in ("指挥中心", "城管处置员", "区领导", "网格员甲", "城管局"):
        assert staff not in html, staff
    assert RESIDENT_PHONE not in html and "138****8000" in html


def test_the_reason_for_a_decline_and_the_closing_note_are_shown(client, cast):
    declined = drive_to(cast, CaseState.DECLINED)
    closed = drive_to(cast, CaseState.CLOSED)
    look_up(client, declined.number)
    look_up(client, closed.number)

    declined_html = client.get(case_url(declined.number)).content.decode()
    closed_html = client.get(case_url(closed.number)).content.decode()

    assert "不属于受理范围" in declined_html and "This case cannot be rated." in declined_html
    assert "Closed" in closed_html
    assert "已更换灯泡" not in closed_html and "亮了" not in closed_html  # finish/verify notes


def test_the_case_page_reads_a_bounded_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    case = drive_to(cast, CaseState.CLOSED)
    look_up(client, case.number)

    with django_assert_max_num_queries(6):
        assert client.get(case_url(case.number)).status_code == 200


# --- rating -----------------------------------------------------------------------------------


def test_a_resident_rates_a_closed_case_once(client, cast):
    case = drive_to(cast, CaseState.CLOSED)
    look_up(client, case.number)
    page = client.get(case_url(case.number)).content.decode()
    assert f'action="{rate_url(case.number)}"' in page and 'value="basically_satisfied"' in page

    rated = client.post(rate_url(case.number), {"rating": "satisfied", "comment": "修得很快"})

    assert rated.status_code == 302 and rated["Location"] == case_url(case.number)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.rating, stored.rating_comment) == ("satisfied", "修得很快")
    event = CaseEvent.objects.filter(case=case).latest("seq")
    assert event.action == "rate" and event.actor_kind == "reporter"
    after = client.get(case_url(case.number)).content.decode()
    assert "Thank you for your rating." in after and "修得很快" in after
    assert f'action="{rate_url(case.number)}"' not in after

    before = written()
    again = client.post(rate_url(case.number), {"rating": "dissatisfied"})
    assert again.status_code == 400
    assert "This case has been rated already." in again.content.decode()
    assert written() == before


def test_rating_is_refused_with_a_message_while_the_case_is_open(client, cast):
    case = drive_to(cast, CaseState.HANDLING)
    look_up(client, case.number)
    page = client.get(case_url(case.number)).content.decode()
    assert "You can rate the result once the case is closed." in page
    before = written()

    refused = client.post(rate_url(case.number), {"rating": "satisfied"})

    assert refused.status_code == 400
    assert "This case cannot be rated now" in refused.content.decode()
    assert written() == before


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({}, "rating", "Choose how satisfied you are."),
        ({"rating": "great"}, "rating", "Choose satisfied, basically satisfied or dissatisfied."),
        ({"rating": "satisfied", "comment": "好\x00"}, "comment", "not allowed"),
    ],
)
def test_a_bad_rating_is_refused_by_its_field(client, cast, given, field, message):
    case = drive_to(cast, CaseState.CLOSED)
    look_up(client, case.number)
    before = written()

    refused = client.post(rate_url(case.number), given)

    assert refused.status_code == 400
    html = refused.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert written() == before


def test_rating_without_proof_sends_to_the_lookup_form_and_writes_nothing(client, cast):
    case = drive_to(cast, CaseState.CLOSED)
    before = written()

    response = client.post(rate_url(case.number), {"rating": "satisfied"})

    assert response.status_code == 302 and response["Location"].startswith(LOOKUP_URL)
    assert written() == before
