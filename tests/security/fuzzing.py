"""Schemathesis against a running server: every operation of /api/v1/openapi.json is sent
generated requests, valid (positive) and schema-violating (negative), as each persona, and every
answer is checked: no 5xx, a documented status, a documented content type, a body matching the
documented schema, and a 4xx for every request the schema forbids.

Shared by the short run in `make test` (tests/security/test_api_fuzz.py) and the long one in
tests/perf/. Findings are collected rather than raised at the first, so one run lists them all.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_PATH = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
REQUEST_TIMEOUT = 30
# Answered by the HTTP server before the app sees the request (gunicorn refuses a request line
# over 4094 bytes, which a 400-character query value of 4-byte characters is once
# percent-encoded): a limit of the deployment, not part of the API's contract.
SERVER_LIMITS = {414, 431}


@dataclass(frozen=True)
class Persona:
    """Who the requests come from: a name for the report and the headers that say who it is
    (an API key, or none for an anonymous client)."""

    name: str
    headers: Mapping[str, str]
    examples: int = 10  # per operation and generation mode


@dataclass
class Finding:
    operation: str
    persona: str
    mode: str
    title: str
    message: str
    curl: str
    times: int = 1

    def __str__(self) -> str:
        return (
            f"{self.operation} as {self.persona} ({self.mode}, {self.times}×): {self.title}\n"
            f"{self.message.strip()}\n    {self.curl}"
        )


@dataclass
class FuzzReport:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    unsatisfiable: set[tuple[str, str]] = field(default_factory=set)
    seconds: Counter[str] = field(default_factory=Counter)  # per operation, generating included

    def record(self, case: Any, persona: Persona, mode: str, failure: BaseException) -> None:
        title = getattr(failure, "title", type(failure).__name__)
        key = (case.operation.label, persona.name, title)
        if key in self.findings:
            self.findings[key].times += 1
            return
        try:
            curl = case.as_curl_command(headers=dict(persona.headers))
        except Exception:  # a body curl cannot spell; the message still says what was sent
            curl = ""
        self.findings[key] = Finding(
            operation=case.operation.label,
            persona=persona.name,
            mode=mode,
            title=title,
            message=getattr(failure, "message", str(failure)),
            curl=curl,
        )

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        limits = "/".join(map(str, sorted(SERVER_LIMITS)))
        lines = [
            f"{len(self.operations)} operations, {self.requests} requests ({statuses}), "
            f"{len(self.findings)} findings; "
            f"{len(self.unsatisfiable)} (operation, mode) pairs had nothing to generate; "
            f"{limits} (the HTTP server's own limits) are not checked"
        ]
        slowest = ", ".join(f"{label} {s:.1f} s" for label, s in self.seconds.most_common(5))
        lines.append(f"slowest operations: {slowest}")
        lines += [str(finding) for finding in self.findings.values()]
        return "\n".join(lines)


def load_schema(base_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{base_url}{SCHEMA_PATH}", timeout=REQUEST_TIMEOUT)


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def _can_violate(operation: Any) -> bool:
    """Whether a request can break the operation's schema: not when it takes nothing but text
    parameters without constraints (hypothesis would try for a while before giving up)."""
    if operation.body:
        return True
    for parameter in [*operation.path_parameters, *operation.query, *operation.headers]:
        schema = {k: v for k, v in parameter.definition.get("schema", {}).items() if k != "title"}
        if schema != {"type": "string"}:
            return True
    return False


def _strategies(
    operation: Any, mode: GenerationMode, known_ids: Mapping[str, Sequence[Any]]
) -> st.SearchStrategy[Any]:
    """Generated requests; for positive ones with a path parameter we hold real values of, half
    use a real value, so the operation is reached beyond the 404 of an unknown record."""
    generated = operation.as_strategy(generation_mode=mode)
    names = [parameter.name for parameter in operation.path_parameters]
    real = {name: known_ids[name] for name in names if known_ids.get(name)}
    if mode != GenerationMode.POSITIVE or not real:
        return generated
    with_real_ids = st.fixed_dictionaries(
        {name: st.sampled_from(list(values)) for name, values in real.items()}
    ).flatmap(lambda ids: operation.as_strategy(generation_mode=mode, path_parameters=ids))
    return st.one_of(with_real_ids, generated)


def fuzz_api(
    base_url: str,
    personas: Sequence[Persona],
    *,
    known_ids: Mapping[str, Sequence[Any]] | None = None,
    modes: Sequence[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    report: FuzzReport | None = None,
) -> FuzzReport:
    """Run every operation of the served schema as each persona, `persona.examples` requests
    per operation and mode, with a fixed seed (derandomized): the same run every time."""
    schema = load_schema(base_url)
    report = report if report is not None else FuzzReport()
    for operation in _operations(schema):
        report.operations.add(operation.label)
        started = time.monotonic()
        for mode in modes:
            if mode == GenerationMode.NEGATIVE and not _can_violate(operation):
                report.unsatisfiable.add((operation.label, mode.value))
                continue
            for persona in personas:
                if (operation.label, mode.value) in report.unsatisfiable:
                    break  # nothing to generate for the first persona: none for the next
                _fuzz_operation(operation, persona, mode, known_ids or {}, base_url, report)
        report.seconds[operation.label] += time.monotonic() - started
    return report


def _fuzz_operation(
    operation: Any,
    persona: Persona,
    mode: GenerationMode,
    known_ids: Mapping[str, Sequence[Any]],
    base_url: str,
    report: FuzzReport,
) -> None:
    @settings(
        max_examples=persona.examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=_strategies(operation, mode, known_ids))
    def send(case: Any) -> None:
        headers = dict(persona.headers)
        try:
            # A connection each: Django's live server answers a kept-alive one ~40x slower.
            response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            report.record(case, persona, mode.value, error)
            return
        report.requests += 1
        report.statuses[response.status_code] += 1
        if response.status_code in SERVER_LIMITS:
            return
        try:
            case.validate_response(
                response,
                checks=CHECKS,
                headers=headers,
                transport_kwargs={"base_url": base_url, "headers": headers},
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                report.record(case, persona, mode.value, failure)
        except Failure as failure:
            report.record(case, persona, mode.value, failure)

    try:
        send()
    except Unsatisfiable:
        # Nothing can violate the schema of an operation taking any text (no negative case).
        report.unsatisfiable.add((operation.label, mode.value))
