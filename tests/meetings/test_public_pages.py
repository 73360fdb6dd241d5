"""The residents' pages under /public/meetings/: proposing a topic (rate-limited), voting with
a one-time link, signing in, the published result and the disclosures. None shows a voter's or
a proposer's personal data."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.meetings.helpers import links, list_vote, meeting_in
from tests.meetings.test_services import _through
from tests.people.helpers import assert_error_beside, html_of
from wangge.meetings import services
from wangge.meetings.models import Ballot, Step, StepDocument, Topic

pytestmark = pytest.mark.django_db
PUBLIC = "/public/meetings"


def _proposal(cast, **given):
    data = {
        "community": cast.tree.community.pk,
        "title": "增设快递柜",
        "description": "小区没有快递柜",
        "proposer_name": "陈伯",
        "proposer_phone": "13812345678",
    }
    data.update(given)
    return data


def test_a_resident_proposes_a_topic_without_an_account(cast):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(f"{PUBLIC}/propose/", _proposal(cast))
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.community, topic.source, topic.proposer_phone) == (
        cast.tree.community,
        "resident",
        "13812345678",
    )


def test_a_proposal_without_a_phone_is_refused_beside_it(cast):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"{PUBLIC}/propose/", _proposal(cast, proposer_phone="")
    )
    assert response.status_code == 400
    assert_error_beside(html_of(response), "id_proposer_phone")
    assert not Topic.objects.exists()


def test_proposals_are_rate_limited_per_phone(cast, settings):
    settings.PUBLIC_REPORTS_PER_PHONE_PER_DAY = 2
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _n in range(2):
        assert client.post(f"{PUBLIC}/propose/", _proposal(cast)).status_code == 302
    refused = client.post(f"{PUBLIC}/propose/", _proposal(cast))
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Topic.objects.count() == 2


def test_proposals_are_rate_limited_per_address(cast, settings):
    settings.PUBLIC_REPORTS_PER_IP_PER_HOUR = 1
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(f"{PUBLIC}/propose/", _proposal(cast)).status_code == 302
    assert (
        client.post(f"{PUBLIC}/propose/", _proposal(cast, proposer_phone="13900001111")).status_code
        == 429
    )


def test_a_villager_votes_changes_and_sees_the_result_after_the_close(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, ["陈一", "李二"], is_secret=True)
    token = links(cast.community_staff, vote)[0]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"{PUBLIC}/ballot/{token}/")
    assert page.status_code == 200 and "是否同意加装电梯" in html_of(page)
    assert "陈一" not in html_of(page)

    assert client.post(f"{PUBLIC}/ballot/{token}/", {"choice": "0"}).status_code == 302
    assert client.post(f"{PUBLIC}/ballot/{token}/", {"choice": "1"}).status_code == 302
    assert list(Ballot.objects.values_list("choice", flat=True)) == [1]
    services.close_vote(cast.community_staff, vote)

    closed = html_of(client.get(f"{PUBLIC}/ballot/{token}/"))
    assert 'id="vote-result"' in closed and 'id="ballot-form"' not in closed
    refused = client.post(f"{PUBLIC}/ballot/{token}/", {"choice": "0"})
    assert refused.status_code == 409
    assert list(Ballot.objects.values_list("choice", flat=True)) == [1]


def test_an_unchangeable_ballot_offers_no_form_once_cast(cast):
    vote = list_vote(cast.tree.community, cast.community_staff, is_changeable=False)
    token = links(cast.community_staff, vote)[0]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(f"{PUBLIC}/ballot/{token}/", {"choice": "2"})
    page = html_of(client.get(f"{PUBLIC}/ballot/{token}/"))
    assert 'id="ballot-form"' not in page and 'id="my-choice"' in page
    assert client.post(f"{PUBLIC}/ballot/{token}/", {"choice": "0"}).status_code == 409


def test_an_unknown_link_is_404_and_many_are_throttled(cast, settings):
    settings.PUBLIC_LOOKUPS_PER_IP_PER_HOUR = 2
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    statuses = [client.get(f"{PUBLIC}/ballot/{'a' * 43}/").status_code for _n in range(3)]
    assert statuses == [404, 404, 429]


def test_an_invitee_signs_in_with_their_link_on_the_day(cast):
    meeting = meeting_in(cast.tree.community, cast.community_staff, hours=0.5)
    invitee = meeting.invitees.last()
    token = services.issue_sign_in_link(cast.community_staff, invitee)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "陈伯" in html_of(client.get(f"{PUBLIC}/sign-in/{token}/"))
    assert client.post(f"{PUBLIC}/sign-in/{token}/").status_code == 200
    invitee.refresh_from_db()
    assert invitee.signed_in_at is not None
    assert client.get(f"{PUBLIC}/sign-in/{token}/").status_code == 404


def test_the_public_result_shows_counts_and_no_voter(cast):
    vote = list_vote(
        cast.tree.community, cast.community_staff, ["陈一", "李二", "王三"], is_secret=False
    )
    for token in links(cast.community_staff, vote)[:2]:
        services.cast_ballot(token, 0)
    before = html_of(Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{PUBLIC}/votes/{vote.pk}/"))
    assert 'id="vote-open"' in before
    services.close_vote(cast.community_staff, vote)

    page = html_of(Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{PUBLIC}/votes/{vote.pk}/"))

    assert "Passed" in page and "2 of 3" in page
    for name in ("陈一", "李二", "王三"):
        assert name not in page


def test_disclosures_are_public_with_the_notice_photo_and_nothing_else(cast):
    procedure = services.start_procedure(cast.community_staff, cast.tree.community, "村道硬化")
    assert (
        Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{PUBLIC}/disclosures/{procedure.pk}/").status_code
        == 404
    )
    _through(procedure, cast.community_staff, Step.RESOLUTION_DISCLOSED)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    page = html_of(client.get(f"{PUBLIC}/disclosures/{procedure.pk}/"))
    photo = StepDocument.objects.get()
    assert "村道硬化" in page and "党支部提议" not in page
    assert f"/photos/{photo.pk}/" in page
    assert client.get(f"{PUBLIC}/disclosures/{procedure.pk}/photos/{photo.pk}/").status_code == 200
    assert "村道硬化" in html_of(client.get(f"{PUBLIC}/disclosures/"))


def test_public_pages_answer_in_chinese_by_default(cast, chinese_client):
    vote = list_vote(cast.tree.community, cast.community_staff)
    token = links(cast.community_staff, vote)[0]
    assert chinese_client.get(f"{PUBLIC}/ballot/{token}/").status_code == 200
    assert chinese_client.get(f"{PUBLIC}/propose/").status_code == 200


def test_the_proposal_page_is_phone_sized(cast):
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{PUBLIC}/propose/"))
    assert 'type="tel"' in html and "narrow" in html
