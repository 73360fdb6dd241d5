"""Pages under /info-reports/: the phone form files a first report with photos, refusals show
beside their field and leave nothing behind, the receivers' actions, scope (404 outside it),
filters, constant queries on the lists, and the kinds page for the city's administrator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.cases.loop_helpers import photo_bytes
from tests.clients import logged_in
from tests.info_reports.helpers import T0, at, first_report, follow_up, photo
from tests.people.helpers import assert_error_beside, html_of
from wangge.cases.models import Attachment
from wangge.info_reports import services
from wangge.info_reports.models import EntryAttachment, EntryKind, InfoKind, InfoReport

pytestmark = pytest.mark.django_db


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(**change):
    values = {
        "kind": InfoKind.objects.get(code="fire").pk,
        "title": "石冲路民房起火",
        "description": "二楼起火，已拨打119",
        "address": "石冲路12号",
        "known_at": _local(T0 - timedelta(minutes=5)),
        "happened_at": _local(T0 - timedelta(minutes=10)),
        "dead": "0",
        "injured": "1",
        "missing": "0",
        "measures": "疏散群众",
        "to_unit": "",
    }
    values.update(change)
    return values


def test_a_grid_worker_sends_a_first_report_with_a_photo(cast):
    client = logged_in(cast.grid_worker_a)
    with at(T0):
        assert client.get("/info-reports/new/").status_code == 200
        data = _form(from_unit=cast.tree.grid_a.pk)
        data["photos"] = [SimpleUploadedFile("fire.jpg", photo_bytes(), "image/jpeg")]
        response = client.post("/info-reports/new/", data)

    report = InfoReport.objects.get()
    assert response.status_code == 302 and response.url == f"/info-reports/{report.pk}/"
    assert report.to_unit == cast.tree.district and not report.is_late
    assert EntryAttachment.objects.filter(entry__report=report).count() == 1
    page = client.get(response.url)
    assert page.status_code == 200 and report.number in html_of(page)


def test_the_form_offers_the_units_above_and_defaults_to_now(cast):
    with at(T0):
        html = html_of(logged_in(cast.grid_worker_a).get("/info-reports/new/"))
    assert _local(T0) in html
    assert 'name="from_unit"' in html and 'type="hidden"' in html
    assert "蓬江区" in html and "环市街道" in html and "白沙街道" not in html


def test_a_refused_report_shows_the_error_beside_the_field_and_keeps_no_file(cast):
    client = logged_in(cast.grid_worker_a)
    files = Attachment.objects.count()
    with at(T0):
        data = _form(known_at=_local(T0 + timedelta(minutes=30)), from_unit=cast.tree.grid_a.pk)
        data["photos"] = [SimpleUploadedFile("fire.jpg", photo_bytes(), "image/jpeg")]
        response = client.post("/info-reports/new/", data)

    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_known_at", "later than now")
    assert InfoReport.objects.count() == 0 and Attachment.objects.count() == files


def test_a_form_without_a_title_is_a_400(cast):
    with at(T0):
        response = logged_in(cast.grid_worker_a).post(
            "/info-reports/new/", _form(title="", from_unit=cast.tree.grid_a.pk)
        )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_title")


def test_those_without_the_capability_are_refused(cast):
    assert logged_in(cast.outsider).get("/info-reports/new/").status_code == 403
    assert logged_in(cast.leader).get("/info-reports/").status_code == 403
    assert logged_in(cast.grid_worker_a).get("/info-reports/received/").status_code == 403
    assert logged_in(cast.grid_worker_a).get("/info-reports/kinds/").status_code == 403
    assert logged_in(cast.dispatcher).get("/info-reports/kinds/").status_code == 403


def test_a_report_is_seen_only_in_scope(cast):
    from conftest import make_user
    from wangge.org.roles import Role
    from wangge.org.services import grant_role

    other_dispatcher = make_user("other_dispatcher")
    grant_role(None, other_dispatcher, cast.tree.other_town, Role.DISPATCHER)
    with at(T0):
        report = first_report(cast.grid_worker_a, attachments=[photo(cast.grid_worker_a)])
    link = EntryAttachment.objects.get()
    urls = [
        f"/info-reports/{report.pk}/",
        f"/info-reports/{report.pk}/files/{link.pk}/",
    ]
    for user in (cast.grid_worker_a, cast.community_staff, cast.dispatcher, cast.leader):
        for url in urls:
            assert logged_in(user).get(url).status_code == 200, (user, url)
    for user in (cast.grid_worker_b, other_dispatcher, cast.department_handler, cast.outsider):
        for url in [*urls, f"/info-reports/{report.pk}/continued/"]:
            assert logged_in(user).get(url).status_code == 404, (user, url)
        assert logged_in(user).post(f"/info-reports/{report.pk}/sign/").status_code == 404
    assert report.title not in html_of(logged_in(cast.grid_worker_b).get("/info-reports/"))


def test_a_dispatcher_signs_for_it_once_and_asks_for_a_continued_report(cast):
    client = logged_in(cast.dispatcher)
    with at(T0):
        report = first_report(cast.grid_worker_a)
        page = html_of(client.get(f"/info-reports/{report.pk}/"))
        assert 'id="sign-for"' in page
        assert client.post(f"/info-reports/{report.pk}/sign/").status_code == 302
        assert client.post(f"/info-reports/{report.pk}/sign/").status_code == 409
        bad = client.post(f"/info-reports/{report.pk}/request/", {"due_at": _local(T0)})
        assert bad.status_code == 400
        assert_error_beside(html_of(bad), "id_due_at")
        due = _local(T0 + timedelta(minutes=30))
        asked = client.post(
            f"/info-reports/{report.pk}/request/", {"due_at": due, "note": "报伤亡"}
        )
        assert asked.status_code == 302
    assert report.requests.get().note == "报伤亡"


def test_the_grid_worker_sends_continued_and_final_reports_and_the_receiver_closes(cast):
    reporter = logged_in(cast.grid_worker_a)
    with at(T0):
        report = first_report(cast.grid_worker_a)
        assert reporter.get(f"/info-reports/{report.pk}/continued/").status_code == 200
        empty = reporter.post(f"/info-reports/{report.pk}/continued/", {"text": ""})
        assert empty.status_code == 400
        sent = reporter.post(
            f"/info-reports/{report.pk}/continued/", {"text": "火势控制", "injured": "2"}
        )
        assert sent.status_code == 302
        final = reporter.post(f"/info-reports/{report.pk}/final/", {"text": "明火扑灭"})
        assert final.status_code == 302
        again = reporter.post(f"/info-reports/{report.pk}/continued/", {"text": "再报"})
        assert again.status_code == 409
        assert reporter.post(f"/info-reports/{report.pk}/close/").status_code == 403
        assert (
            logged_in(cast.dispatcher).post(f"/info-reports/{report.pk}/close/").status_code == 302
        )
    report.refresh_from_db()
    assert report.state == "closed" and report.injured == 2
    kinds = list(report.entries.values_list("kind", flat=True))
    assert kinds == [EntryKind.FIRST, EntryKind.CONTINUED, EntryKind.FINAL, EntryKind.CLOSED]


def test_the_lists_filter_by_state_kind_overdue_and_unsigned(cast):
    with at(T0):
        fire = first_report(cast.grid_worker_a, title="火灾一")
        gas = first_report(cast.grid_worker_a, title="燃气二", kind_code="gas_leak")
        signed = first_report(cast.grid_worker_a, title="已签三")
        services.sign_for(cast.dispatcher, signed)
        services.request_continued(cast.dispatcher, fire, T0 + timedelta(minutes=10))
        follow_up(cast.grid_worker_a, gas)
    client = logged_in(cast.dispatcher)

    def titles(query: str) -> set[str]:
        with at(T0 + timedelta(minutes=20)):
            html = html_of(client.get(f"/info-reports/received/?{query}"))
        return {t for t in ("火灾一", "燃气二", "已签三") if t in html}

    assert titles("") == {"火灾一", "燃气二", "已签三"}
    assert titles("state=following") == {"燃气二"}
    assert titles("kind=gas_leak") == {"燃气二"}
    assert titles("overdue=1") == {"火灾一"}
    assert titles("unsigned=1") == {"火灾一", "燃气二"}
    mine = html_of(logged_in(cast.grid_worker_a).get("/info-reports/?kind=fire"))
    assert "火灾一" in mine and "燃气二" not in mine


@pytest.mark.parametrize("url", ["/info-reports/", "/info-reports/received/"])
def test_lists_keep_a_constant_number_of_queries(cast, url, django_assert_max_num_queries):
    with at(T0):
        for n in range(5):
            report = first_report(cast.grid_worker_a, title=f"报告{n}")
            services.request_continued(cast.dispatcher, report, T0 + timedelta(hours=1))
    user = cast.grid_worker_a if url == "/info-reports/" else cast.dispatcher
    client = logged_in(user)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_city_administrator_edits_the_kinds(cast):
    client = logged_in(cast.administrator)
    page = client.get("/info-reports/kinds/")
    assert page.status_code == 200 and "火灾" in html_of(page)
    bad = client.post(
        "/info-reports/kinds/new/",
        {
            "code": "landslide",
            "name": "山体滑坡",
            "level": "major",
            "first_report_minutes": "30",
            "written_report_minutes": "20",
            "position": "0",
            "is_active": "on",
        },
    )
    assert bad.status_code == 400
    assert_error_beside(html_of(bad), "id_written_report_minutes")
    assert not InfoKind.objects.filter(code="landslide").exists()
    fire = InfoKind.objects.get(code="fire")
    saved = client.post(
        f"/info-reports/kinds/{fire.pk}/",
        {
            "name": "火灾",
            "level": "large",
            "first_report_minutes": "45",
            "written_report_minutes": "90",
            "position": "4",
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    fire.refresh_from_db()
    assert (fire.code, fire.first_report_minutes) == ("fire", 45)


def test_pages_are_chinese_by_default(cast, chinese_client):
    chinese_client.force_login(cast.grid_worker_a)
    html = html_of(chinese_client.get("/info-reports/new/"))
    assert '<html lang="zh-hans">' in html


def test_the_home_page_offers_the_cards(cast):
    home = html_of(logged_in(cast.grid_worker_a).get("/"))
    assert "/info-reports/" in home
    assert "/info-reports/received/" in html_of(logged_in(cast.dispatcher).get("/"))
