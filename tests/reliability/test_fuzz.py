"""Fuzzing: schemathesis against the served OpenAPI document, in process, with valid tokens of every role.

Every check runs: no 5xx, answers that conform to the document (status, content type, headers, body),
no request the document calls valid refused as malformed, no request it calls invalid accepted.
The default run is bounded (RECTIFY_FUZZ_EXAMPLES cases of each kind, SQLite); `make fuzz` runs many
more, on both stores (RECTIFY_FUZZ_STORES).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from domain.values import Actor, Role, Severity, Source
from service import create_app
from service.application import CommandOptions
from service.config import build_application, initialise_store, load_settings
from service.read_store import following
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.long  # a fault or load run: `make test-long`

EXAMPLES = int(os.environ.get("RECTIFY_FUZZ_EXAMPLES", "120"))
STORES = os.environ.get("RECTIFY_FUZZ_STORES", "sqlite").split(",")
ROLES = {
    "inspector": (Role.INSPECTOR, None),
    "bj": (Role.UNIT, "BJ"),
    "reviewer": (Role.REVIEWER, None),
    "auditor": (Role.AUDITOR, None),
    "admin": (Role.ADMIN, None),
}
SETUP = Actor("setup", Role.ADMIN)
INSPECTOR = Actor("fuzz-inspector", Role.INSPECTOR)
# Refusals of a request the document calls valid that are about the world, not the request's shape:
# a unit or finding that does not exist, a date the finding's life rules out, a key used for another request.
SEMANTIC_CODES = {
    "unknown_unit",
    "due_date_before_issue",
    "occurred_in_future",
    "occurred_before_previous",
    "idempotency_key_reused",
    "deadline_not_later",
}
# Values whose refusal depends on what the store holds, as a unit's code does: a cursor (opaque, the document
# says what one looks like, not which ones were handed out) and a position beyond the last recorded event.
ABOUT_THE_STORE = {"cursor", "min_position"}
# A file of evidence is refused for what its bytes are (a program, not a PDF), which no document can describe.
ABOUT_THE_CONTENT = {"evidence_type_not_allowed", "ledger_type_not_supported"}


@dataclass
class Served:
    """The app under test, a token for each role, and the findings it holds."""

    app: Flask
    tokens: dict[str, str]
    findings: list[str]
    cases: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def seeded(application: Any) -> tuple[dict[str, str], list[str]]:
    """A small unit tree, a token for each role, and findings in several states."""
    application.register_unit(SETUP, code="HQ", name="集团公司")
    application.register_unit(SETUP, code="BJ", name="北京分公司", parent="HQ")
    application.register_unit(SETUP, code="BJ-01", name="北京分公司财务部", parent="BJ")
    tokens = {name: application.add_user(name, role, unit) for name, (role, unit) in ROLES.items()}
    findings = []
    for number in range(4):
        result = application.issue_finding(
            INSPECTOR, CommandOptions(), source=Source.INSPECTION, batch="第三轮巡察", title=f"问题{number}",
            description="", category="", severity=Severity.GENERAL, unit="BJ-01", due_date=date(2030, 1, 1),
        )  # fmt: skip
        findings.append(result.finding["id"])
    application.assign(findings[1], Actor("bj", Role.UNIT, "BJ"), CommandOptions(), assignee="王芳", note="")
    return tokens, [str(finding) for finding in findings]


@contextmanager
def fresh_store(kind: str, folder: Path) -> Iterator[str]:
    """An initialised store of its own: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder}/rectify.db"
        initialise_store(load_settings({"RECTIFY_DATABASE_URL": url}))
        yield url
        return
    schema = f"fuzz_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={schema}"
    try:
        initialise_store(load_settings({"RECTIFY_DATABASE_URL": url}))
        yield url
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=STORES)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    if request.param == "postgres":
        request.getfixturevalue("postgres_available")
    # No rate limits: the checks send hundreds of requests a minute, some on purpose without a token.
    limits = {"RECTIFY_RATE_LIMIT_AUTH": "off", "RECTIFY_RATE_LIMIT_TOKEN": "off"}
    with fresh_store(request.param, tmp_path) as store_url:
        settings_ = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_READ_WAIT": "2", **limits})
        application = build_application(settings_)
        tokens, findings = seeded(application)
        app = create_app(settings_ | {"TESTING": True}, application=application)
        with following(settings_):
            yield Served(app, tokens, findings)
        application.close()


