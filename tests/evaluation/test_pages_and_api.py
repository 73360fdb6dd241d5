"""The evaluation pages and API: an evaluator computes and publishes; a grid worker sees their
own published result; appeals are filed and decided; refusals come back by field."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.clients import logged_in
from tests.evaluation.helpers import march_round
from wangge.core.models import AuditEntry
from wangge.evaluation import services
from wangge.evaluation.models import Appeal, AppealState, IndicatorSystem, Result


def test_leader_computes_publishes_and_exports_a_round(cast, story):
    round_ = march_round(cast)
    leader = logged_in(cast.leader)
    assert leader.get(f"/evaluation/rounds/{round_.pk}/").status_code == 200
    assert leader.post(f"/evaluation/rounds/{round_.pk}/compute/").status_code == 302
    assert leader.post(f"/evaluation/rounds/{round_.pk}/publish/").status_code == 302
    round_.refresh_from_db()
    assert round_.is_published
    page = leader.get(f"/evaluation/rounds/{round_.pk}/")
    assert b'id="ranking"' in page.content and b'id="compute"' not in page.content
    export = leader.get(f"/evaluation/rounds/{round_.pk}/export.xlsx")
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    names = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "网格员甲" not in names and len(names) == 2  # masked
    assert AuditEntry.objects.filter(action="evaluation.round.export").count() == 1


def test_grid_worker_sees_only_their_own_published_result(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    mine = Result.objects.get(round=round_, user=cast.grid_worker_a)
    theirs = Result.objects.get(round=round_, user=cast.grid_worker_b)
    worker = logged_in(cast.grid_worker_a)
    assert worker.get(f"/evaluation/results/{mine.pk}/").status_code == 404  # still a draft
    services.publish_round(cast.leader, round_)
    page = worker.get(f"/evaluation/results/{mine.pk}/")
    assert page.status_code == 200 and b"on_time_verification_rate" not in page.content
    assert worker.get(f"/evaluation/results/{theirs.pk}/").status_code == 404
    assert worker.get("/evaluation/").status_code == 200
    assert worker.post(f"/evaluation/rounds/{round_.pk}/compute/").status_code == 403


def test_system_editor_refuses_bad_weights_by_field(cast):
    leader = logged_in(cast.leader)
    data = {
        "name": "网格员考核",
        "unit": cast.tree.district.code,
        "subject_kind": "grid_workers",
        "d0_name": "上报",
        "d0_weight": "90",
        "d0_0_name": "有效上报率",
        "d0_0_weight": "100",
        "d0_0_figure": "valid_report_rate",
    }
    refused = leader.post("/evaluation/systems/new/", data)
    assert refused.status_code == 400 and b'data-field="dimensions"' in refused.content
    assert not IndicatorSystem.objects.exists()
    saved = leader.post("/evaluation/systems/new/", {**data, "d0_weight": "100"})
    assert saved.status_code == 302
    assert (
        IndicatorSystem.objects.get().dimensions.get().indicators.get().figure
        == "valid_report_rate"
    )
    assert logged_in(cast.grid_worker_a).get("/evaluation/systems/new/").status_code == 403


def test_appeal_api_files_refuses_twice_and_decides(cast, story):
    round_ = march_round(cast)
    worker = logged_in(cast.grid_worker_a)
    body = {
        "round": round_.pk,
        "case": story["one"].number,
        "unit": cast.tree.grid_a.code,
        "reason": "unreasonable",
        "explanation": "反复投诉同一问题",
    }
    created = worker.post("/api/v1/evaluation/appeals", body, content_type="application/json")
    assert created.status_code == 201, created.content
    again = worker.post("/api/v1/evaluation/appeals", body, content_type="application/json")
    assert again.status_code == 409
    bad = worker.post(
        "/api/v1/evaluation/appeals", {**body, "reason": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "reason"
    appeal_id = created.json()["id"]
    refused = worker.post(
        f"/api/v1/evaluation/appeals/{appeal_id}/decision",
        {"approve": True, "note": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    decided = logged_in(cast.leader).post(
        f"/api/v1/evaluation/appeals/{appeal_id}/decision",
        {"approve": False, "note": "证据不足"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "rejected"
    assert Appeal.objects.get().state == AppealState.REJECTED
    outsider = logged_in(cast.outsider).get(f"/api/v1/evaluation/appeals/{appeal_id}")
    assert outsider.status_code in (404, 405)


def test_appeal_pages_file_and_decide(cast, story):
    round_ = march_round(cast)
    worker = logged_in(cast.grid_worker_a)
    assert worker.get("/evaluation/appeals/new/").status_code == 200
    data = {
        "round": str(round_.pk),
        "unit": str(cast.tree.grid_a.pk),
        "case": story["two"].number,
        "reason": "not_ours",
        "explanation": "属供电局",
    }
    assert worker.post("/evaluation/appeals/new/", {**data, "case": "NOPE"}).status_code == 400
    assert worker.post("/evaluation/appeals/new/", data).status_code == 302
    appeal = Appeal.objects.get()
    leader = logged_in(cast.leader)
    decided = leader.post(
        f"/evaluation/appeals/{appeal.pk}/", {"decision": "approve", "note": "属实"}
    )
    assert decided.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == AppealState.APPROVED
    assert logged_in(cast.grid_worker_b).get(f"/evaluation/appeals/{appeal.pk}/").status_code == 404


def test_api_reads_rounds_and_results(cast, story):
    round_ = services.compute_round(cast.leader, march_round(cast))
    leader = logged_in(cast.leader)
    rounds = leader.get("/api/v1/evaluation/rounds").json()
    assert [r["id"] for r in rounds] == [round_.pk]
    results = leader.get(f"/api/v1/evaluation/rounds/{round_.pk}/results").json()
    assert len(results) == 2
    detail = leader.get(f"/api/v1/evaluation/results/{results[0]['id']}").json()
    assert {line["indicator"] for line in detail["lines"]} == {
        "有效上报率",
        "按时核查率",
        "入户走访质量",
    }
    assert (
        logged_in(cast.grid_worker_a)
        .get(f"/api/v1/evaluation/rounds/{round_.pk}/results")
        .status_code
        == 404
    )
