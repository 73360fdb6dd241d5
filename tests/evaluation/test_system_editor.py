"""The indicator system editor: as many dimensions and indicators as the organiser needs (an
"add" button posts the form back with one more row, nothing saved), refusals beside the row
they name, and what the editor has no column for (descriptions) kept through an edit."""

from __future__ import annotations

import re

from tests.clients import logged_in
from tests.evaluation.helpers import grid_worker_system
from wangge.evaluation.models import Dimension, Indicator, IndicatorSystem

NEW = "/evaluation/systems/new/"


def base(cast) -> dict[str, str]:
    return {"name": "网格员考核", "unit": cast.tree.district.code, "subject_kind": "grid_workers"}


def dimension_boxes(content: bytes) -> int:
    return len(re.findall(rb'<fieldset class="panel dimension"', content))


def indicator_rows(content: bytes, i: int) -> int:
    return len(re.findall(rf'name="d{i}_\d+_name"'.encode(), content))


def test_a_new_system_starts_with_blank_rows_and_grows_on_demand(cast):
    leader = logged_in(cast.leader)
    page = leader.get(NEW)
    assert dimension_boxes(page.content) == 2 and indicator_rows(page.content, 0) == 2
    data = {**base(cast), "d0_name": "上报", "d0_0_name": "有效上报率", "d0_0_weight": "60"}
    for j in range(2):
        data.setdefault(f"d0_{j}_name", "")
        data.setdefault(f"d1_{j}_name", "")
    more = leader.post(NEW, {**data, "add_row": "0"})
    assert more.status_code == 200 and indicator_rows(more.content, 0) == 3
    assert 'value="有效上报率"'.encode() in more.content  # what was typed is kept
    wider = leader.post(NEW, {**data, "add_row": "dimension"})
    assert wider.status_code == 200 and dimension_boxes(wider.content) == 3
    assert not IndicatorSystem.objects.exists()


def test_five_dimensions_of_five_indicators_are_saved(cast):
    data = base(cast)
    for i in range(5):
        data |= {f"d{i}_name": f"维度{i}", f"d{i}_weight": "20"}
        for j in range(5):
            data |= {f"d{i}_{j}_name": f"指标{i}{j}", f"d{i}_{j}_weight": "20"}
    data |= {"d2_4_figure": "valid_report_rate"}
    saved = logged_in(cast.leader).post(NEW, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert Dimension.objects.count() == 5 and Indicator.objects.count() == 25
    assert Indicator.objects.get(name="指标24").figure == "valid_report_rate"


def test_a_refusal_is_shown_beside_the_row_it_names(cast):
    data = {
        **base(cast),
        "d0_name": "",  # a blank first row: the saved dimension 0 is the page's row 1
        "d0_weight": "",
        "d0_0_name": "",
        "d1_name": "上报",
        "d1_weight": "100",
        "d1_0_name": "",
        "d1_1_name": "有效上报率",
        "d1_1_weight": "abc",
    }
    refused = logged_in(cast.leader).post(NEW, data)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-input="d1_1_weight"' in html
    weight = re.search(r'<input[^>]*name="d1_1_weight"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in weight and 'aria-describedby="d1-error"' in weight
    assert 'class="field-error" id="d1-error"' in html
    assert not IndicatorSystem.objects.exists()


def test_editing_keeps_the_indicators_descriptions(cast):
    system = grid_worker_system(cast)
    Indicator.objects.filter(name="入户走访质量").update(description="按走访记录评分")
    leader = logged_in(cast.leader)
    form = leader.get(f"/evaluation/systems/{system.pk}/edit/").content.decode()
    data = {
        name: value
        for name, value in re.findall(
            r'<(?:input|textarea)[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form
        )
        if name != "csrfmiddlewaretoken"
    }
    selected = (
        r'<select[^>]*name="([^"]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected'
    )
    data |= dict(re.findall(selected, form, re.S))
    data |= {"subject_kind": "grid_workers", "name": "网格员月度考核（修订）"}
    saved = leader.post(f"/evaluation/systems/{system.pk}/edit/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    system.refresh_from_db()
    assert system.name == "网格员月度考核（修订）"
    assert Indicator.objects.get(name="入户走访质量").description == "按走访记录评分"
    assert Indicator.objects.get(name="有效上报率").figure == "valid_report_rate"
    assert Indicator.objects.filter(dimension__system=system).count() == 3
