"""The agreements export: the agreements of the communities the user keeps as a workbook
(title, member unit, need or project, state, dates, deliverables due and done, overdue), the
contact masked, formula-like text neutralised, one audit entry per export; another community's
staff get none of ours, viewers are refused."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.cases.loop_helpers import add_person
from tests.claims.helpers import (
    CONTACT_PHONE,
    agreement,
    contact_account,
    member_unit,
    need,
    today,
)
from tests.clients import logged_in
from tests.people.helpers import html_of
from wangge.claims import services
from wangge.core import clock
from wangge.core.masking import mask_name, mask_phone
from wangge.core.models import AuditEntry
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    school = member_unit(cast)
    account = contact_account(school)
    made = agreement(cast, school, title='=HYPERLINK("http://x")')
    late = services.claim_need(
        account,
        need(cast.tree.community, title="长者活动场地"),
        school,
        services.ClaimInput(
            deliverables=[("开放礼堂", today() + timedelta(days=7))],
            ends_on=today() + timedelta(days=30),
        ),
    )
    services.add_deliverable(
        cast.community_staff, late, "开放礼堂第二次", today() + timedelta(days=3)
    )
    return {"school": school, "agreement": made, "late": late}


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_agreement_list_offers_staff_the_export(cast, world):
    html = html_of(logged_in(cast.community_staff).get(reverse("claims:agreements")))
    assert reverse("claims:agreement_export") in html
    html = html_of(logged_in(cast.leader).get(reverse("claims:agreements")))
    assert reverse("claims:agreement_export") not in html


def test_staff_export_their_communitys_agreements_with_deliverables(cast, world):
    sheet = _sheet(logged_in(cast.community_staff).get(reverse("claims:agreement_export")))
    rows = _rows(sheet)
    header = rows[0]
    assert header[:5] == ["Community", "Agreement", "Member unit", "Need or project", "State"]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    late = by_title["长者活动场地"]
    assert late["Member unit"] == "石冲小学" and late["Community"] == "石冲社区"
    assert late["Need or project"] == "长者活动场地"
    assert (late["Deliverables due"], late["Deliverables done"]) == (2, 0)
    assert late["Overdue"] == "No"
    assert len(rows) == 3


def test_the_contact_is_masked(cast, world):
    rows = _rows(_sheet(logged_in(cast.community_staff).get(reverse("claims:agreement_export"))))
    text = repr(rows)
    assert CONTACT_PHONE not in text
    header = rows[0]
    phones = {row[header.index("Contact phone")] for row in rows[1:]}
    assert phones == {mask_phone(CONTACT_PHONE), None}
    names = {row[header.index("Contact")] for row in rows[1:]}
    assert names == {mask_name("王联络"), None}
    assert "王联络" not in text


def test_formula_like_titles_are_shown_and_never_evaluated(cast, world):
    sheet = _sheet(logged_in(cast.community_staff).get(reverse("claims:agreement_export")))
    header = [cell.value for cell in sheet[1]]
    column = header.index("Agreement") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    formula = next(cell for cell in cells if str(cell.value).startswith("="))
    assert formula.data_type == "s" and formula.quotePrefix


def test_an_overdue_agreement_is_marked_and_the_filter_applies(cast, world):
    services.record_progress(
        cast.community_staff,
        world["agreement"],
        "第一项完成",
        deliverable=world["agreement"].deliverables.get(),
    )
    client = logged_in(cast.community_staff)
    with clock.frozen_at(clock.now() + timedelta(days=8)):
        rows = _rows(_sheet(client.get(reverse("claims:agreement_export"), {"overdue": "on"})))
    header = rows[0]
    assert [row[1] for row in rows[1:]] == ["长者活动场地"]
    assert rows[1][header.index("Overdue")] == "Yes"
    assert rows[1][header.index("Deliverables done")] == 0


def test_each_export_is_one_audit_entry(cast, world):
    client = logged_in(cast.community_staff)
    client.get(reverse("claims:agreement_export"))
    client.get(reverse("claims:agreement_export"))
    entries = AuditEntry.objects.filter(action="claims.export.agreements")
    assert entries.count() == 2
    assert entries.first().actor == cast.community_staff and entries.first().data["rows"] == 2


def test_another_communitys_staff_export_none_of_ours(cast, world):
    other = add_person("other_staff", cast.tree.other_community, Role.COMMUNITY_STAFF)
    rows = _rows(_sheet(logged_in(other).get(reverse("claims:agreement_export"))))
    assert len(rows) == 1
    assert "石冲小学" not in repr(rows) and "长者活动场地" not in repr(rows)


def test_viewers_and_contacts_are_refused(cast, world):
    assert logged_in(cast.leader).get(reverse("claims:agreement_export")).status_code == 403
    assert logged_in(cast.grid_worker_a).get(reverse("claims:agreement_export")).status_code == 403
    assert not AuditEntry.objects.filter(action="claims.export.agreements").exists()


def test_an_unknown_state_is_a_400(cast, world):
    response = logged_in(cast.community_staff).get(
        reverse("claims:agreement_export"), {"state": "nonsense"}
    )
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="claims.export.agreements").exists()


def test_the_export_costs_a_fixed_number_of_queries(cast, world, django_assert_max_num_queries):
    client = logged_in(cast.community_staff)
    client.get(reverse("claims:agreements"))
    with django_assert_max_num_queries(12):
        _sheet(client.get(reverse("claims:agreement_export")))