def refused_as_malformed(response: Any) -> str | None:
    """Why an answer refuses a request for its shape, or None when it does not (or only for an opaque value)."""
    if response.status_code == 415 and response.json().get("code") in ABOUT_THE_CONTENT:
        return None
    if response.status_code in (400, 413, 415):
        return f"{response.status_code}: {response.text[:300]}"
    if response.status_code != 422:
        return None
    body = response.json()
    if body.get("code") in SEMANTIC_CODES or set(body.get("errors") or {}) <= ABOUT_THE_STORE:
        return None
    return f"422: {response.text[:300]}"


def carried(query: dict[str, Any]) -> dict[str, Any]:
    """A generated query as a URL can carry it: an empty name, list or object would vanish from the URL
    (and the invalid request with it, leaving a valid one that is rightly served)."""
    return {(name or "_"): (value if value not in ([], {}) else "x") for name, value in query.items()}


def within_paired_rules(query: dict[str, Any]) -> dict[str, Any]:
    """A valid query as the document states it in words, not in its schema (parameters are documented one by
    one): `as_of` or `version`, not both; `position` and `seal` together or neither."""
    kept = dict(query)
    if "as_of" in kept and "version" in kept:
        del kept["version"]
    if ("position" in kept) != ("seal" in kept):
        kept.pop("position", None)
        kept.pop("seal", None)
    return kept


def run(served: Served, mode: GenerationMode, examples: int) -> None:
    """Send `examples` generated requests of one mode, with a role's token, keeping every failed check."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", served.app)
    positive = mode is GenerationMode.POSITIVE
    excluded = [schemathesis.checks.positive_data_acceptance] if positive else []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy(generation_mode=mode), role=st.sampled_from(sorted(ROLES)), known=st.booleans())
    def send(case: Any, role: str, known: bool) -> None:
        if positive and known and "finding_id" in (case.path_parameters or {}):  # a negative case's id stays invalid
            case.path_parameters["finding_id"] = served.findings[hash(role) % len(served.findings)]
        if not positive and case.query:
            case.query = carried(case.query)
        if positive and case.query:
            case.query = within_paired_rules(case.query)
        label = f"{case.method} {case.path}"
        served.cases[label] = served.cases.get(label, 0) + 1
        headers = {"Authorization": f"Bearer {served.tokens[role]}"}
        # A form's fields carry text only: a generated non-string (false, 3) goes as its text, often a valid one,
        # so an invalid multipart body cannot be told from a valid one; the other checks still hold for it.
        form = not positive and case.media_type == "multipart/form-data"
        skipped = [*excluded, schemathesis.checks.negative_data_rejection] if form else excluded
        try:
            response = case.call_and_validate(headers=headers, excluded_checks=skipped)
        except FailureGroup as failures:
            served.failures.append(f"{mode.value} {label} as {role}: {failures}")
            return
        if positive and (why := refused_as_malformed(response)):
            served.failures.append(f"{mode.value} {label} as {role}: a valid request was refused, {why}")

    send()


def test_fuzzing_the_served_document_finds_no_5xx_no_nonconforming_answer_and_no_valid_request_refused(served):
    run(served, GenerationMode.POSITIVE, EXAMPLES)
    run(served, GenerationMode.NEGATIVE, EXAMPLES // 2)
    total = sum(served.cases.values())
    print(f"\nfuzzed {total} cases over {len(served.cases)} operations; {len(served.failures)} failed")
    assert served.failures == [], "\n\n".join(served.failures[:10])
