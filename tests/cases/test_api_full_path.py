"""A case goes all the way round the loop through the API, the way the systems using it would
drive it: a grid worker reports, the dispatcher accepts and dispatches, the department returns
it once, handles it with photos, fails verification once, is rated dissatisfied (which reopens
it) and finally satisfies the reporter. A second case is declined, late. The timeline, the
deadlines and the three rates come out exactly as the category's settings say.

Time is pinned to the first week of March 2025 (Monday 3 March is an ordinary working day).
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.loop_helpers import IN_GRID_A, photo_bytes
from tests.clients import logged_in
from wangge.analytics.figures import rates_of
from wangge.cases.models import Case
from wangge.core.clock import frozen_at

API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2025, Beijing time."""
    return datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Desk:
    """Each persona at their own browser, acting on one case at a pinned time."""

    def __init__(self, cast, number: str = "") -> None:
        self.clients = {
            "grid_worker": logged_in(cast.grid_worker_a),
            "dispatcher": logged_in(cast.dispatcher),
            "handler": logged_in(cast.department_handler),
        }
        self.number = number

    def report(self, who: str, when: datetime, **body) -> dict:
        with frozen_at(when):
            response = self.clients[who].post(f"{API}/cases", body, "application/json")
        assert response.status_code == 201, response.content
        return response.json()

    def act(self, who: str, when: datetime, action: str, **body) -> dict:
        with frozen_at(when):
            response = self.clients[who].post(
                f"{API}/cases/{self.number}/{action}", body, "application/json"
            )
        assert response.status_code == 200, (action, response.content)
        return response.json()

    def photo(self, who: str, when: datetime) -> str:
        upload = SimpleUploadedFile("result.jpg", photo_bytes(), content_type="image/jpeg")
        with frozen_at(when):
            response = self.clients[who].post(
                f"{API}/attachments", {"file": upload, "photo_only": "true"}
            )
        assert response.status_code == 201, response.content
        return response.json()["uid"]

    def read(self, who: str = "dispatcher") -> dict:
        with frozen_at(at(5, 17)):
            response = self.clients[who].get(f"{API}/cases/{self.number}")
        assert response.status_code == 200
        return response.json()


