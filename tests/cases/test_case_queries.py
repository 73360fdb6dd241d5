"""The reads of cases: who sees what, the "my work" tabs of each role, the filtered and
keyset-paginated list, the timeline and the three rates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.cases.loop_helpers import (
    DEPARTMENT,
    GRID_ENTRY_CATEGORY,
    IN_GRID_B,
    IN_GRID_C,
    NOWHERE,
    OTHER_DEPARTMENT,
    RESIDENT,
    act,
    add_department,
    drive_to,
    file_case,
    upload,
)
from wangge.analytics.figures import rates_of
from wangge.cases import queries
from wangge.cases.exceptions import CaseInvalid, NotFound
from wangge.cases.models import Case
from wangge.cases.permissions import get_case_for_resident, get_case_for_user, visible_cases
from wangge.cases.queries import (
    CaseFilters,
    Tab,
    my_queue,
    my_tabs,
    page_of,
    queue_counts,
    search_cases,
    timeline,
)
from wangge.cases.services import update_loop_rules
from wangge.cases.workflow import CaseState
from wangge.core.clock import frozen_at
from wangge.core.models import User

MONDAY = datetime.fromisoformat("2025-11-24T09:00:00+08:00")


def numbers(cases) -> set[str]:
    return {case.number for case in cases}


# --- who sees what --------------------------------------------------------------------------


@pytest.fixture
def spread(cast):
    """A case in each grid, one nowhere, one dispatched to 城管局."""
    return {
        "a": file_case(RESIDENT),
        "b": file_case(RESIDENT, at=IN_GRID_B),
        "c": file_case(RESIDENT, at=IN_GRID_C),
        "nowhere": file_case(RESIDENT, at=NOWHERE),
        "dispatched": drive_to(cast, CaseState.DISPATCHED),
    }


def test_an_account_with_no_role_and_no_one_logged_in_see_nothing(cast, spread):
    assert not visible_cases(cast.outsider).exists()
    assert not visible_cases(AnonymousUser()).exists()
    with pytest.raises(NotFound):
        get_case_for_user(cast.outsider, spread["a"].number)


def test_a_grid_worker_sees_their_grid_only(cast, spread):
    assert numbers(visible_cases(cast.grid_worker_a)) == numbers(
        [spread["a"], spread["dispatched"]]
    )
    assert numbers(visible_cases(cast.grid_worker_b)) == {spread["b"].number}
    with pytest.raises(NotFound):
        get_case_for_user(cast.grid_worker_b, spread["a"].number)


def test_community_staff_see_their_community_and_the_district_sees_all(cast, spread):
    assert numbers(visible_cases(cast.community_staff)) == numbers(
        [spread["a"], spread["b"], spread["dispatched"]]
    )
    assert numbers(visible_cases(cast.dispatcher)) == numbers(spread.values())
    assert numbers(visible_cases(cast.leader)) == numbers(spread.values())


def test_a_department_handler_sees_only_what_is_dispatched_to_their_department(cast, spread):
    assert numbers(visible_cases(cast.department_handler)) == {spread["dispatched"].number}
    act(cast.department_handler, spread["dispatched"], "return", reason="不属本部门")
    assert not visible_cases(cast.department_handler).exists()


def test_an_account_sees_what_it_reported_wherever_it_is(cast):
    case = file_case(cast.grid_worker_b)  # in grid A
    assert get_case_for_user(cast.grid_worker_b, case.number) == case


def test_an_inactive_account_sees_nothing_and_a_superuser_everything(cast, spread):
    cast.dispatcher.is_active = False
    assert not visible_cases(cast.dispatcher).exists()
    root = User.objects.create(username="root", is_superuser=True)
    assert visible_cases(root).count() == len(spread)


def test_visible_cases_is_one_query_without_duplicates(cast, spread, django_assert_num_queries):
    water = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    case = drive_to(cast, CaseState.ACCEPTED)
    act(cast.dispatcher, case, "dispatch", department=DEPARTMENT, assisting=[OTHER_DEPARTMENT])
    list(visible_cases(water.handler))  # warm the membership cache
    with django_assert_num_queries(1):
        seen = list(visible_cases(water.handler))
    assert [c.number for c in seen] == [case.number]


# --- my work --------------------------------------------------------------------------------


def test_the_dispatcher_s_tabs_hold_each_case_where_it_waits_for_them(cast):
    water = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    reported = drive_to(cast, CaseState.REPORTED)
    accepted = drive_to(cast, CaseState.ACCEPTED)
    verified = drive_to(cast, CaseState.VERIFIED)
    closed = drive_to(cast, CaseState.CLOSED)
    rated = act(RESIDENT, drive_to(cast, CaseState.CLOSED), "rate", rating="satisfied")
    asking = drive_to(cast, CaseState.HANDLING)
    asking = act(
        cast.department_handler,
        asking,
        "request_extension",
        new_deadline=asking.due_at + timedelta(days=3),
        reason="等配件",
    )
    merged = drive_to(cast, CaseState.MERGED)
    master = merged.master
    expected = {
        Tab.TO_ACCEPT: {reported.number, master.number},
        Tab.TO_DISPATCH: {accepted.number},
        Tab.TO_CLOSE: {verified.number},
        Tab.TO_RATE: {closed.number},
        Tab.REQUESTS: {asking.number},
    }
    for tab, cases in expected.items():
        assert numbers(my_queue(cast.dispatcher, tab)) == cases, tab
    assert rated.number not in numbers(my_queue(cast.dispatcher, Tab.TO_RATE))
    # Nobody else has these tabs.
    for user in (cast.department_handler, cast.grid_worker_a, water.handler, cast.leader):
        for tab in expected:
            assert not my_queue(user, tab).exists()


def test_the_handler_s_tab_holds_what_their_department_leads_or_assists(cast):
    water = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    led = drive_to(cast, CaseState.HANDLING)
    assisted = drive_to(cast, CaseState.ACCEPTED)
    assisted = act(
        cast.dispatcher, assisted, "dispatch", department=OTHER_DEPARTMENT, assisting=[DEPARTMENT]
    )
    drive_to(cast, CaseState.HANDLED)  # done: not waiting for the handler any more
    assert numbers(my_queue(cast.department_handler, Tab.TO_HANDLE)) == {
        led.number,
        assisted.number,
    }
    assert numbers(my_queue(water.handler, Tab.TO_HANDLE)) == {assisted.number}
    act(cast.department_handler, assisted, "finish_part", note="已配合")
    assert numbers(my_queue(cast.department_handler, Tab.TO_HANDLE)) == {led.number}


def test_a_grid_worker_verifies_only_their_grid_s_cases(cast):
    in_a = drive_to(cast, CaseState.HANDLED)
    in_b = file_case(RESIDENT, at=IN_GRID_B)
    in_b = act(cast.dispatcher, in_b, "accept")
    in_b = act(cast.dispatcher, in_b, "dispatch", department=DEPARTMENT)
    in_b = act(cast.department_handler, in_b, "sign")
    in_b = act(
        cast.department_handler,
        in_b,
        "finish",
        note="修好了",
        attachments=[upload(cast.department_handler)],
    )
    assert numbers(my_queue(cast.grid_worker_a, Tab.TO_VERIFY)) == {in_a.number}
    assert numbers(my_queue(cast.grid_worker_b, Tab.TO_VERIFY)) == {in_b.number}
    assert numbers(my_queue(cast.dispatcher, Tab.TO_VERIFY)) == {in_a.number, in_b.number}


def test_grid_worker_b_never_sees_grid_a_s_cases_in_any_tab_or_search(cast):
    for state in CaseState:
        drive_to(cast, state)
    case = file_case(RESIDENT, category=GRID_ENTRY_CATEGORY)
    case = act(cast.dispatcher, case, "accept")
    act(cast.dispatcher, case, "dispatch", department=cast.tree.grid_a.code)
    for tab in Tab:
        assert not my_queue(cast.grid_worker_b, tab).exists(), tab
    assert not search_cases(cast.grid_worker_b, CaseFilters()).exists()
    assert numbers(my_queue(cast.grid_worker_a, Tab.TO_HANDLE)) == {case.number}


def test_the_supervised_tab_holds_open_visible_cases_with_a_card(cast):
    case = drive_to(cast, CaseState.HANDLING)
    act(cast.leader, case, "supervise", supervision_level=1, note="催办")
    drive_to(cast, CaseState.HANDLING)
    for user in (cast.department_handler, cast.dispatcher, cast.grid_worker_a):
        assert numbers(my_queue(user, Tab.SUPERVISED)) == {case.number}
    assert not my_queue(cast.grid_worker_b, Tab.SUPERVISED).exists()


def test_each_role_has_its_tabs(cast):
    assert my_tabs(cast.dispatcher) == [
        Tab.TO_ACCEPT,
        Tab.TO_DISPATCH,
        Tab.TO_VERIFY,
        Tab.TO_CLOSE,
        Tab.TO_RATE,
        Tab.REQUESTS,
        Tab.SUPERVISED,
    ]
    assert my_tabs(cast.department_handler) == [Tab.TO_HANDLE, Tab.SUPERVISED]
    assert my_tabs(cast.grid_worker_a) == [Tab.TO_HANDLE, Tab.TO_VERIFY, Tab.SUPERVISED]
    assert my_tabs(cast.outsider) == [Tab.SUPERVISED]


def test_a_tab_lists_the_most_urgent_first_in_a_fixed_number_of_queries(
    cast, django_assert_num_queries
):
    with frozen_at(MONDAY + timedelta(hours=2)):
        later = file_case(RESIDENT)
    with frozen_at(MONDAY):
        sooner = file_case(RESIDENT)
    list(my_queue(cast.dispatcher, Tab.TO_ACCEPT))
    # The units the dispatcher works in, then the cases with what a list shows of them.
    with django_assert_num_queries(2):
        rows = list(my_queue(cast.dispatcher, Tab.TO_ACCEPT))
        labels = [(c.category.name, c.area.name, c.department) for c in rows]
    assert [c.number for c in rows] == [sooner.number, later.number]
    assert labels[0][0] == "路灯"
    assert queue_counts(cast.dispatcher)[Tab.TO_ACCEPT] == 2


def test_an_unknown_tab_is_a_programming_error(cast):
    with pytest.raises(ValueError):
        my_queue(cast.dispatcher, "everything")


# --- search and pages -----------------------------------------------------------------------


def test_search_filters_narrow_the_visible_cases(cast):
    with frozen_at(MONDAY):
        lamp = file_case(RESIDENT, description="路灯不亮", address="石冲路 3 号")
        rubbish = file_case(
            cast.grid_worker_b, at=IN_GRID_B, category=GRID_ENTRY_CATEGORY, description="垃圾成堆"
        )
    with frozen_at(MONDAY + timedelta(days=2)):
        lost = file_case(RESIDENT, at=NOWHERE, description="井盖丢失", category="C0101")
        accepted = act(cast.dispatcher, lost, "accept")
    d = cast.dispatcher

    def found(**filters) -> set[str]:
        return numbers(search_cases(d, CaseFilters(**filters), now=MONDAY + timedelta(days=2)))

    assert found() == numbers([lamp, rubbish, lost])
    assert found(state=["accepted"]) == {accepted.number}
    assert found(state=["reported", "accepted"]) == numbers([lamp, rubbish, lost])
    assert found(category="C0104") == {lamp.number}
    assert found(category="C01") == numbers([lamp, lost])  # a class takes its subcategories
    assert found(unit=cast.tree.grid_b.code) == {rubbish.number}
    assert found(unit=cast.tree.community.code) == numbers([lamp, rubbish])
    assert found(unit="NOPE") == set()
    assert found(overdue=True) == numbers([lamp, rubbish])
    assert found(overdue=False) == {lost.number}
    assert found(reported_from=date(2025, 11, 26)) == {lost.number}
    assert found(reported_to=date(2025, 11, 24)) == numbers([lamp, rubbish])
    assert found(text="井盖") == {lost.number}
    assert found(text="石冲路") == {lamp.number}
    assert found(text=lamp.number) == {lamp.number}
    assert found(channel="grid_patrol") == {rubbish.number}
    assert found(needs_grid=True) == {lost.number}
    assert found(needs_grid=False) == numbers([lamp, rubbish])
    # Filters never widen what the user may see.
    assert numbers(search_cases(cast.grid_worker_b, CaseFilters(category="C01"))) == set()


def test_pages_cover_every_case_once_newest_first(cast, django_assert_num_queries):
    made = []
    for minutes in (0, 0, 0, 5, 5, 10, 20):  # several cases share a moment
        with frozen_at(MONDAY + timedelta(minutes=minutes)):
            made.append(file_case(RESIDENT))
    everything = list(search_cases(cast.dispatcher, CaseFilters()))
    assert everything[0] == made[-1]
    seen: list[Case] = []
    cursor = None
    pages = 0
    while True:
        query = search_cases(cast.dispatcher, CaseFilters())
        with django_assert_num_queries(1):
            page = page_of(query, cursor, 3)
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert seen == everything
    assert len({case.pk for case in seen}) == len(made)


def test_a_case_filed_between_pages_does_not_shift_them(cast):
    for minutes in range(4):
        with frozen_at(MONDAY + timedelta(minutes=minutes)):
            file_case(RESIDENT)
    first = page_of(search_cases(cast.dispatcher, CaseFilters()), None, 2)
    with frozen_at(MONDAY + timedelta(hours=1)):
        newest = file_case(RESIDENT)
    second = page_of(search_cases(cast.dispatcher, CaseFilters()), first.next_cursor, 2)
    assert newest not in second.items
    assert len({c.pk for c in first.items + second.items}) == 4
    assert second.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "MjAyNQ",
        "bm90LWEtZGF0ZXw1",
        "MjAyNS0xMS0yNFQwOTowMDowMHxhYmM",
        "游标",
        "MjAyNS0xMS0yNFQwOTowMDowMHw1",
    ],
)
def test_a_bad_cursor_is_refused_naming_the_cursor(cast, cursor):
    # The last one is a naive moment ("2025-11-24T09:00:00|5").
    with pytest.raises(CaseInvalid) as raised:
        page_of(search_cases(cast.dispatcher, CaseFilters()), cursor, 10)
    assert raised.value.field == "cursor"


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"text": "路灯\x00"}, "text"),
        ({"unit": "440703\x00"}, "unit"),
        ({"category": "C01\x00"}, "category"),
        ({"channel": "\x00"}, "channel"),
        ({"state": ["reported\x00"]}, "state"),
    ],
)
def test_a_filter_with_a_nul_character_is_refused_naming_it(cast, filters, field):
    file_case(RESIDENT)
    with pytest.raises(CaseInvalid) as raised:
        list(search_cases(cast.dispatcher, CaseFilters(**filters)))
    assert raised.value.field == field


def test_a_number_with_a_nul_character_is_no_case(cast):
    case = file_case(RESIDENT)
    with pytest.raises(NotFound):
        get_case_for_user(cast.dispatcher, case.number + "\x00")
    with pytest.raises(NotFound):
        get_case_for_resident(case.number + "\x00", "13800138000")


# --- timeline and rates ---------------------------------------------------------------------


def test_the_timeline_is_the_log_in_order_in_two_queries(cast, django_assert_num_queries):
    case = drive_to(cast, CaseState.CLOSED)
    with django_assert_num_queries(2):
        events = timeline(case)
        names = [(e.actor.username if e.actor else None, e.attachments.count()) for e in events]
    assert [e.seq for e in events] == list(range(1, 8))
    assert names[4] == ("handler", 1)


def test_the_three_rates_of_a_known_set(cast):
    update_loop_rules(None, max_reopens=1, reopen_on_dissatisfied=False)
    with frozen_at(MONDAY):
        on_time = [drive_to(cast, CaseState.CLOSED) for _ in range(3)]
        declined = drive_to(cast, CaseState.DECLINED)  # responded in time, never closed
        merged = drive_to(cast, CaseState.MERGED)  # not counted: its master carries it
        act(cast.dispatcher, merged.master, "accept")
        late = file_case(RESIDENT)
    with frozen_at(MONDAY + timedelta(hours=3)):
        act(cast.dispatcher, late, "accept")  # two hours after its deadline
        unexplained = drive_to(cast, CaseState.VERIFIED)
        unexplained = act(cast.dispatcher, unexplained, "close", resolved=False, reason="无法解决")
    act(RESIDENT, on_time[0], "rate", rating="satisfied")
    act(RESIDENT, on_time[1], "rate", rating="basically_satisfied")
    act(RESIDENT, unexplained, "rate", rating="dissatisfied")
    rates = rates_of(Case.objects.all())
    # Reported: 3 closed, the declined one, the master, the late one and the unexplained one.
    assert rates.reported == 7
    assert rates.responded_in_time == 6  # all but the late one
    assert rates.closed == 4 and rates.resolved == 3
    assert rates.rated == 3 and rates.satisfied == 2
    assert rates.response_rate == pytest.approx(6 / 7)
    assert rates.resolution_rate == pytest.approx(3 / 4)
    assert rates.satisfaction_rate == pytest.approx(2 / 3)
    assert declined.state == "declined"


def test_the_rates_of_nothing_are_none(db):
    rates = rates_of(Case.objects.all())
    assert (rates.response_rate, rates.resolution_rate, rates.satisfaction_rate) == (
        None,
        None,
        None,
    )


def test_a_tab_pages_by_deadline_with_every_case_once(cast):
    from wangge.cases.queries import queue_page_of

    filed = []
    for hours in (5, 1, 3, 1, 4):
        with frozen_at(MONDAY + timedelta(hours=hours)):
            filed.append(file_case(RESIDENT))
    seen, cursor = [], None
    while True:
        page = queue_page_of(my_queue(cast.dispatcher, Tab.TO_ACCEPT), cursor, 2)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == len({c.pk for c in seen}) == 5
    assert [c.due_at for c in seen] == sorted(c.due_at for c in filed)


def test_an_attachment_is_served_to_its_uploader_then_to_those_who_see_its_case(cast):
    from tests.cases.loop_helpers import photo_bytes
    from wangge.cases.permissions import get_attachment_for_user
    from wangge.cases.services import store_attachment

    attachment = store_attachment(cast.grid_worker_a, photo_bytes(), name="a.jpg")
    assert get_attachment_for_user(cast.grid_worker_a, attachment.uid) == attachment
    with pytest.raises(NotFound):
        get_attachment_for_user(cast.dispatcher, attachment.uid)  # not linked yet: not theirs

    file_case(cast.grid_worker_a, category="E0101", attachments=[str(attachment.uid)])

    assert get_attachment_for_user(cast.dispatcher, attachment.uid) == attachment
    for stranger in (cast.grid_worker_b, cast.outsider, AnonymousUser()):
        with pytest.raises(NotFound):
            get_attachment_for_user(stranger, attachment.uid)
    with pytest.raises(NotFound):
        get_attachment_for_user(cast.dispatcher, "not-a-uuid")


def test_the_counts_of_every_tab_agree_with_the_tabs_one_query_each(
    cast, django_assert_max_num_queries
):
    from tests.cases.loop_helpers import drive_to

    for state in (
        CaseState.REPORTED,
        CaseState.ACCEPTED,
        CaseState.HANDLING,
        CaseState.HANDLED,
        CaseState.VERIFIED,
        CaseState.CLOSED,
    ):
        drive_to(cast, state)
    for user in (cast.dispatcher, cast.department_handler, cast.grid_worker_a, cast.leader):
        expected = {tab.value: my_queue(user, tab).count() for tab in my_tabs(user)}
        user = User.objects.get(pk=user.pk)  # memberships not cached yet: one query for them
        # Memberships, the units of the roles, the cases the user's departments assist on,
        # then one count per tab.
        with django_assert_max_num_queries(3 + len(expected)):
            counts = queue_counts(user)
        assert counts == expected
        assert sum(counts.values()) > 0 or user == cast.leader


def test_a_tab_holds_the_same_cases_whether_its_units_are_listed_or_looked_up(cast, monkeypatch):
    """A few units are listed by id, many are a subquery: both give every tab the same cases."""
    from tests.cases.loop_helpers import drive_to

    for state in (CaseState.REPORTED, CaseState.HANDLING, CaseState.HANDLED, CaseState.CLOSED):
        drive_to(cast, state)
    users = (cast.dispatcher, cast.department_handler, cast.grid_worker_a)

    def tabs_of(user: User) -> dict[str, list[str]]:
        user = User.objects.get(pk=user.pk)
        return {tab: [c.number for c in my_queue(user, tab)] for tab in my_tabs(user)}

    listed = {user.username: tabs_of(user) for user in users}
    monkeypatch.setattr(queries, "_LITERAL_UNITS_MAX", 0)
    looked_up = {user.username: tabs_of(user) for user in users}
    assert looked_up == listed
    assert all(any(numbers for numbers in tabs.values()) for tabs in listed.values())


def test_a_role_at_the_top_sees_every_case_but_only_while_the_tree_has_one_top(cast):
    from wangge.org.roles import UnitKind
    from wangge.org.services import create_unit

    mine = file_case(cast.grid_worker_a)
    assert set(visible_cases(cast.dispatcher)) == {mine}  # the district's dispatcher
    # A second district beside it, with a grid and a case of its own.
    other = create_unit(
        None, code="440704000000", name="江海区", kind=UnitKind.DISTRICT, parent=None
    )
    town = create_unit(
        None, code="440704001000", name="江南街道", kind=UnitKind.SUBDISTRICT, parent=other
    )
    community = create_unit(
        None, code="440704001001", name="江南社区", kind=UnitKind.COMMUNITY, parent=town
    )
    grid = create_unit(
        None, code="440704001001001", name="江南社区第1网格", kind=UnitKind.GRID, parent=community
    )
    theirs = file_case(cast.dispatcher, at=None, grid=grid.code)
    dispatcher = User.objects.get(pk=cast.dispatcher.pk)  # memberships read afresh
    assert set(visible_cases(dispatcher)) == {mine, theirs}  # theirs: reported by them
    assert theirs not in set(visible_cases(User.objects.get(pk=cast.leader.pk)))
