"""Filing a case (`report_case`): where it lands, how it is numbered, the same intake twice
making one case, and every bad input refused with the field named and nothing written."""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta

import pytest
from PIL import Image

from tests.cases.loop_helpers import (
    GRID_ENTRY_CATEGORY,
    IN_GRID_A,
    IN_GRID_B,
    NOWHERE,
    RESIDENT,
    RESIDENT_PHONE,
    file_case,
    footprint,
    photo_bytes,
    upload,
)
from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import Attachment, Case, Category
from wangge.cases.permissions import Resident
from wangge.cases.services import (
    Report,
    create_category,
    next_case_number,
    report_case,
    set_category_active,
    store_attachment,
)
from wangge.core.clock import frozen_at

MONDAY = datetime.fromisoformat("2025-11-24T09:00:00+08:00")


def report(**fields) -> Report:
    values = {
        "category": "C0104",
        "description": "路灯不亮，晚上很黑",
        "lon": IN_GRID_A[0],
        "lat": IN_GRID_A[1],
    }
    values.update(fields)
    return Report(**values)


# --- where a case lands ---------------------------------------------------------------------


def test_a_resident_s_report_lands_in_the_grid_of_its_point(cast):
    intake = report_case(RESIDENT, report(lon=IN_GRID_B[0], lat=IN_GRID_B[1]))
    case = intake.case
    assert intake.created
    assert case.area == cast.tree.grid_b and not case.needs_grid
    assert case.channel == "resident" and case.urgency == "normal"
    assert case.reporter_phone == RESIDENT_PHONE and case.reporter_name == "陈女士"
    assert case.reported_by is None
    assert case.title == "路灯不亮，晚上很黑"
    assert case.state == "reported" and case.version == 1
    event = case.events.get()
    assert (event.seq, event.action, event.from_state, event.to_state) == (
        1,
        "report",
        "",
        "reported",
    )
    assert event.data == {"channel": "resident", "category": "C0104", "area": cast.tree.grid_b.code}


def test_a_point_outside_every_grid_is_accepted_and_waits_for_a_grid(cast):
    case = report_case(RESIDENT, report(lon=NOWHERE[0], lat=NOWHERE[1])).case
    assert case.needs_grid
    assert case.area == cast.tree.district  # the root of the tree
    assert (case.lon, case.lat) == NOWHERE


def test_an_address_without_a_point_is_accepted_and_waits_for_a_grid(cast):
    case = report_case(RESIDENT, report(lon=None, lat=None, address="石冲路 1 号")).case
    assert case.needs_grid and case.area == cast.tree.district
    assert case.lon is None and case.address == "石冲路 1 号"


def test_a_grid_worker_s_report_without_a_grid_lands_in_their_grid(cast):
    case = report_case(cast.grid_worker_a, report(lon=None, lat=None, address="石冲路")).case
    assert case.area == cast.tree.grid_a and not case.needs_grid
    assert case.channel == "grid_patrol" and case.reported_by == cast.grid_worker_a


def test_staff_may_choose_the_grid(cast):
    case = report_case(
        cast.dispatcher, report(lon=None, lat=None, address="石冲路", grid=cast.tree.grid_c.code)
    ).case
    assert case.area == cast.tree.grid_c and not case.needs_grid


def test_the_system_files_imports(cast):
    case = report_case(None, report(source_ref="12345-0001")).case
    assert case.channel == "import" and case.source_ref == "12345-0001"
    assert case.events.get().actor_kind == "system"


def test_attributes_of_the_category_are_kept_and_others_dropped(cast):
    case = report_case(
        RESIDENT, report(attributes={"pole_number": "PJ-0042", "colour": "red"})
    ).case
    assert case.attributes == {"pole_number": "PJ-0042"}


def test_no_attachments_may_be_given_as_none(cast):
    assert report_case(RESIDENT, report(attachments=None)).case.attachments.count() == 0


def test_a_photo_uploaded_first_is_linked_to_the_report(cast):
    uid = upload(None)
    case = report_case(RESIDENT, report(attachments=[uid])).case
    attachment = Attachment.objects.get(uid=uid)
    assert attachment.case == case and attachment.event == case.events.get()


# --- the same intake twice ------------------------------------------------------------------


def test_the_same_client_and_key_twice_make_one_case(cast):
    first = report_case(RESIDENT, report(), idempotency=("open311:app-1", "key-1"))
    again = report_case(
        RESIDENT, report(description="重复提交"), idempotency=("open311:app-1", "key-1")
    )
    assert first.created and not again.created
    assert again.case == first.case
    assert Case.objects.count() == 1


def test_the_same_key_from_another_client_or_no_key_makes_a_new_case(cast):
    report_case(RESIDENT, report(), idempotency=("open311:app-1", "key-1"))
    other = report_case(RESIDENT, report(), idempotency=("open311:app-2", "key-1"))
    blank = report_case(RESIDENT, report(), idempotency=("open311:app-1", ""))
    assert other.created and blank.created
    assert Case.objects.count() == 3


