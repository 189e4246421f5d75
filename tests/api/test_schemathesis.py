"""Schemathesis against the app's own OpenAPI document: every operation, with the admin
token, with a front-desk person's own token and without a token, finds no 5xx and no
status the document does not describe.

The real app on SQLite and PostgreSQL (where NUL bytes and ids past 2^31 crashed it) and
the leased Redis database; no worker runs, so a queued job only sits in Redis (flushed
after the test). ``PORTALS_SCHEMATHESIS_EXAMPLES`` raises the number of examples per
operation for a larger run (the default keeps ``make test`` bounded).
Hypothesis drives each operation directly (schemathesis' own pytest plugin does not run
under pytest 9 yet)."""

from __future__ import annotations

import os

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from portals.access import Role
from storage.api_tokens import create_token
from storage.db import session_scope
from storage.users import create_user

BOTH_DATABASES = True
EXAMPLES = int(os.environ.get("PORTALS_SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def fuzz(app: FastAPI, headers: dict[str, str]) -> tuple[int, int, list[str]]:
    """Every operation, ``EXAMPLES`` cases each, valid and invalid ones: (operations,
    cases, failures)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = cases = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            nonlocal cases
            cases += 1
            case.call_and_validate(headers={**(case.headers or {}), **headers},
                                   checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must
            failures.append(f"{operation.label}: {exc}"[:1500])  # not hide the others'
    return operations, cases, failures


def test_with_the_admin_token(app: FastAPI, auth: dict[str, str]) -> None:
    operations, cases, failures = fuzz(app, auth)
    print(f"with token: {operations} operations, {cases} cases, {len(failures)} failures")
    assert operations >= 20
    assert failures == [], "\n\n".join(failures)


def test_with_a_front_desk_persons_token(app: FastAPI, db: Engine) -> None:
    """A person's own token: eligibility routes work, every other route answers the 403
    the document describes (never a 5xx, never an undocumented status)."""
    with session_scope(db) as session:
        user = create_user(session=session, username="desk", password="desk-password-1",
                           roles={Role.FRONT_DESK})
        _, token = create_token(session=session, user=user, name="fuzz", days=1)
    operations, cases, failures = fuzz(app, {"Authorization": f"Bearer {token}"})
    print(f"front desk token: {operations} operations, {cases} cases, {len(failures)} "
          "failures")
    assert operations >= 20
    assert failures == [], "\n\n".join(failures)


def test_without_a_token(app: FastAPI) -> None:
    operations, cases, failures = fuzz(app, {})
    print(f"without token: {operations} operations, {cases} cases, {len(failures)} failures")
    assert operations >= 20
    assert failures == [], "\n\n".join(failures)
