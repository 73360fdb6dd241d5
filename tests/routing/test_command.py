"""`wangge routing`: the same commands on any labelled CSV and on the platform's closed cases;
the report's last line is one JSON object; bad input names the column or file and exits 2,
a refusal exits 1, and nothing is written."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.routing.examples import labelled
from wangge.routing.models import ModelVersion, RoutingPolicy


def _csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def messages(tmp_path: Path) -> Path:
    texts, labels = labelled(20)
    rows = [
        {"主题": text[:6], "详情": text, "分类": label}
        for text, label in zip(texts, labels, strict=True)
    ]
    return _csv(tmp_path / "messages.csv", rows)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("routing", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


TEXT = ["--text-column", "主题", "--text-column", "详情", "--label-column", "分类"]


def test_train_on_a_csv_writes_a_model_and_evaluate_judges_it(messages, tmp_path) -> None:
    model = tmp_path / "model.joblib"
    code, out, _err = run("train", "--csv", str(messages), *TEXT, "--out", str(model))
    assert code == 0
    figures = _last_json(out)
    assert figures["n"] == 12  # the 20 % hold-out of 60
    assert {"macro_f1", "accuracy", "predictions_per_second"} <= set(figures)
    assert "Confusion matrix" in out and "C0104" in out
    code, out, _err = run("evaluate", "--model", str(model), "--csv", str(messages), *TEXT)
    assert code == 0
    figures = _last_json(out)
    assert figures["n"] == 60 and figures["macro_f1"] == 1.0


def test_a_gb18030_file_is_read_too(tmp_path) -> None:
    texts, labels = labelled(20)
    rows = [{"t": t, "l": label} for t, label in zip(texts, labels, strict=True)]
    path = _csv(tmp_path / "gbk.csv", rows, encoding="gb18030")
    code, out, _ = run(
        "train", "--csv", str(path), "--text-column", "t", "--label-column", "l",
        "--out", str(tmp_path / "m.joblib"),
    )  # fmt: skip
    assert code == 0 and _last_json(out)["n"] == 12


def test_a_missing_column_is_named_with_the_columns_there_are(messages, tmp_path) -> None:
    model = tmp_path / "model.joblib"
    code, _out, err = run(
        "train", "--csv", str(messages), "--text-column", "内容", "--label-column", "分类",
        "--out", str(model),
    )  # fmt: skip
    assert code == 2
    assert "内容" in err and "主题, 详情, 分类" in err
    assert not model.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["train", "--csv", "{messages}", *TEXT], "--out"),
        (["train", "--csv", "{missing}", *TEXT, "--out", "{model}"], "cannot be read"),
        (["evaluate", "--model", "{junk}", "--csv", "{messages}", *TEXT], "not a routing model"),
        (["evaluate", "--model", "{missing}", "--csv", "{messages}", *TEXT], "No such file"),
        (["train", "--csv", "{messages}", "--label-column", "分类", "--out", "{model}"], "text"),
    ],
)
def test_bad_input_exits_2_with_a_message(messages, tmp_path, args, said) -> None:
    (tmp_path / "junk.joblib").write_bytes(b"junk")
    names = {
        "messages": str(messages),
        "missing": str(tmp_path / "none.csv"),
        "model": str(tmp_path / "model.joblib"),
        "junk": str(tmp_path / "junk.joblib"),
    }
    code, _out, err = run(*[arg.format(**names) for arg in args])
    assert code == 2
    assert said in err
    assert not (tmp_path / "model.joblib").exists()


def test_one_class_is_refused_with_exit_1(tmp_path) -> None:
    rows = [{"t": f"路灯不亮{i}", "l": "C0104"} for i in range(20)]
    path = _csv(tmp_path / "one.csv", rows)
    code, _out, err = run(
        "train", "--csv", str(path), "--text-column", "t", "--label-column", "l",
        "--out", str(tmp_path / "m.joblib"),
    )  # fmt: skip
    assert code == 1 and "two classes" in err


@pytest.mark.django_db
def test_the_platform_commands(trained, tmp_path, messages) -> None:
    code, out, _ = run("versions")
    assert code == 0 and out.startswith("* v1")
    code, out, _ = run("train", "--no-activate")
    assert code == 0 and "v2" in out
    assert "macro_f1" in _last_json(out)
    code, out, _ = run("activate", "2")
    assert code == 0 and ModelVersion.objects.get(is_active=True).number == 2
    code, out, _ = run("rollback")
    assert code == 0 and ModelVersion.objects.get(is_active=True).number == 1
    code, _out, err = run("activate", "9")
    assert code == 1 and "No such model version" in err
    # The active model judged on a CSV labelled with category codes.
    code, out, _ = run("evaluate", "--csv", str(messages), *TEXT)
    assert code == 0 and _last_json(out)["n"] == 60
    code, out, _ = run("evaluate", "--version", "2", "--csv", str(messages), *TEXT)
    assert code == 0


@pytest.mark.django_db
def test_the_policy_command(cast) -> None:
    code, out, _ = run("policy")
    assert code == 0 and "off" in out
    code, out, _ = run("policy", "--auto-dispatch-confidence", "0.95")
    assert code == 0 and "0.950" in out
    code, _out, err = run("policy", "--auto-dispatch-confidence", "2")
    assert code == 1 and "0.5" in err
    assert RoutingPolicy.objects.get().auto_dispatch_confidence == Decimal("0.95")
    code, out, _ = run("policy", "--off")
    assert RoutingPolicy.objects.get().auto_dispatch_confidence is None


@pytest.mark.django_db
def test_installing_a_model_file(cast, departments, messages, tmp_path) -> None:
    model = tmp_path / "model.joblib"
    run("train", "--csv", str(messages), *TEXT, "--out", str(model))
    code, out, _ = run("install", str(model))
    assert code == 0 and "v1" in out
    assert ModelVersion.objects.get().source == "file"