def test_a_case_goes_round_the_whole_loop_through_the_api(cast):
    # Given a grid worker who finds a broken street lamp (路灯: accepted and dispatched within
    # a working hour each, handled within three working days)
    desk = Desk(cast)
    reported = desk.report(
        "grid_worker",
        at(3, 9),
        category="C0104",
        description="路灯不亮，晚上很黑",
        lon=IN_GRID_A[0],
        lat=IN_GRID_A[1],
        reporter_name="张三丰",
        reporter_phone="13812345678",
    )
    desk.number = reported["number"]
    assert reported["state"] == "reported"
    assert moment(reported["deadlines"]["accept_due_at"]) == at(3, 10)
    assert reported["deadlines"]["handle_due_at"] is None

    # When the dispatcher accepts it and dispatches it to the city management bureau
    accepted = desk.act("dispatcher", at(3, 9, 30), "accept")
    assert moment(accepted["due_at"]) == at(3, 10, 30)  # the dispatch stage: one working hour
    dispatched = desk.act("dispatcher", at(3, 9, 45), "dispatch", department="CG440703")
    assert moment(dispatched["deadlines"]["handle_due_at"]) == at(6, 9, 45)

    # and the bureau returns it once, is sent it again and signs for it
    returned = desk.act("handler", at(3, 10, 30), "return", reason="不是我局的灯")
    assert returned["state"] == "accepted"
    assert returned["deadlines"]["handle_due_at"] is None
    redispatched = desk.act("dispatcher", at(3, 11), "dispatch", department="CG440703")
    assert moment(redispatched["deadlines"]["handle_due_at"]) == at(6, 11)
    desk.act("handler", at(3, 14, 30), "sign")

    # and reports it fixed with a photo, which the grid worker does not believe
    first_photo = desk.photo("handler", at(4, 9, 50))
    desk.act("handler", at(4, 10), "finish", note="换了灯泡", attachments=[first_photo])
    desk.act("grid_worker", at(4, 11), "fail_verification", reason="还是不亮")

    # and fixes it for real, which passes verification and is closed
    second_photo = desk.photo("handler", at(4, 14, 50))
    desk.act("handler", at(4, 15), "finish", note="换了线路", attachments=[second_photo])
    desk.act("grid_worker", at(4, 16), "verify", note="亮了")
    closed = desk.act("dispatcher", at(4, 16, 30), "close")
    assert closed["state"] == "closed"
    assert closed["is_resolved"] is True

    # and the reporter, called back, is dissatisfied: the case reopens by itself
    reopened = desk.act("dispatcher", at(5, 9), "rate", rating="dissatisfied")
    assert reopened["state"] == "handling"
    assert reopened["reopen_count"] == 1
    assert reopened["rating"] == ""
    assert moment(reopened["deadlines"]["handle_due_at"]) == at(10, 9)  # over the weekend

    # and after one more round the reporter is satisfied
    third_photo = desk.photo("handler", at(5, 13, 50))
    desk.act("handler", at(5, 14), "finish", note="加装了一盏灯", attachments=[third_photo])
    desk.act("grid_worker", at(5, 15), "verify", note="很亮")
    desk.act("dispatcher", at(5, 15, 30), "close")
    rated = desk.act("dispatcher", at(5, 16), "rate", rating="satisfied", rating_comment="好")

    # Then the case is closed and rated satisfied
    assert rated["state"] == "closed"
    assert (rated["rating"], rated["rating_comment"]) == ("satisfied", "好")

    # and the timeline holds every step in order, with no gap and an unbroken chain of states
    case = desk.read()
    events = case["timeline"]
    assert [e["action"] for e in events] == [
        "report",
        "accept",
        "dispatch",
        "return",
        "dispatch",
        "sign",
        "finish",
        "fail_verification",
        "finish",
        "verify",
        "close",
        "rate",
        "reopen",
        "finish",
        "verify",
        "close",
        "rate",
    ]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert case["version"] == len(events)
    assert events[0]["from_state"] == ""
    for before, after in pairwise(events):
        assert after["from_state"] == before["to_state"], after
    assert [e["to_state"] for e in events][-5:] == [
        "handling",
        "handled",
        "verified",
        "closed",
        "closed",
    ]
    reopen = events[12]
    assert (reopen["actor_kind"], reopen["actor_name"]) == ("system", "System")
    assert events[0]["actor_name"] == "网格员甲"
    assert moment(events[0]["created_at"]) == at(3, 9)
    assert moment(events[-1]["created_at"]) == at(5, 16)

    # and the three photos hang on the events that cited them, and on the case
    finishes = [e for e in events if e["action"] == "finish"]
    assert [[f["uid"] for f in e["attachments"]] for e in finishes] == [
        [first_photo],
        [second_photo],
        [third_photo],
    ]
    assert [a["uid"] for a in case["attachments"]] == [first_photo, second_photo, third_photo]

    # and the reporter's name and phone only ever leave masked
    assert case["reporter"] == {"name": "张**", "phone": "138****5678"}
    assert Case.objects.get(number=desk.number).reporter_phone == "13812345678"


def test_a_declined_case_and_a_rated_one_make_the_three_rates(cast):
    # Given a case that goes round the loop, accepted in time and rated satisfied
    desk = Desk(cast)
    desk.number = desk.report(
        "grid_worker", at(3, 9), category="C0104", description="路灯不亮", address="石冲路 1 号"
    )["number"]
    desk.act("dispatcher", at(3, 9, 30), "accept")
    desk.act("dispatcher", at(3, 9, 45), "dispatch", department="CG440703")
    desk.act("handler", at(3, 10), "sign")
    photo = desk.photo("handler", at(3, 15))
    desk.act("handler", at(3, 15), "finish", note="修好了", attachments=[photo])
    desk.act("grid_worker", at(3, 16), "verify", note="亮了")
    desk.act("dispatcher", at(3, 16, 30), "close")
    desk.act("dispatcher", at(4, 9), "rate", rating="satisfied")

    # When a second case is declined after its hour to accept has run out
    late = Desk(cast)
    late.number = late.report(
        "grid_worker", at(3, 9, 10), category="C0104", description="灯杆歪了", address="石冲路"
    )["number"]
    declined = late.act("dispatcher", at(3, 10, 30), "decline", reason="已有其他部门处理")

    # Then the declined case's log is two lines, and it is final
    assert declined["state"] == "declined"
    assert [(e["action"], e["from_state"], e["to_state"]) for e in declined["timeline"]] == [
        ("report", "", "reported"),
        ("decline", "reported", "declined"),
    ]
    assert [a["action"] for a in declined["allowed_actions"]] == []
    assert moment(declined["deadlines"]["accept_due_at"]) == at(3, 10, 10)

    # and half the cases were answered in time, every closed one was resolved, every rated
    # one satisfied
    rates = rates_of(Case.objects.all())
    assert (rates.reported, rates.responded_in_time) == (2, 1)
    assert rates.response_rate == 0.5
    assert rates.resolution_rate == 1.0
    assert rates.satisfaction_rate == 1.0