def test_a_refused_intake_does_not_use_up_its_key(cast):
    with pytest.raises(CaseInvalid):
        report_case(RESIDENT, report(category="NOPE"), idempotency=("app", "key-1"))
    assert report_case(RESIDENT, report(), idempotency=("app", "key-1")).created


# --- numbers -------------------------------------------------------------------------------


def test_case_numbers_are_the_day_and_a_sequence_that_restarts_each_day(cast):
    with frozen_at(MONDAY):
        monday = [file_case(RESIDENT).number for _ in range(3)]
    with frozen_at(MONDAY + timedelta(days=1)):
        tuesday = [file_case(RESIDENT).number for _ in range(2)]
    assert monday == ["20251124000001", "20251124000002", "20251124000003"]
    assert tuesday == ["20251125000001", "20251125000002"]


def test_the_day_of_a_number_is_the_local_day(cast):
    # 00:30 in Beijing is still the day before in UTC.
    with frozen_at(datetime.fromisoformat("2025-11-24T00:30:00+08:00")):
        assert file_case(RESIDENT).number == "20251124000001"


def test_a_refused_report_uses_no_number(cast):
    with frozen_at(MONDAY):
        first = file_case(RESIDENT).number
        with pytest.raises(CaseInvalid):
            report_case(RESIDENT, report(attachments=["00000000-0000-0000-0000-000000000000"]))
        second = file_case(RESIDENT).number
    assert (first, second) == ("20251124000001", "20251124000002")


def test_next_case_number_alone_counts_on(db):
    assert next_case_number(MONDAY) == "20251124000001"
    assert next_case_number(MONDAY) == "20251124000002"


# --- bad input -----------------------------------------------------------------------------

