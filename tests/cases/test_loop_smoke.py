from __future__ import annotations

from tests.cases.loop_helpers import act, file_case, upload


def test_a_case_goes_round_the_loop(cast) -> None:
    case = file_case(cast.grid_worker_a)
    assert case.state == "reported"
    assert case.area == cast.tree.grid_a
    case = act(cast.dispatcher, case, "accept")
    case = act(cast.dispatcher, case, "dispatch", department="CG440703")
    case = act(cast.department_handler, case, "sign")
    evidence = upload(cast.department_handler)
    case = act(cast.department_handler, case, "finish", note="修好了", attachments=[evidence])
    case = act(cast.grid_worker_a, case, "verify", note="亮了")
    case = act(cast.dispatcher, case, "close")
    assert case.state == "closed"
    assert list(case.events.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
