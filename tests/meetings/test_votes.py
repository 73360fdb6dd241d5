"""Votes: who may vote, one ballot per voter, changes until the close, the close and the
result, secret ballots that cannot be linked to their voters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.meetings.helpers import held_meeting, links, list_vote
from tests.people.helpers import house_in, person_in
from wangge.core import clock
from wangge.core.models import AuditEntry
from wangge.meetings import services
from wangge.meetings.exceptions import Conflict, Invalid, NotAllowed
from wangge.meetings.models import (
    Ballot,
    Electorate,
    MajorityBase,
    Threshold,
    Voter,
    VoteState,
)
from wangge.meetings.rules import reaches, vote_outcome
from wangge.meetings.services import VoteInput
from wangge.people.services import save_household

pytestmark = pytest.mark.django_db


def _vote_input(**given):
    given.setdefault("question", "是否同意？")
    given.setdefault("closes_at", clock.now() + timedelta(days=1))
    return VoteInput(**given)


def test_household_representatives_are_one_per_household_of_the_community(cast):
    house_a = house_in(cast.tree.grid_a, "101")
    house_b = house_in(cast.tree.grid_b, "201", building="2栋")
    house_c = house_in(cast.tree.grid_c, "301", compound="东成花园")
    head_a = person_in(cast.tree.grid_a, "陈一", house=house_a)
    member_a = person_in(cast.tree.grid_a, "陈二", house=house_a, relation="family")
    head_b = person_in(cast.tree.grid_b, "李三", house=house_b)
    head_c = person_in(cast.tree.grid_c, "王四", house=house_c)
    save_household(None, house_a, head=head_a, members=[member_a])
    save_household(None, house_b, head=head_b)
    save_household(None, house_c, head=head_c)

    vote = services.create_vote(
        cast.community_staff, cast.tree.community, _vote_input(electorate=Electorate.HOUSEHOLDS)
    )

    assert sorted(vote.voters.values_list("name", flat=True)) == ["李三", "陈一"]
    assert vote.eligible_count == 2


def test_owners_of_a_compound_vote_once_each(cast):
    owner = person_in(cast.tree.grid_a, "业主甲")
    other = person_in(cast.tree.grid_a, "业主乙")
    from wangge.people.services import HouseInput, save_house

    first = house_in(cast.tree.grid_a, "101")
    second = house_in(cast.tree.grid_a, "102")
    third = house_in(cast.tree.grid_a, "103")
    for house, person in ((first, owner), (second, owner), (third, other)):
        save_house(None, house.building, HouseInput(number=house.number, owner=person))
    compound = first.building.compound

    vote = services.create_vote(
        cast.community_staff,
        cast.tree.community,
        _vote_input(electorate=Electorate.OWNERS, compound=compound),
    )

    assert sorted(vote.voters.values_list("name", flat=True)) == ["业主乙", "业主甲"]


def test_attendees_of_a_meeting_are_those_signed_in(cast):
    meeting = held_meeting(cast.tree.community, cast.community_staff)

    vote = services.create_vote(
        cast.community_staff,
        cast.tree.community,
        _vote_input(electorate=Electorate.ATTENDEES, meeting=meeting),
    )

    assert list(vote.voters.values_list("name", flat=True)) == ["社区干部"]


def test_a_list_with_a_name_twice_is_refused_naming_the_field(cast):
    with pytest.raises(Invalid) as refused:
        list_vote(cast.tree.community, cast.community_staff, ["甲", "甲"])
    assert refused.value.field == "names"
    assert not Voter.objects.exists()


def test_a_vote_with_nobody_eligible_is_refused(cast):
    with pytest.raises(Invalid) as refused:
        services.create_vote(
            cast.community_staff, cast.tree.community, _vote_input(electorate=Electorate.HOUSEHOLDS)
        )
    assert refused.value.field == "electorate"


def test_staff_of_another_community_cannot_open_a_vote_here(cast):
    with pytest.raises(NotAllowed):
        list_vote(cast.tree.other_community, cast.community_staff)


def test_links_are_issued_once_and_only_their_hashes_kept(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    tokens = links(cast.community_staff, vote)

    assert len(tokens) == 3
    assert links(cast.community_staff, vote) == []  # never re-issued
    stored = set(Voter.objects.values_list("token_hash", flat=True))
    assert not stored & set(tokens)


def test_one_voter_one_ballot_and_a_change_replaces_it(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, is_changeable=True)
    token = links(cast.community_staff, vote)[0]

    services.cast_ballot(token, 0)
    services.cast_ballot(token, 1)

    assert list(Ballot.objects.values_list("choice", flat=True)) == [1]


def test_a_ballot_cannot_be_changed_when_the_vote_says_so(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, is_changeable=False)
    token = links(cast.community_staff, vote)[0]
    services.cast_ballot(token, 0)

    with pytest.raises(Conflict):
        services.cast_ballot(token, 1)

    assert list(Ballot.objects.values_list("choice", flat=True)) == [0]


def test_an_unknown_link_and_an_unknown_option_are_refused(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    token = links(cast.community_staff, vote)[0]

    with pytest.raises(Invalid) as unknown:
        services.cast_ballot("x" * 43, 0)
    with pytest.raises(Invalid) as option:
        services.cast_ballot(token, 3)

    assert (unknown.value.field, option.value.field) == ("ballot_token", "choice")
    assert not Ballot.objects.exists()


def test_a_closed_vote_refuses_ballots_and_reused_links(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    first, second, _third = links(cast.community_staff, vote)
    services.cast_ballot(first, 0)
    services.close_vote(cast.community_staff, vote)

    for token in (first, second):
        with pytest.raises(Conflict):
            services.cast_ballot(token, 1)

    assert Ballot.objects.count() == 1


def test_a_vote_past_its_closing_time_refuses_ballots_before_the_worker_runs(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    token = links(cast.community_staff, vote)[0]

    with clock.frozen_at(vote.closes_at + timedelta(seconds=1)), pytest.raises(Conflict):
        services.cast_ballot(token, 0)


def test_the_worker_closes_due_votes_once_and_computes_the_result(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    for token in links(cast.community_staff, vote)[:2]:
        services.cast_ballot(token, 0)

    with clock.frozen_at(vote.closes_at + timedelta(minutes=1)):
        first = services.close_due_votes()
        second = services.close_due_votes()

    vote.refresh_from_db()
    assert first and second is None
    assert vote.state == VoteState.CLOSED
    assert vote.result["counts"] == [2, 0, 0]
    assert vote.result["passed"] is True
    assert AuditEntry.objects.filter(action="meetings.vote.close").count() == 1


def test_the_worker_job_is_registered_on_the_app_config():
    from wangge.core.jobs import periodic_jobs

    assert "wangge.meetings.services.votes.close_due_votes" in {job.path for job in periodic_jobs()}


def test_only_an_organiser_closes_a_vote(cast):
    vote = list_vote(cast.tree.community, cast.community_staff)
    with pytest.raises(NotAllowed):
        services.close_vote(cast.grid_worker_a, vote)


# --- quorum and majority ---------------------------------------------------------------------


def test_more_than_half_excludes_exactly_half_and_two_thirds_includes_it():
    assert not reaches(5, 10, Threshold.MORE_THAN_HALF)
    assert reaches(6, 10, Threshold.MORE_THAN_HALF)
    assert reaches(2, 3, Threshold.TWO_THIRDS)
    assert not reaches(5, 9, Threshold.TWO_THIRDS)
    assert reaches(0, 0, Threshold.NONE)


@settings(max_examples=300, deadline=None)
@given(
    favour=st.integers(0, 60),
    against=st.integers(0, 60),
    abstain=st.integers(0, 60),
    absent=st.integers(0, 60),
    quorum=st.sampled_from(Threshold.values),
    majority=st.sampled_from([Threshold.MORE_THAN_HALF, Threshold.TWO_THIRDS]),
    base=st.sampled_from(MajorityBase.values),
)
def test_outcome_follows_the_rules_for_any_counts(
    favour, against, abstain, absent, quorum, majority, base
):
    eligible = favour + against + abstain + absent
    outcome = vote_outcome(
        [favour, against, abstain], eligible, quorum=quorum, majority=majority, majority_base=base
    )
    cast_ = favour + against + abstain
    denominator = eligible if base == MajorityBase.ELIGIBLE else cast_
    share_needed = {Threshold.MORE_THAN_HALF: 0.5, Threshold.TWO_THIRDS: 2 / 3}[majority]
    quorum_needed = {
        Threshold.NONE: None,
        Threshold.MORE_THAN_HALF: 0.5,
        Threshold.TWO_THIRDS: 2 / 3,
    }[quorum]
    assert outcome.cast == cast_
    if quorum_needed is None:
        assert outcome.quorum_met
    else:
        assert outcome.quorum_met == (
            eligible > 0
            and (
                cast_ / eligible > quorum_needed
                if quorum == Threshold.MORE_THAN_HALF
                else cast_ * 3 >= eligible * 2
            )
        )
    if majority == Threshold.MORE_THAN_HALF:
        assert outcome.majority_met == (denominator > 0 and favour / denominator > share_needed)
    else:
        assert outcome.majority_met == (denominator > 0 and favour * 3 >= denominator * 2)
    assert outcome.passed == (outcome.quorum_met and outcome.majority_met)
    # More votes in favour never turns a pass into a failure.
    more = vote_outcome(
        [favour + 1, against, abstain],
        eligible + 1,
        quorum=quorum,
        majority=majority,
        majority_base=base,
    )
    if outcome.passed and base == MajorityBase.CAST:
        assert more.majority_met


def test_a_vote_without_quorum_fails_even_if_all_cast_are_in_favour(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, ["甲", "乙", "丙", "丁"])
    services.cast_ballot(links(cast.community_staff, vote)[0], 0)

    vote = services.close_vote(cast.community_staff, vote)

    assert vote.result["quorum_met"] is False
    assert vote.result["majority_met"] is True
    assert vote.result["passed"] is False


def test_two_thirds_of_the_eligible_counts_those_who_did_not_vote(cast):
    vote = list_vote(
        cast.tree.community,
        cast.community_staff,
        ["甲", "乙", "丙"],
        majority=Threshold.TWO_THIRDS,
        majority_base=MajorityBase.ELIGIBLE,
    )
    first, second, _third = links(cast.community_staff, vote)
    services.cast_ballot(first, 0)
    services.cast_ballot(second, 0)

    vote = services.close_vote(cast.community_staff, vote)

    assert vote.result["passed"] is True  # 2 of 3 eligible: two thirds, inclusive


# --- secrecy ---------------------------------------------------------------------------------


def _rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchall()


def test_a_secret_ballot_cannot_be_linked_to_its_voter_from_the_database(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, ["甲", "乙", "丙"], is_secret=True)
    tokens = links(cast.community_staff, vote)
    services.cast_ballot(tokens[1], 2)
    voters_before = _rows("meetings_voter")

    services.cast_ballot(tokens[1], 1)  # changed: still no trace on the voter row

    ballots = _rows("meetings_ballot")
    voters = _rows("meetings_voter")
    assert voters == voters_before
    voter_values = {str(value) for row in voters for value in row if value is not None}
    for row in ballots:
        for value in row:
            if value is None:
                continue
            text = str(value)
            # No ballot column holds a voter's id, name or hash, nor anything derived the same way.
            assert text not in voter_values or text in {str(vote.pk), "1"}
    (ballot,) = Ballot.objects.all()
    assert ballot.voter_id is None
    assert not any(
        str(v.pk) == ballot.key or v.token_hash == ballot.key for v in Voter.objects.all()
    )
    cast_entries = AuditEntry.objects.filter(action__startswith="meetings.ballot")
    assert all(entry.summary == "" and entry.data == {} for entry in cast_entries)
    # The token's holder, and only they, finds their choice again.
    voter = services.voter_by_token(tokens[1])
    assert services.my_choice(voter, tokens[1]) == 1


def test_an_open_ballot_names_its_voter(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, is_secret=False)
    token = links(cast.community_staff, vote)[0]

    ballot = services.cast_ballot(token, 0)

    assert ballot.voter.name == "甲"


def test_the_default_options_are_in_the_voters_language_whoever_organises(cast):
    """Options are stored as text: an organiser reading English must not give villagers an
    English ballot (the test runs with English active)."""
    vote = list_vote(cast.tree.community, cast.community_staff)

    assert vote.options == ["同意", "反对", "弃权"]