LONG = "长" * 121


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": ""}, "category"),
        ({"category": "NOPE"}, "category"),
        ({"category": "C01"}, "category"),  # a class, not a subcategory
        ({"category": 104}, "category"),
        ({"category": "C0104\x00"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": None}, "description"),
        ({"description": 42}, "description"),
        ({"description": "长" * 4001}, "description"),
        ({"description": "路灯\x00"}, "description"),
        ({"title": LONG}, "title"),
        ({"title": ["路灯"]}, "title"),
        ({"lat": None}, "lat"),  # a longitude without a latitude
        ({"lon": ""}, "lon"),  # a latitude without a longitude
        ({"lon": "east"}, "lon"),
        ({"lon": 181}, "lon"),
        ({"lat": -91}, "lat"),
        ({"lat": math.nan}, "lat"),
        ({"lon": True}, "lon"),
        ({"lon": [113.08]}, "lon"),
        ({"lon": None, "lat": None}, "location"),  # neither a point nor an address
        ({"address": "路" * 201}, "address"),
        ({"channel": "fax"}, "channel"),
        ({"urgency": "panic"}, "urgency"),
        ({"urgency": None}, "urgency"),
        ({"reporter_phone": "12"}, "reporter_phone"),
        ({"reporter_phone": 13800138000}, "reporter_phone"),
        ({"reporter_name": "名" * 51}, "reporter_name"),
        ({"attributes": ["pole_number"]}, "attributes"),
        ({"grid": "440703006107001"}, "grid"),  # a resident may not choose the grid
        ({"attachments": ["not-a-uid"]}, "attachments"),
        ({"attachments": 5}, "attachments"),
        ({"attachments": [5]}, "attachments"),
        ({"note": "长" * 4001}, "note"),
        ({"attachments": ["00000000-0000-0000-0000-000000000000"]}, "attachments"),
        ({"source_ref": "r" * 65}, "source_ref"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(cast, fields, field):
    before = footprint()
    with pytest.raises(CaseInvalid) as raised:
        report_case(RESIDENT, report(**fields))
    assert raised.value.field == field
    assert str(raised.value)
    assert footprint() == before


def test_a_resident_without_a_phone_is_refused(cast):
    before = footprint()
    with pytest.raises(CaseInvalid) as raised:
        report_case(Resident(phone=""), report())
    assert raised.value.field == "reporter_phone"
    assert footprint() == before


@pytest.mark.parametrize("code", ["NOPE", "440703006107001\x00", "440703006107"])
def test_staff_cannot_choose_an_unknown_grid(cast, code):
    before = footprint()
    with pytest.raises(CaseInvalid) as raised:
        report_case(cast.dispatcher, report(grid=code))
    assert raised.value.field == "grid"
    assert footprint() == before


def test_an_inactive_category_or_one_under_an_inactive_class_is_refused(cast):
    # Each process keeps the catalogue in memory: fill it first, so the refusal below proves
    # the change reaches it.
    report_case(RESIDENT, report(category="C0104"))
    report_case(RESIDENT, report(category=GRID_ENTRY_CATEGORY))
    set_category_active(None, Category.objects.get(code="C0104"), is_active=False)
    set_category_active(None, Category.objects.get(code="E01"), is_active=False)
    for code in ("C0104", GRID_ENTRY_CATEGORY):
        with pytest.raises(CaseInvalid) as raised:
            report_case(RESIDENT, report(category=code))
        assert raised.value.field == "category"
    assert Case.objects.count() == 2


def test_a_required_open311_attribute_must_be_given(cast):
    parent = Category.objects.get(code="C01")
    create_category(
        None,
        code="C0199",
        name="配电箱",
        kind="component",
        parent=parent,
        open311_attributes=[
            {
                "code": "box_number",
                "datatype": "string",
                "required": True,
                "description": "箱号",
                "order": 1,
                "values": [],
            }
        ],
    )
    for attributes in ({}, {"box_number": ""}, {"other": "x"}):
        with pytest.raises(CaseInvalid) as raised:
            report_case(RESIDENT, report(category="C0199", attributes=attributes))
        assert raised.value.field == "attribute[box_number]"
    assert not Case.objects.exists()
    case = report_case(RESIDENT, report(category="C0199", attributes={"box_number": "PX-7"})).case
    assert case.attributes == {"box_number": "PX-7"}


def test_a_list_attribute_takes_only_its_choices(cast):
    base = {"category": "E0503", "description": "闻到燃气味"}
    for attributes in ({}, {"people_trapped": "maybe"}, {"people_trapped": ["yes", "no"]}):
        with pytest.raises(CaseInvalid) as raised:
            report_case(RESIDENT, report(**base, attributes=attributes))
        assert raised.value.field == "attribute[people_trapped]"
    case = report_case(RESIDENT, report(**base, attributes={"people_trapped": "no"})).case
    assert case.attributes == {"people_trapped": "no"}


def test_a_number_attribute_must_be_a_number(cast):
    base = {"category": "E0505", "description": "有人聚集"}
    with pytest.raises(CaseInvalid) as raised:
        report_case(RESIDENT, report(**base, attributes={"head_count": "many"}))
    assert raised.value.field == "attribute[head_count]"
    assert report_case(
        RESIDENT, report(**base, attributes={"head_count": "30"})
    ).case.attributes == {"head_count": 30.0}


def test_a_note_of_the_wrong_type_is_refused_when_resolving_on_the_spot(cast):
    before = footprint()
    with pytest.raises(CaseInvalid) as raised:
        report_case(
            cast.grid_worker_a,
            report(
                category=GRID_ENTRY_CATEGORY, note=None, attachments=[upload(cast.grid_worker_a)]
            ),
            resolve_on_the_spot=True,
        )
    assert raised.value.field == "note"
    assert footprint() == before


# --- photos and files ---------------------------------------------------------------------


def test_a_photo_is_re_encoded_under_a_random_name(db):
    image = Image.new("RGB", (4000, 3000), "blue")
    output = io.BytesIO()
    image.save(output, format="PNG")
    attachment = store_attachment(None, output.getvalue(), name="../../etc/我家门口.png")
    assert attachment.is_image and attachment.content_type == "image/jpeg"
    assert attachment.name == "我家门口.png"
    assert attachment.uid.hex in attachment.file.name
    with Image.open(attachment.file.path) as stored:
        assert max(stored.size) == 2560


def test_a_pdf_is_kept_as_a_file_but_not_as_a_photo(db):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert store_attachment(None, pdf, name="说明.pdf").content_type == "application/pdf"
    with pytest.raises(CaseInvalid) as raised:
        store_attachment(None, pdf, name="说明.pdf", photo_only=True, field="photo")
    assert raised.value.field == "photo"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello, not an image",
        b"\x89PNG\r\n\x1a\n broken",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_what_is_not_a_photo_or_pdf_is_refused_and_not_stored(db, content):
    with pytest.raises(CaseInvalid) as raised:
        store_attachment(None, content, name="photo.jpg")
    assert raised.value.field == "attachments"
    assert not Attachment.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read_whole(db, settings):
    settings.CASE_ATTACHMENT_MAX_MB = 1
    big = photo_bytes() + b"\0" * (1024 * 1024)
    with pytest.raises(CaseInvalid) as raised:
        store_attachment(None, io.BytesIO(big), name="big.jpg")
    assert raised.value.field == "attachments"
    assert "1 MB" in str(raised.value)
    assert not Attachment.objects.exists()


def test_a_photo_loses_its_exif_position_and_is_turned_upright(db):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned
    exif[0x8825] = {1: "N", 2: (22.0, 35.0, 0.0)}  # GPS: where the resident lives
    output = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(output, format="JPEG", exif=exif)
    attachment = store_attachment(None, output.getvalue(), name="photo.jpg")
    with Image.open(attachment.file.path) as stored:
        assert stored.size == (48, 64)
        assert dict(stored.getexif()) == {}
