"""The Django side of the registry import benchmark, run in a child process inside a
`bench_server` site (DJANGO_SETTINGS_MODULE and WANGGE_DATABASE_URL come from the environment):

    python -m tests.perf.people_import_probe write --rows 1000000 --out FILE.csv
    python -m tests.perf.people_import_probe import FILE.csv

`write` makes a persons-with-residences ledger in the demo district's grids: valid resident ID
numbers (unique, and none a demo resident's), three persons to a house, a hundred houses to a
building, in address order as real ledgers are. `import` runs `import_registry` on it as the
system (all or nothing) and prints one JSON line: rows, seconds, rows/s, the process's peak
resident memory and what it held before the import began, and the persons and residences it
added (the demo has its own).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import time
from datetime import date, timedelta
from pathlib import Path

import django

django.setup()

from stdnum.cn import ric  # noqa: E402

from wangge.org.models import OrgUnit  # noqa: E402
from wangge.org.roles import UnitKind  # noqa: E402
from wangge.people.imports import import_registry  # noqa: E402
from wangge.people.models import Person, Residence  # noqa: E402

HEADER = [
    "网格编码", "小区", "楼栋", "房号", "楼层", "用途", "姓名", "证件类型", "证件号码",
    "手机号码", "民族", "与房屋关系", "入住日期",
]  # fmt: skip
FAMILY, GIVEN = "陈李张黄梁何吴林罗郑", "玉兰伟强芳敏婷明华丽军杰"
RELATIONS = ("业主", "家属", "租户")
# 江海区: a county the demo's own residents (蓬江, 新会, 鹤山) are not from, so that no ledger row
# is a demo resident and every row makes a new person.
REGION = "440704"


def write(rows: int, out: str) -> None:
    grids = list(
        OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    per_grid = -(-rows // len(grids))
    start = date(1940, 1, 1)
    with Path(out).open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for number in range(rows):
            grid = grids[number // per_grid]
            house = number // 3
            born = start + timedelta(days=number // 900 % 25_000)
            body = f"{REGION}{born:%Y%m%d}{number % 900 + 100:03d}"
            writer.writerow(
                [
                    grid,
                    f"小区{house // 2000}",
                    f"{house // 100 % 20 + 1}栋",
                    f"{house % 100 + 101}",
                    str(house % 100 // 4 + 1),
                    "自住",
                    FAMILY[number % 10] + GIVEN[number // 10 % 12],
                    "身份证",
                    body + ric.calc_check_digit(body + "0"),
                    f"138{number:08d}",
                    "汉族",
                    RELATIONS[number % 3],
                    "2020-05-01",
                ]
            )


def run_import(path: str) -> None:
    persons, residences = Person.objects.count(), Residence.objects.count()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = import_registry(None, path)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.is_complete, [str(problem) for problem in result.problems[:5]]
    print(
        json.dumps(
            {
                "rows": result.rows,
                "seconds": round(seconds, 2),
                "rate": round(result.rows / seconds),
                "peak_mb": round(peak / 1024),
                "before_mb": round(before / 1024),
                "persons": Person.objects.count() - persons,
                "residences": Residence.objects.count() - residences,
                "counts": result.counts,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    actions = parser.add_subparsers(dest="action", required=True)
    writing = actions.add_parser("write")
    writing.add_argument("--rows", type=int, required=True)
    writing.add_argument("--out", required=True)
    importing = actions.add_parser("import")
    importing.add_argument("file")
    options = parser.parse_args()
    if options.action == "write":
        write(options.rows, options.out)
    else:
        run_import(options.file)


if __name__ == "__main__":
    main()
