"""The reporting side: where a report goes, its first-report deadline and late marking, the
lights at 80 % and past due, the order of states, and refusals that write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.info_reports.helpers import T0, at, first_report, follow_up, kind, photo
from wangge.core.models import AuditEntry
from wangge.info_reports import services
from wangge.info_reports.exceptions import Conflict, Invalid, NotAllowed
from wangge.info_reports.models import (
    Entry,
    EntryAttachment,
    EntryKind,
    InfoReport,
    Receipt,
    ReportState,
)
from wangge.notifications.models import Notification
from wangge.org.roles import Role
from wangge.org.services import grant_role

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        InfoReport.objects.count(),
        Entry.objects.count(),
        Receipt.objects.count(),
        EntryAttachment.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.filter(action__startswith="info_reports").count(),
    )


def test_a_grid_workers_report_goes_to_the_nearest_unit_with_a_dispatcher(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)

    assert report.from_unit == cast.tree.grid_a
    assert report.grid == cast.tree.grid_a
    assert report.to_unit == cast.tree.district  # 环市街道 has no dispatcher
    assert report.number.startswith("XB20261120")
    assert report.state == ReportState.REPORTED
    assert list(report.receipts.values_list("unit", flat=True)) == [cast.tree.district.pk]
    first = report.entries.get()
    assert (first.seq, first.kind, first.injured) == (1, EntryKind.FIRST, 1)
    assert Notification.objects.filter(user=cast.dispatcher, subject=report.number).count() == 1


def test_a_town_with_a_dispatcher_of_its_own_receives_first(cast):
    from conftest import make_user

    grant_role(None, make_user("town_dispatcher"), cast.tree.town, Role.DISPATCHER)
    with at(T0):
        report = first_report(cast.grid_worker_a)

    assert report.to_unit == cast.tree.town


def test_the_reporter_may_choose_a_higher_command_unit(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a, to_unit=cast.tree.town)
    assert report.to_unit == cast.tree.town


def test_numbers_are_unique_and_readable(cast):
    with at(T0):
        numbers = [first_report(cast.grid_worker_a).number for _ in range(3)]
    assert numbers == ["XB202611200001", "XB202611200002", "XB202611200003"]


def test_the_first_report_is_due_the_kinds_limit_after_it_was_learned_of(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a, known_minutes_ago=10)

    assert kind().first_report_minutes == 60
    assert report.first_report_due_at == T0 - timedelta(minutes=10) + timedelta(minutes=60)
    assert not report.is_late and report.minutes_late == 0


def test_a_limit_counts_natural_minutes_through_the_night(cast):
    night = T0.replace(hour=23, minute=50)
    with at(night):
        report = first_report(cast.grid_worker_a, known_minutes_ago=0)
    assert report.first_report_due_at == night + timedelta(minutes=60)


def test_a_report_entered_after_its_deadline_is_late_by_whole_minutes(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a, known_minutes_ago=60 + 12.5)

    assert report.is_late
    assert report.minutes_late == 13  # 12.5 minutes late counts as 13
    assert services.first_report_light(report) == "red"


def test_a_report_entered_exactly_at_its_deadline_is_on_time(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a, known_minutes_ago=60)
    assert not report.is_late
    assert services.first_report_light(report) == "yellow"


@pytest.mark.parametrize(
    ("minutes_ago", "light"),
    [(47.9, "green"), (48, "yellow"), (59, "yellow"), (61, "red")],
)
def test_the_first_report_light_turns_yellow_at_80_percent_and_red_past_due(
    cast, minutes_ago, light
):
    with at(T0):
        report = first_report(cast.grid_worker_a, known_minutes_ago=minutes_ago)
    assert services.first_report_light(report) == light


def test_states_run_reported_following_finished(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        follow_up(cast.grid_worker_a, report, "二次续报", dead=0, injured=2)
        report.refresh_from_db()
        assert report.state == ReportState.FOLLOWING
        assert (report.injured, report.dead) == (2, 0)
        follow_up(cast.grid_worker_a, report, "明火扑灭，转入善后", kind="final")
        report.refresh_from_db()

    assert report.state == ReportState.FINISHED
    kinds = list(report.entries.order_by("seq").values_list("kind", flat=True))
    assert kinds == [EntryKind.FIRST, EntryKind.CONTINUED, EntryKind.FINAL]


def test_a_continued_report_may_leave_the_figures_as_they_were(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a, injured=3)
        entry = follow_up(cast.grid_worker_a, report, "仍在处置")
    report.refresh_from_db()
    assert report.injured == 3 and entry.injured is None


def test_nothing_can_be_added_after_the_final_report(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        follow_up(cast.grid_worker_a, report, "终报", kind="final")
        before = _counts()
        with pytest.raises(Conflict) as refused:
            follow_up(cast.grid_worker_a, report, "再续报")
    assert refused.value.field == "state"
    assert _counts() == before


def test_files_are_attached_to_the_entry(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a, attachments=[photo(cast.grid_worker_a)])
    assert EntryAttachment.objects.filter(entry__report=report, entry__seq=1).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"description": "  "}, "description"),
        ({"kind": None}, "kind"),
        ({"known_at": None}, "known_at"),
        ({"happened_at": None}, "happened_at"),
        ({"injured": -1}, "injured"),
        ({"dead": 100_001}, "dead"),
        ({"address": "路" * 201}, "address"),
        ({"longitude": 113.0}, "latitude"),
        ({"longitude": 200.0, "latitude": 22.0}, "longitude"),
        ({"title": "a\x00b"}, "title"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_write_nothing(cast, change, field):
    with at(T0):
        before = _counts()
        with pytest.raises(Invalid) as refused:
            first_report(cast.grid_worker_a, **change)
    assert refused.value.field == field
    assert _counts() == before


def test_learning_of_it_after_now_is_refused(cast):
    with at(T0), pytest.raises(Invalid) as refused:
        first_report(cast.grid_worker_a, known_minutes_ago=-5)
    assert refused.value.field == "known_at"
    assert InfoReport.objects.count() == 0


def test_learning_of_it_before_it_happened_is_refused(cast):
    with at(T0), pytest.raises(Invalid) as refused:
        first_report(cast.grid_worker_a, happened_at=T0)
    assert refused.value.field == "known_at"
    assert InfoReport.objects.count() == 0


def test_a_receiver_that_is_not_above_the_reporter_is_refused(cast):
    with at(T0), pytest.raises(Invalid) as refused:
        first_report(cast.grid_worker_a, to_unit=cast.tree.other_town)
    assert refused.value.field == "to_unit"


def test_a_grid_outside_the_reporters_unit_is_refused(cast):
    with at(T0), pytest.raises(Invalid) as refused:
        first_report(cast.grid_worker_a, grid=cast.tree.grid_b)
    assert refused.value.field == "grid"


def test_a_file_of_someone_else_is_refused(cast):
    with at(T0):
        others = photo(cast.grid_worker_b)
        with pytest.raises(Invalid) as refused:
            first_report(cast.grid_worker_a, attachments=[others])
    assert refused.value.field == "attachments"
    assert InfoReport.objects.count() == 0


def test_a_file_used_once_cannot_be_used_again(cast):
    with at(T0):
        used = photo(cast.grid_worker_a)
        report = first_report(cast.grid_worker_a, attachments=[used])
        with pytest.raises(Invalid):
            follow_up(cast.grid_worker_a, report, attachments=[used])


def test_someone_without_the_capability_cannot_report(cast):
    with at(T0):
        with pytest.raises(NotAllowed):
            first_report(cast.leader)
        with pytest.raises(NotAllowed):
            first_report(cast.outsider)


def test_a_grid_worker_of_another_grid_cannot_follow_up(cast):
    with at(T0):
        report = first_report(cast.grid_worker_a)
        with pytest.raises(NotAllowed):
            follow_up(cast.grid_worker_b, report)
    assert report.entries.count() == 1


def test_the_timeline_is_append_only_in_the_database(cast):
    from django.db import IntegrityError, transaction

    with at(T0):
        report = first_report(cast.grid_worker_a)
    entry = report.entries.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(text="改写")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()
