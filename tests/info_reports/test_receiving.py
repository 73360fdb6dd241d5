"""The receiving side: signing for once per unit, asking for a continued report with its own
deadline and lights, forwarding upward, closing only after the final report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_user
from tests.info_reports.helpers import T0, at, first_report, follow_up
from wangge.info_reports import services
from wangge.info_reports.exceptions import Conflict, Invalid, NotAllowed
from wangge.info_reports.models import ContinuedRequest, Entry, EntryKind, Receipt, ReportState
from wangge.org.roles import Role, UnitKind
from wangge.org.services import create_unit, grant_role

pytestmark = pytest.mark.django_db


def test_a_dispatcher_signs_for_a_report_once(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
    with at(T0 + timedelta(minutes=3)):
        receipt = services.sign_for(cast.dispatcher, report)
        entries = Entry.objects.count()
        with pytest.raises(Conflict):
            services.sign_for(cast.dispatcher, report)
        with pytest.raises(Conflict):
            services.sign_for(cast.leader, report)

    assert receipt.signed_by == cast.dispatcher
    assert receipt.signed_at == T0 + timedelta(minutes=3)
    assert Entry.objects.count() == entries
    assert report.entries.filter(kind=EntryKind.SIGNED).count() == 1


def test_nobody_outside_the_receiving_units_may_sign(cast):
    other = make_user("other_dispatcher")
    grant_role(None, other, cast.tree.other_town, Role.DISPATCHER)
    with at(T0):
        report = first_report(cast.grid_worker_a)
        for user in (cast.grid_worker_a, cast.community_staff, other):
            with pytest.raises(NotAllowed):
                services.sign_for(user, report)
    assert Receipt.objects.get(report=report).signed_at is None


def test_a_requested_continued_report_has_its_own_deadline_and_lights(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        request = services.request_continued(
            cast.dispatcher, report, T0 + timedelta(minutes=50), "报告人员伤亡最新情况"
        )

    assert request.warn_at == T0 + timedelta(minutes=40)
    assert services.request_light(request, T0 + timedelta(minutes=39)) == "green"
    assert services.request_light(request, T0 + timedelta(minutes=40)) == "yellow"
    assert services.request_light(request, T0 + timedelta(minutes=50)) == "yellow"
    assert services.request_light(request, T0 + timedelta(minutes=51)) == "red"
    entry = report.entries.get(kind=EntryKind.REQUESTED)
    assert entry.due_at == request.due_at


def test_the_next_continued_report_answers_the_request(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        request = services.request_continued(cast.dispatcher, report, T0 + timedelta(hours=1))
    with at(T0 + timedelta(minutes=30)):
        entry = follow_up(cast.grid_worker_a, report, "续报：无新增伤亡")
    request.refresh_from_db()
    assert request.fulfilled_by == entry
    assert services.request_light(request, T0 + timedelta(hours=2)) == ""


def test_only_one_request_is_open_at_a_time(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        services.request_continued(cast.dispatcher, report, T0 + timedelta(hours=1))
        with pytest.raises(Conflict):
            services.request_continued(cast.dispatcher, report, T0 + timedelta(hours=2))
    assert ContinuedRequest.objects.count() == 1


@pytest.mark.parametrize(
    "due", [None, T0, T0 - timedelta(minutes=1), T0 + timedelta(days=7, minutes=1)]
)
def test_a_request_needs_a_deadline_ahead_within_a_week(cast, due):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        entries = Entry.objects.count()
        with pytest.raises(Invalid) as refused:
            services.request_continued(cast.dispatcher, report, due)
    assert refused.value.field == "due_at"
    assert Entry.objects.count() == entries and ContinuedRequest.objects.count() == 0


def test_a_reporter_cannot_ask_themselves_for_a_continued_report(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        with pytest.raises(NotAllowed):
            services.request_continued(cast.grid_worker_a, report, T0 + timedelta(hours=1))


def test_a_finished_report_cannot_be_asked_for_more(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        follow_up(cast.grid_worker_a, report, "终报", kind="final")
        with pytest.raises(Conflict):
            services.request_continued(cast.dispatcher, report, T0 + timedelta(hours=1))


def test_closing_needs_the_final_report(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        with pytest.raises(Conflict):
            services.close_report(cast.dispatcher, report)
        follow_up(cast.grid_worker_a, report, "终报", kind="final")
        with pytest.raises(NotAllowed):
            services.close_report(cast.grid_worker_a, report)
        closed = services.close_report(cast.dispatcher, report, "已办结")
        with pytest.raises(Conflict):
            services.close_report(cast.dispatcher, report)
        with pytest.raises(Conflict):
            services.sign_for(cast.dispatcher, report)
    assert closed.state == ReportState.CLOSED and closed.closed_at == T0
    assert report.entries.filter(kind=EntryKind.CLOSED).count() == 1


def test_forwarding_upward_adds_the_higher_unit_as_a_receiver(cast):
    city = create_unit(None, code="440700000000", name="江门市", kind=UnitKind.CITY, parent=None)
    from wangge.org.models import OrgUnit
    from wangge.org.services import move_unit

    move_unit(None, cast.tree.district, parent=city)
    district = OrgUnit.objects.get(pk=cast.tree.district.pk)
    city_dispatcher = make_user("city_dispatcher")
    grant_role(None, city_dispatcher, city, Role.DISPATCHER)
    with at(T0):
        report = first_report(cast.grid_worker_a, to_unit=district)
        assert [u.pk for u in services.forward_candidates(report, report.receipts.get())] == [
            city.pk
        ]
        with pytest.raises(Invalid) as refused:
            services.forward_report(cast.dispatcher, report, cast.tree.town)
        assert refused.value.field == "unit"
        receipt = services.forward_report(cast.dispatcher, report, city, "请市应急指挥中心掌握")
        with pytest.raises(Invalid):
            services.forward_report(cast.dispatcher, report, city)
        signed = services.sign_for(city_dispatcher, report)

    assert receipt.unit == city and receipt.forwarded_by == cast.dispatcher
    assert signed.unit == city
    assert report.receipts.filter(signed_at__isnull=True).get().unit_id == district.pk
