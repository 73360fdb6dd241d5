"""Who finds evaluation in the home workbench and the menu, and the evidence files behind manual
scores and appeals: served only to those who may see the result or appeal (404 otherwise, as
for no such file), each opening audited."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image

from tests.clients import logged_in
from tests.evaluation.helpers import march_round
from wangge.core.models import AuditEntry
from wangge.evaluation import services
from wangge.evaluation.models import Method, Result

HOME = "/evaluation/"
APPEALS = "/evaluation/appeals/"


def entries(user, path: str = "/") -> dict[str, bool]:
    request = RequestFactory().get(path)
    request.user = user
    config = apps.get_app_config("evaluation")
    assert {e["url"] for e in config.nav_entries(request)} == {
        e["url"] for e in config.home_entries(request)
    }
    return {str(e["url"]): e["is_current"] for e in config.nav_entries(request)}


@pytest.mark.parametrize(
    ("who", "urls"),
    [
        ("grid_worker_a", {HOME, APPEALS}),  # their own results, and appeals for their grid
        ("community_staff", {HOME, APPEALS}),
        ("dispatcher", {HOME, APPEALS}),
        ("department_handler", {HOME, APPEALS}),
        ("leader", {HOME}),  # evaluates: rounds, systems and the appeals to decide via home
        ("outsider", set()),
    ],
)
def test_evaluation_and_appeals_entries_follow_the_capabilities(cast, who, urls):
    assert set(entries(getattr(cast, who))) == urls


def test_the_longest_matching_entry_is_current(cast):
    assert entries(cast.grid_worker_a, "/evaluation/appeals/3/") == {HOME: False, APPEALS: True}
    assert entries(cast.grid_worker_a, "/evaluation/results/3/") == {HOME: True, APPEALS: False}


def test_home_workbench_and_menu_show_the_entries(cast):
    page = logged_in(cast.grid_worker_a).get("/")
    assert page.status_code == 200
    assert f'href="{HOME}"'.encode() in page.content
    assert f'href="{APPEALS}"'.encode() in page.content
    outsider = logged_in(cast.outsider).get("/")
    assert f'href="{HOME}"'.encode() not in outsider.content


def photo() -> io.BytesIO:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(output, format="JPEG")
    output.seek(0)
    return output


def manual_indicator(round_) -> int:
    return next(
        i["id"]
        for d in round_.definition["dimensions"]
        for i in d["indicators"]
        if i["method"] == Method.MANUAL
    )


def test_score_evidence_is_served_to_those_who_see_the_result_and_audited(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    mine = Result.objects.get(round=round_, user=cast.grid_worker_a)
    theirs = Result.objects.get(round=round_, user=cast.grid_worker_b)
    evidence = services.store_evidence(cast.leader, photo(), "走访记录.jpg")
    score = services.score_manually(
        cast.leader, mine, manual_indicator(round_), "20", "走访扎实", [evidence]
    )
    link = score.evidence.get()
    url = f"/evaluation/results/{mine.pk}/evidence/{link.pk}/"
    leader = logged_in(cast.leader)
    page = leader.get(f"/evaluation/results/{mine.pk}/")
    assert url.encode() in page.content
    served = leader.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")
    entry = AuditEntry.objects.get(action="evaluation.evidence.download")
    assert (entry.actor, entry.data) == (cast.leader, {"score": score.pk})
    # Through another subject's result, the file is not there.
    assert leader.get(f"/evaluation/results/{theirs.pk}/evidence/{link.pk}/").status_code == 404
    worker = logged_in(cast.grid_worker_a)
    assert worker.get(url).status_code == 404  # the round is still a draft
    services.publish_round(cast.leader, round_)
    assert worker.get(url).status_code == 200  # their own published result
    assert logged_in(cast.grid_worker_b).get(url).status_code == 404
    assert logged_in(cast.outsider).get(url).status_code == 404
    missing = f"/evaluation/results/{mine.pk}/evidence/99999/"
    assert logged_in(cast.leader).get(missing).status_code == 404
    assert AuditEntry.objects.filter(action="evaluation.evidence.download").count() == 2


def test_appeal_evidence_is_served_to_the_unit_and_its_evaluators(cast, story):
    round_ = march_round(cast)
    worker = logged_in(cast.grid_worker_a)
    filed = worker.post(
        "/evaluation/appeals/new/",
        {
            "round": str(round_.pk),
            "unit": str(cast.tree.grid_a.pk),
            "case": story["declined"].number,
            "reason": "unreasonable",
            "explanation": "重复投诉",
            "evidence": SimpleUploadedFile("申诉照片.jpg", photo().read(), "image/jpeg"),
        },
    )
    assert filed.status_code == 302, filed.content
    appeal = round_.appeals.get()
    link = appeal.evidence.get()
    url = f"/evaluation/appeals/{appeal.pk}/evidence/{link.pk}/"
    assert url.encode() in worker.get(f"/evaluation/appeals/{appeal.pk}/").content
    assert worker.get(url).status_code == 200
    assert logged_in(cast.leader).get(url).status_code == 200
    assert logged_in(cast.grid_worker_b).get(url).status_code == 404
    assert logged_in(cast.outsider).get(url).status_code == 404
    other = services.file_appeal(
        cast.grid_worker_a,
        round_,
        story["one"].number,
        unit=cast.tree.grid_a,
        reason="other",
        explanation="另一件",
    )
    assert worker.get(f"/evaluation/appeals/{other.pk}/evidence/{link.pk}/").status_code == 404
    downloads = AuditEntry.objects.filter(action="evaluation.evidence.download")
    assert sorted(e.actor.username for e in downloads) == ["gw_a", "leader"]
    assert {e.data["appeal"] for e in downloads} == {appeal.pk}


def test_a_refused_score_shows_beside_its_field_and_a_published_round_answers_409(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    mine = Result.objects.get(round=round_, user=cast.grid_worker_a)
    indicator = manual_indicator(round_)
    leader = logged_in(cast.leader)
    url = f"/evaluation/results/{mine.pk}/"
    too_many = leader.post(url, {"indicator": indicator, "score": "999", "note": ""})
    assert too_many.status_code == 400
    html = too_many.content.decode()
    assert 'aria-describedby="score-error"' in html and 'class="field-error"' in html
    services.publish_round(cast.leader, round_)
    locked = leader.post(url, {"indicator": indicator, "score": "10", "note": ""})
    assert locked.status_code == 409
    assert 'class="message error"' in locked.content.decode()
    assert not mine.lines.filter(indicator_id=indicator, score__isnull=False).exists()
