"""The rollups hold the same figures as the cases themselves: for random case histories, before
and after a rebuild, with cases changing after it (read live, then applied by the job), on
SQLite and PostgreSQL. The job claims its events by compare-and-set."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.analytics.reference import reference_totals
from tests.cases.loop_helpers import IN_GRID_B, OTHER_RESIDENT, RESIDENT, act, drive_to, upload
from wangge.analytics import rollups
from wangge.analytics.models import CaseFact, Rollup
from wangge.analytics.queries import Period, Reader, Scope
from wangge.cases.models import Case
from wangge.cases.workflow import CaseState
from wangge.core.clock import frozen_at

START = timezone.make_aware(datetime(2026, 3, 2, 9, 0))  # a Monday
STATES = [
    CaseState.REPORTED,
    CaseState.DECLINED,
    CaseState.ACCEPTED,
    CaseState.HANDLING,
    CaseState.HANDLED,
    CaseState.CLOSED,
    CaseState.MERGED,
]
EXAMPLE_DAYS = 140  # each example files its cases in its own weeks, after the last one's


def periods(base: datetime) -> list[Period]:
    first = base.date()
    return [
        Period(first, first + timedelta(days=40)),
        Period(first + timedelta(days=3), first + timedelta(days=9)),
        Period(first - timedelta(days=5), first + timedelta(days=33)),
    ]


PERIODS = periods(START)

plans = st.lists(
    st.tuples(
        st.integers(0, 35),  # day reported
        st.integers(0, 600),  # minutes after 08:00
        st.sampled_from(STATES),
        st.booleans(),  # grid B
        st.booleans(),  # the other resident
        st.sampled_from(["", "satisfied", "dissatisfied"]),
    ),
    min_size=1,
    max_size=5,
)


def _make(cast, plan, base: datetime = START) -> Case:
    day, minutes, state, in_b, other, rating = plan
    at = base + timedelta(days=day, minutes=minutes - 60)
    # Grid A's worker verifies: grid B's cases stop before verification.
    in_b = in_b and state not in (CaseState.VERIFIED, CaseState.CLOSED)
    fields = {"at": IN_GRID_B} if in_b else {}
    with frozen_at(at):
        case = drive_to(cast, state, reporter=OTHER_RESIDENT if other else RESIDENT, **fields)
    if state == CaseState.CLOSED and rating:
        with frozen_at(at + timedelta(days=2)):
            case = act(cast.dispatcher, case, "rate", rating=rating)
    return case


def _later(cast, case: Case, hours: int) -> None:
    """A change after the rollup was built: accept what waits, finish what is handled."""
    case.refresh_from_db()
    with frozen_at(case.updated_at + timedelta(hours=hours)):
        if case.state == CaseState.REPORTED:
            act(cast.dispatcher, case, "accept")
        elif case.state == CaseState.HANDLING:
            act(
                cast.department_handler,
                case,
                "finish",
                note="已处理",
                attachments=[upload(cast.department_handler)],
            )
        elif case.state == CaseState.ACCEPTED:
            act(cast.dispatcher, case, "supervise", supervision_level=1, note="请加快")


def _assert_same(reader_scope: Scope, base: datetime = START) -> None:
    reader = Reader(reader_scope)
    unit = None if reader_scope.unit.parent_id is None else reader_scope.unit
    for period in periods(base):
        got = +reader.totals(period)
        want = reference_totals(period, unit)
        # The other grains hold the same sums: by area, by category, by day.
        for by in ("area_id", "category_id", "day"):
            assert +sum(reader.grouped(period, by).values(), Counter()) == got, by
        seconds = got.pop("handle_seconds", 0), want.pop("handle_seconds", 0)
        assert got == want, period
        assert abs(seconds[0] - seconds[1]) <= max(got["handle_timed"], 1), period


@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=plans, after=plans, hours=st.integers(1, 30))
def test_the_rollups_equal_the_figures_read_from_the_cases(cast, before, after, hours):
    # Examples share the database: each one's cases come after the last one's.
    last = Case.objects.order_by("-reported_at").values_list("reported_at", flat=True).first()
    base = START
    while last is not None and base <= last + timedelta(days=40):
        base += timedelta(days=EXAMPLE_DAYS)
    cases = [_make(cast, plan, base) for plan in before]
    district, grid_a = Scope(cast.tree.district), Scope(cast.tree.grid_a)
    _assert_same(district, base)  # nothing applied yet: read live from the events
    rollups.rebuild()
    _assert_same(district, base)
    _assert_same(grid_a, base)
    # New cases come after those already counted (a case filed with an earlier date can
    # make an older one a repeat request without an event on it: a rebuild fixes that).
    cases += [_make(cast, plan, base + timedelta(days=36)) for plan in after]
    for case in cases:
        _later(cast, case, hours)
    _assert_same(district, base)  # changed after the rollup: the pending events, read live
    rollups.apply_pending()
    assert not rollups.pending_contributions()
    _assert_same(district, base)
    _assert_same(grid_a, base)


def test_a_rebuild_gives_the_rollups_the_job_kept(cast):
    with frozen_at(START):
        drive_to(cast, CaseState.CLOSED)
    rollups.rebuild()
    with frozen_at(START + timedelta(days=1)):
        drive_to(cast, CaseState.HANDLING)
        drive_to(cast, CaseState.DECLINED)
    rollups.apply_pending()
    kept = _table()
    rollups.rebuild()
    assert _table() == kept and CaseFact.objects.count() == 3


def _table() -> Counter:
    key = ("grain", "day", "area_id", "department_id", "category_id")
    rows = Rollup.objects.values_list(*key, "reported", "closed", "s_handling", "closed_on_day")
    return Counter({row[:5]: row[5:] for row in rows if any(row[5:])})


def test_two_workers_holding_the_same_batch_apply_it_once(cast):
    rollups.rebuild()
    with frozen_at(START):
        drive_to(cast, CaseState.CLOSED)
    first, second = rollups.next_batch(), rollups.next_batch()
    assert first == second and first is not None
    assert rollups.apply_batch(first) == 1
    assert rollups.apply_batch(second) == 0  # the cursor moved: the claim fails
    assert rollups.next_batch() is None
    period = PERIODS[0]
    assert +Reader(Scope(cast.tree.district)).totals(period) == reference_totals(period) | Counter(
        handle_seconds=Reader(Scope(cast.tree.district)).totals(period)["handle_seconds"]
    )
    assert Rollup.objects.filter(grain="d").values_list("reported", flat=True).first() == 1


def test_the_job_reports_nothing_when_nothing_changed(cast):
    rollups.rebuild()
    assert rollups.apply_pending() == ""


def test_the_worker_applies_the_events_every_few_seconds():
    from wangge.core.jobs import periodic_jobs

    job = next(j for j in periodic_jobs() if j.path == "wangge.analytics.rollups.apply_settled")
    assert job.period <= 10


def test_the_command_rebuilds_and_applies(cast):
    from io import StringIO

    from django.core.management import call_command

    with frozen_at(START):
        drive_to(cast, CaseState.CLOSED)
    out = StringIO()
    call_command("analytics", "rebuild", stdout=out)
    assert "1 cases into" in out.getvalue()
    call_command("analytics", "apply", stdout=out)
    assert "nothing to apply" in out.getvalue()


def test_the_worker_waits_until_the_events_before_a_late_one_have_settled(cast):
    """The cursor never passes an event written less than SETTLE ago: a transaction still open
    then may hold an earlier id that becomes visible later. Until applied, the figures read
    those events live."""
    rollups.rebuild()
    with frozen_at(START):
        drive_to(cast, CaseState.CLOSED)
    with frozen_at(START + rollups.SETTLE / 2):
        assert rollups.apply_settled() == ""
        assert rollups.pending_contributions()  # read live meanwhile
        period = PERIODS[0]
        assert Reader(Scope(cast.tree.district)).totals(period)["closed"] == 1
    with frozen_at(START + rollups.SETTLE / 2):
        drive_to(cast, CaseState.HANDLING)  # a later event, just written
    with frozen_at(START + rollups.SETTLE + timedelta(seconds=1)):
        assert rollups.apply_settled()  # the first case's events, not the second's
        assert rollups.next_batch(settled_before=START + rollups.SETTLE / 2) is None
        assert rollups.next_batch() is not None
    with frozen_at(START + rollups.SETTLE * 2):
        assert rollups.apply_settled()
        assert not rollups.pending_contributions()
