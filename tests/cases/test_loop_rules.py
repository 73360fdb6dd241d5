"""Each step of the loop with its rules: who may take it, from where, what it needs, what it
changes; and the refusals, each with a message and nothing written."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cases.loop_helpers import (
    DEPARTMENT,
    GRID_ENTRY_CATEGORY,
    IN_GRID_C,
    NOWHERE,
    OTHER_DEPARTMENT,
    OTHER_RESIDENT,
    RESIDENT,
    RESIDENT_PHONE,
    act,
    add_department,
    add_person,
    assert_log_consistent,
    drive_to,
    file_case,
    footprint,
    fresh,
    refused,
    upload,
)
from wangge.cases.exceptions import (
    CaseInvalid,
    Conflict,
    InvalidTransition,
    MissingRequirement,
    NotAllowed,
    NotFound,
)
from wangge.cases.models import Attachment, CaseAssignment
from wangge.cases.permissions import Resident, get_case_for_resident
from wangge.cases.services import ActionInput, perform, update_loop_rules
from wangge.cases.workflow import CaseState
from wangge.org.roles import Role

# --- the log -------------------------------------------------------------------------------


def test_every_step_appends_one_event_recording_who_when_from_and_to(cast):
    case = drive_to(cast, CaseState.CLOSED)
    events = list(case.events.order_by("seq"))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("dispatch", "accepted", "dispatched"),
        ("sign", "dispatched", "handling"),
        ("finish", "handling", "handled"),
        ("verify", "handled", "verified"),
        ("close", "verified", "closed"),
    ]
    assert [e.actor_kind for e in events] == [
        "reporter",
        "dispatcher",
        "dispatcher",
        "department_handler",
        "department_handler",
        "grid_worker",
        "dispatcher",
    ]
    assert events[0].actor is None and events[0].actor_label == "Reporter"
    assert events[3].actor == cast.department_handler
    assert events[4].note == "已更换灯泡"
    assert events[4].attachments.count() == 1
    assert_log_consistent(case)


def test_a_step_that_stays_still_appends_an_event_from_and_to_the_same_state(cast):
    case = drive_to(cast, CaseState.HANDLING)
    case = act(cast.department_handler, case, "progress", note="已联系供电所")
    last = case.events.order_by("seq").last()
    assert (last.action, last.from_state, last.to_state) == ("progress", "handling", "handling")
    assert case.version == last.seq == 5


def test_an_illegal_step_is_refused_with_a_message_naming_the_action_and_state(cast):
    case = drive_to(cast, CaseState.REPORTED)
    error = refused(cast.department_handler, case, "sign", InvalidTransition)
    assert str(error) == "The action “Sign for” is not possible on a case that is “Reported”."


def test_a_closed_case_cannot_be_handled_again(cast):
    case = drive_to(cast, CaseState.CLOSED)
    for action in ("accept", "dispatch", "finish", "verify", "close", "comment"):
        refused(cast.dispatcher, case, action, InvalidTransition, note="x", reason="x")


def test_a_writer_holding_an_old_version_gets_a_conflict_and_writes_nothing(cast):
    case = drive_to(cast, CaseState.REPORTED)
    seen_by_a = fresh(case)
    seen_by_b = fresh(case)
    perform(cast.dispatcher, seen_by_a, "accept")
    before = footprint()
    with pytest.raises(Conflict) as raised:
        perform(cast.dispatcher, seen_by_b, "decline", ActionInput(reason="重复"))
    assert "Someone else changed this case" in str(raised.value)
    assert footprint() == before
    assert fresh(case).state == CaseState.ACCEPTED


def test_an_explicit_expected_version_is_checked(cast):
    case = drive_to(cast, CaseState.REPORTED)
    with pytest.raises(Conflict):
        perform(cast.dispatcher, case, "accept", expected_version=case.version + 1)
    perform(cast.dispatcher, case, "accept", expected_version=case.version)


# --- accept, decline ---------------------------------------------------------------------


def test_accepting_may_reclassify_to_another_subcategory(cast):
    case = drive_to(cast, CaseState.REPORTED)
    case = act(cast.dispatcher, case, "accept", category="C0105")
    assert case.category.code == "C0105"
    assert case.responded_at is not None
    assert case.events.last().data == {"category_from": "C0104", "category": "C0105"}


@pytest.mark.parametrize("code", ["C01", "NOPE"])
def test_accepting_into_a_class_or_unknown_category_is_refused(cast, code):
    case = drive_to(cast, CaseState.REPORTED)
    error = refused(cast.dispatcher, case, "accept", CaseInvalid, category=code)
    assert error.field == "category"


def test_declining_needs_a_reason(cast):
    case = drive_to(cast, CaseState.REPORTED)
    error = refused(cast.dispatcher, case, "decline", MissingRequirement, reason="   ")
    assert error.field == "reason"
    case = act(cast.dispatcher, case, "decline", reason="不属于受理范围")
    assert case.state == CaseState.DECLINED
    assert case.responded_at is not None
    assert case.events.last().note == "不属于受理范围"


def test_only_a_dispatcher_over_the_case_accepts(cast):
    """(Or the system, `None`: routing's automatic dispatch; see test_workflow_table.)"""
    case = drive_to(cast, CaseState.REPORTED)
    town_dispatcher = add_person("town_dispatcher", cast.tree.other_town, Role.DISPATCHER)
    for actor in (
        cast.grid_worker_a,
        cast.community_staff,
        cast.department_handler,
        cast.leader,
        cast.administrator,
        cast.outsider,
        RESIDENT,
        town_dispatcher,  # a dispatcher of another subdistrict
    ):
        refused(actor, case, "accept", NotAllowed)


def test_a_dispatcher_of_the_subdistrict_accepts_its_cases(cast):
    case = drive_to(cast, CaseState.REPORTED)
    town_dispatcher = add_person("town_dispatcher", cast.tree.town, Role.DISPATCHER)
    assert act(town_dispatcher, case, "accept").state == CaseState.ACCEPTED


def test_a_note_over_4000_characters_is_refused(cast):
    case = drive_to(cast, CaseState.REPORTED)
    error = refused(cast.dispatcher, case, "decline", CaseInvalid, reason="长" * 4001)
    assert error.field == "reason"


# --- merge ---------------------------------------------------------------------------------


def test_merging_needs_the_case_it_duplicates(cast):
    master = drive_to(cast, CaseState.ACCEPTED)
    case = file_case(OTHER_RESIDENT)
    assert refused(cast.dispatcher, case, "merge", MissingRequirement).field == "master"
    case = act(cast.dispatcher, case, "merge", master=master.number)
    assert case.state == CaseState.MERGED
    assert case.master == master
    assert case.responded_at is not None


def test_a_case_cannot_be_merged_into_itself_an_unknown_or_a_merged_case(cast):
    merged = drive_to(cast, CaseState.MERGED)
    declined = drive_to(cast, CaseState.DECLINED)
    case = file_case(OTHER_RESIDENT)
    for master in (case.number, "20990101000001", merged.number, declined.number):
        error = refused(cast.dispatcher, case, "merge", CaseInvalid, master=master)
        assert error.field == "master"


def test_a_dispatcher_cannot_merge_into_a_case_they_cannot_see(cast):
    town_dispatcher = add_person("town_dispatcher", cast.tree.town, Role.DISPATCHER)
    elsewhere = file_case(RESIDENT, at=IN_GRID_C)
    case = file_case(OTHER_RESIDENT)
    error = refused(town_dispatcher, case, "merge", CaseInvalid, master=elsewhere.number)
    assert error.field == "master"


def test_a_merged_case_is_final(cast):
    case = drive_to(cast, CaseState.MERGED)
    for action in ("accept", "merge", "dispatch", "reopen", "comment", "supervise"):
        refused(cast.dispatcher, case, action, InvalidTransition, reason="x", note="x")
    act(cast.leader, case, "instruct", note="注意同类问题")  # a leader may still instruct


# --- dispatch, reassign, return ------------------------------------------------------------


def test_dispatching_needs_a_department_and_sets_the_handling_unit(cast):
    case = drive_to(cast, CaseState.ACCEPTED)
    assert refused(cast.dispatcher, case, "dispatch", MissingRequirement).field == "department"
    for code in ("NOPE", cast.tree.town.code):
        error = refused(cast.dispatcher, case, "dispatch", CaseInvalid, department=code)
        assert error.field == "department"
    case = act(cast.dispatcher, case, "dispatch", department=DEPARTMENT)
    assert case.state == CaseState.DISPATCHED
    assert case.department == cast.tree.department
    assert case.dispatched_at is not None
    assert CaseAssignment.objects.get(case=case, is_active=True).role == "lead"


def test_a_case_off_the_grid_entry_list_cannot_go_down_to_a_grid(cast):
    case = drive_to(cast, CaseState.ACCEPTED)
    error = refused(
        cast.dispatcher, case, "dispatch", CaseInvalid, department=cast.tree.grid_a.code
    )
    assert error.field == "department"


def test_a_grid_entry_case_goes_down_to_its_grid_and_the_grid_s_worker_handles_it(cast):
    case = file_case(cast.grid_worker_a, category=GRID_ENTRY_CATEGORY)
    case = act(cast.dispatcher, case, "accept")
    case = act(cast.dispatcher, case, "dispatch", department=cast.tree.grid_a.code)
    refused(cast.grid_worker_b, case, "sign", NotAllowed)
    refused(cast.department_handler, case, "sign", NotAllowed)
    case = act(cast.grid_worker_a, case, "sign")
    assert case.handler == cast.grid_worker_a
    case = act(
        cast.grid_worker_a, case, "finish", note="已清运", attachments=[upload(cast.grid_worker_a)]
    )
    assert case.state == CaseState.HANDLED


def test_another_department_s_handler_cannot_touch_the_case(cast):
    water = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    refused(water.handler, drive_to(cast, CaseState.DISPATCHED), "sign", NotAllowed)
    case = drive_to(cast, CaseState.HANDLING)
    evidence = upload(water.handler)
    for action in ("return", "finish", "progress", "request_extension"):
        refused(
            water.handler, case, action, NotAllowed, reason="x", note="x", attachments=[evidence]
        )


def test_the_handler_returns_a_wrong_case_with_a_reason(cast):
    case = drive_to(cast, CaseState.HANDLING)
    assert refused(cast.department_handler, case, "return", MissingRequirement).field == "reason"
    case = act(cast.department_handler, case, "return", reason="不属本部门职责")
    assert case.state == CaseState.ACCEPTED
    assert case.department is None and case.handler is None
    assert case.handle_due_at is None
    assert not CaseAssignment.objects.filter(case=case, is_active=True).exists()
    assert case.stage == "dispatch"
    # Gone from the department: the handler can neither act on it nor find it.
    refused(cast.department_handler, case, "sign", InvalidTransition)
    refused(cast.department_handler, case, "comment", NotAllowed, note="x")


def test_reassigning_moves_the_case_to_another_department_with_a_reason(cast):
    water = add_department(cast, OTHER_DEPARTMENT, "水务局", "water_handler")
    case = drive_to(cast, CaseState.HANDLING)
    error = refused(
        cast.dispatcher, case, "reassign", MissingRequirement, department=OTHER_DEPARTMENT
    )
    assert error.field == "reason"
    error = refused(
        cast.dispatcher, case, "reassign", CaseInvalid, department=DEPARTMENT, reason="x"
    )
    assert error.field == "department"
    case = act(cast.dispatcher, case, "reassign", department=OTHER_DEPARTMENT, reason="属水务")
    assert case.state == CaseState.DISPATCHED
    assert case.department == water.unit and case.handler is None
    assert case.events.last().data["department_from"] == DEPARTMENT
    refused(cast.department_handler, case, "sign", NotAllowed)
    assert act(water.handler, case, "sign").state == CaseState.HANDLING


def test_assigning_a_grid_to_a_case_no_grid_was_found_for(cast):
    case = file_case(RESIDENT, at=NOWHERE, address="石冲路")
    assert case.needs_grid and case.area == cast.tree.district
    assert refused(cast.dispatcher, case, "assign_grid", MissingRequirement).field == "grid"
    for code in ("NOPE", DEPARTMENT, cast.tree.community.code):
        assert refused(cast.dispatcher, case, "assign_grid", CaseInvalid, grid=code).field == "grid"
    case = act(cast.dispatcher, case, "assign_grid", grid=cast.tree.grid_b.code)
    assert case.state == CaseState.REPORTED
    assert case.area == cast.tree.grid_b and not case.needs_grid
    refused(cast.grid_worker_a, case, "comment", NotAllowed, note="x")
    act(cast.grid_worker_b, case, "comment", note="我去看看")


def test_a_dispatcher_cannot_assign_a_grid_outside_their_area(cast):
    town_dispatcher = add_person("town_dispatcher", cast.tree.town, Role.DISPATCHER)
    case = file_case(cast.grid_worker_a)
    error = refused(town_dispatcher, case, "assign_grid", CaseInvalid, grid=cast.tree.grid_c.code)
    assert error.field == "grid"


# --- finish, verify, close -----------------------------------------------------------------


def test_finishing_needs_a_note_and_evidence(cast):
    case = drive_to(cast, CaseState.HANDLING)
    error = refused(cast.department_handler, case, "finish", MissingRequirement, note="修好了")
    assert error.field == "attachments"
    evidence = upload(cast.department_handler)
    error = refused(
        cast.department_handler, case, "finish", MissingRequirement, attachments=[evidence]
    )
    assert error.field == "note"
    case = act(cast.department_handler, case, "finish", note="修好了", attachments=[evidence])
    assert case.state == CaseState.HANDLED and case.handled_at is not None
    assert Attachment.objects.get(uid=evidence).case == case


def test_evidence_uploaded_by_someone_else_or_already_used_is_refused(cast):
    case = drive_to(cast, CaseState.HANDLING)
    theirs = upload(cast.grid_worker_a)
    for attachments in ([theirs], ["not-a-uid"], ["00000000-0000-0000-0000-000000000000"]):
        error = refused(
            cast.department_handler,
            case,
            "finish",
            CaseInvalid,
            note="修好了",
            attachments=attachments,
        )
        assert error.field == "attachments"
    assert Attachment.objects.get(uid=theirs).case is None
    used = drive_to(cast, CaseState.HANDLED).events.last().attachments.get()
    error = refused(
        cast.department_handler,
        case,
        "finish",
        CaseInvalid,
        note="修好了",
        attachments=[str(used.uid)],
    )
    assert error.field == "attachments"


def test_the_grid_worker_of_the_case_s_grid_verifies_and_no_other(cast):
    case = drive_to(cast, CaseState.HANDLED)
    refused(cast.grid_worker_b, case, "verify", NotAllowed, note="亮了")
    refused(cast.department_handler, case, "verify", NotAllowed, note="亮了")
    assert refused(cast.grid_worker_a, case, "verify", MissingRequirement).field == "note"
    assert act(cast.grid_worker_a, case, "verify", note="亮了").state == CaseState.VERIFIED


def test_failing_verification_sends_the_case_back_to_handling_with_a_reason(cast):
    case = drive_to(cast, CaseState.HANDLED)
    error = refused(cast.grid_worker_a, case, "fail_verification", MissingRequirement)
    assert error.field == "reason"
    case = act(cast.grid_worker_a, case, "fail_verification", reason="还是不亮")
    assert case.state == CaseState.HANDLING
    assert case.handled_at is None
    assert CaseAssignment.objects.get(case=case, is_active=True).finished_at is None
    assert case.stage == "handle" and case.due_at == case.handle_due_at


def test_closing_as_resolved_or_with_an_explanation(cast):
    case = drive_to(cast, CaseState.VERIFIED)
    error = refused(cast.dispatcher, case, "close", MissingRequirement, resolved=False)
    assert error.field == "reason"
    case = act(cast.dispatcher, case, "close", resolved=False, reason="条件不具备，已解释")
    assert case.state == CaseState.CLOSED
    assert case.is_resolved is False and case.closed_at is not None
    assert case.due_at is None and case.stage == ""


def test_the_system_may_close_a_verified_case(cast):
    case = drive_to(cast, CaseState.VERIFIED)
    case = act(None, case, "close")
    assert case.is_resolved is True
    assert case.events.last().actor_kind == "system"


# --- rating and reopening ------------------------------------------------------------------


def test_the_reporter_rates_their_own_case_once(cast):
    case = drive_to(cast, CaseState.CLOSED)
    same_phone = Resident(phone=f"+86 {RESIDENT_PHONE}")
    refused(OTHER_RESIDENT, case, "rate", NotAllowed, rating="satisfied")
    refused(cast.outsider, case, "rate", NotAllowed, rating="satisfied")
    assert refused(same_phone, case, "rate", MissingRequirement).field == "rating"
    assert refused(same_phone, case, "rate", CaseInvalid, rating="great").field == "rating"
    case = act(same_phone, case, "rate", rating="basically_satisfied", rating_comment="还行")
    assert case.rating == "basically_satisfied" and case.rating_comment == "还行"
    assert case.state == CaseState.CLOSED
    error = refused(RESIDENT, case, "rate", CaseInvalid, rating="satisfied")
    assert error.field == "rating"
    refused(cast.dispatcher, case, "rate", CaseInvalid, rating="satisfied")


def test_an_account_reporter_rates_their_case_but_not_another_s(cast):
    # A resident with an account: it holds no role.
    mine = drive_to(cast, CaseState.CLOSED, reporter=cast.outsider)
    theirs = drive_to(cast, CaseState.CLOSED, reporter=cast.grid_worker_b)
    refused(cast.outsider, theirs, "rate", NotAllowed, rating="satisfied")
    assert act(cast.outsider, mine, "rate", rating="satisfied").rating == "satisfied"


def test_staff_do_not_rate_their_own_reports(cast):
    patrol = drive_to(cast, CaseState.CLOSED, reporter=cast.grid_worker_a)
    refused(cast.grid_worker_a, patrol, "rate", NotAllowed, rating="satisfied")


def test_the_dispatcher_records_a_rating_from_a_call_back(cast):
    case = drive_to(cast, CaseState.CLOSED)
    assert act(cast.dispatcher, case, "rate", rating="satisfied").rating == "satisfied"


def test_a_dissatisfied_rating_reopens_the_case_once(cast):
    case = drive_to(cast, CaseState.CLOSED)
    case = act(RESIDENT, case, "rate", rating="dissatisfied")
    assert case.state == CaseState.HANDLING
    assert case.reopen_count == 1
    assert case.rating == "" and case.closed_at is None and case.is_resolved is None
    rate, reopen = case.events.order_by("-seq")[:2][::-1]
    assert (rate.action, rate.data["rating"]) == ("rate", "dissatisfied")
    assert (reopen.action, reopen.actor_kind, reopen.from_state) == ("reopen", "system", "closed")
    assert case.stage == "handle" and case.due_at == case.handle_due_at
    assert case.department == cast.tree.department
    assert_log_consistent(case)
    # Round the loop again: the second dissatisfied rating stays a rating.
    case = act(
        cast.department_handler,
        case,
        "finish",
        note="再修",
        attachments=[upload(cast.department_handler)],
    )
    case = act(cast.grid_worker_a, case, "verify", note="亮了")
    case = act(cast.dispatcher, case, "close")
    case = act(RESIDENT, case, "rate", rating="dissatisfied")
    assert case.state == CaseState.CLOSED and case.rating == "dissatisfied"
    assert case.reopen_count == 1
    assert refused(cast.dispatcher, case, "reopen", CaseInvalid, reason="再来").field == "reason"


def test_how_often_a_case_reopens_is_a_rule_the_city_sets(cast):
    update_loop_rules(None, max_reopens=2, reopen_on_dissatisfied=True)
    case = drive_to(cast, CaseState.CLOSED)
    for _round in range(2):
        case = act(RESIDENT, case, "rate", rating="dissatisfied")
        assert case.state == CaseState.HANDLING
        case = act(
            cast.department_handler,
            case,
            "finish",
            note="再修",
            attachments=[upload(cast.department_handler)],
        )
        case = act(cast.grid_worker_a, case, "verify", note="亮了")
        case = act(cast.dispatcher, case, "close")
    case = act(RESIDENT, case, "rate", rating="dissatisfied")
    assert case.state == CaseState.CLOSED and case.reopen_count == 2


def test_a_city_may_turn_off_reopening_on_a_dissatisfied_rating(cast):
    update_loop_rules(None, max_reopens=1, reopen_on_dissatisfied=False)
    case = drive_to(cast, CaseState.CLOSED)
    case = act(RESIDENT, case, "rate", rating="dissatisfied")
    assert case.state == CaseState.CLOSED and case.rating == "dissatisfied"
    # The dispatcher may still reopen it by hand, within the limit.
    case = act(cast.dispatcher, case, "reopen", reason="复核后重新办理")
    assert case.state == CaseState.HANDLING and case.reopen_count == 1


def test_reopening_by_hand_needs_a_reason(cast):
    case = drive_to(cast, CaseState.CLOSED)
    assert refused(cast.dispatcher, case, "reopen", MissingRequirement).field == "reason"
    refused(cast.leader, case, "reopen", NotAllowed, reason="x")
    refused(RESIDENT, case, "reopen", NotAllowed, reason="x")


# --- leaders and comments ------------------------------------------------------------------


def test_a_leader_instructs_on_any_case_in_their_area_and_a_note_is_required(cast):
    case = drive_to(cast, CaseState.HANDLING)
    assert refused(cast.leader, case, "instruct", MissingRequirement).field == "note"
    for actor in (cast.dispatcher, cast.department_handler, cast.grid_worker_a):
        refused(actor, case, "instruct", NotAllowed, note="x")
    case = act(cast.leader, case, "instruct", note="请本周内办结")
    event = case.events.last()
    assert (event.action, event.actor_kind, event.note) == ("instruct", "leader", "请本周内办结")
    assert case.state == CaseState.HANDLING


def test_participants_comment_and_the_public_and_other_grids_may_not(cast):
    case = drive_to(cast, CaseState.HANDLING)
    for actor in (cast.grid_worker_a, cast.community_staff, cast.department_handler):
        act(actor, case, "comment", note="备注")
    for actor in (cast.grid_worker_b, cast.outsider, RESIDENT, None):
        refused(actor, case, "comment", NotAllowed, note="备注")


def test_an_inactive_user_may_do_nothing(cast):
    case = drive_to(cast, CaseState.REPORTED)
    cast.dispatcher.is_active = False
    refused(cast.dispatcher, case, "accept", NotAllowed)


# --- the public reporter ------------------------------------------------------------------


def test_the_reporter_s_phone_is_stored_encrypted_and_finds_the_case(cast):
    case = drive_to(cast, CaseState.REPORTED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM cases_case WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert stored and RESIDENT_PHONE not in stored
    assert fresh(case).reporter_phone == RESIDENT_PHONE
    assert get_case_for_resident(case.number, "138-0013-8000") == case
    for number, phone in (
        (case.number, "13900139000"),
        (case.number, ""),
        ("nope", RESIDENT_PHONE),
    ):
        with pytest.raises(NotFound):
            get_case_for_resident(number, phone)


def test_a_case_without_a_phone_is_found_by_no_phone(cast):
    case = file_case(cast.grid_worker_a)
    with pytest.raises(NotFound):
        get_case_for_resident(case.number, "")


@pytest.mark.parametrize(
    ("state", "action", "given", "field"),
    [
        (CaseState.REPORTED, "decline", {"reason": "重复\x00"}, "reason"),
        (CaseState.REPORTED, "comment", {"note": "\x00"}, "note"),
        (CaseState.REPORTED, "accept", {"category": "C0105\x00"}, "category"),
        (CaseState.REPORTED, "merge", {"master": "2025\x00"}, "master"),
        (CaseState.REPORTED, "assign_grid", {"grid": "440703006107002\x00"}, "grid"),
        (CaseState.ACCEPTED, "dispatch", {"department": "CG440703\x00"}, "department"),
        (
            CaseState.ACCEPTED,
            "dispatch",
            {"department": DEPARTMENT, "assisting": ["\x00"]},
            "assisting",
        ),
        (
            CaseState.CLOSED,
            "rate",
            {"rating": "satisfied", "rating_comment": "好\x00"},
            "rating_comment",
        ),
        (CaseState.CLOSED, "rate", {"rating": "satisfied\x00"}, "rating"),
        (CaseState.REPORTED, "decline", {"reason": 42}, "reason"),
        (CaseState.REPORTED, "comment", {"note": None}, "note"),
        (CaseState.ACCEPTED, "dispatch", {"department": ["CG440703"]}, "department"),
    ],
)
def test_text_with_nul_characters_or_of_the_wrong_type_is_refused(
    cast, state, action, given, field
):
    # PostgreSQL cannot hold a NUL character in text: it must be a refusal, not a crash.
    case = drive_to(cast, state)
    assert refused(cast.dispatcher, case, action, CaseInvalid, **given).field == field


def test_the_reporter_and_the_system_are_named_in_the_reader_s_language(cast):
    """Their label is not stored (it would keep the language of the request that wrote it)."""
    from django.utils import translation

    case = file_case(RESIDENT)
    first = case.events.get(seq=1)
    assert first.actor_name == "" and first.actor_kind == "reporter"
    with translation.override("zh-hans"):
        assert first.actor_label == "诉求人"
    with translation.override("en"):
        assert first.actor_label == "Reporter"
    worker_case = file_case(cast.grid_worker_a)
    assert worker_case.events.get(seq=1).actor_label == "网格员甲"
