"""`portals bench prior-auth` without a browser: its arguments, the steps it can kill at,
and how a scenario's figures judge the portals' ledgers (duplicates, consistency,
documents, decisions)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from bench.prior_auth import STEPS, _figures, request_fields
from bots.prior_auth_flow import Step
from portals.cli import main
from portals.prior_auth import PriorAuthRequest
from storage.models import PriorAuthState


def test_the_kill_steps_are_the_steps_bots_report() -> None:
    assert tuple(step.value for step in Step) == STEPS


@pytest.mark.parametrize(("args", "message"), [
    (["--carrier", "cascade"], "cascade does not serve prior authorization"),
    (["--kill-at", "somewhere"], "'somewhere' is not one of"),
    (["--requests", "0"], "0 is not in the range"),
])
def test_bad_arguments_are_named(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["bench", "prior-auth", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_sample_requests_are_valid_and_differ() -> None:
    seen = set()
    for index in range(6):
        fields, member = request_fields("summit", index)
        request = PriorAuthRequest.model_validate(
            {**fields, "tracking_ref": "PA-ABCDEFGHJK", "documents": []})
        assert request.member_id == member["member_id"]
        seen.add((request.member_id, tuple(request.procedure_codes)))
    assert len(seen) == 6


def _row(ref: str, state: str, reference: str | None = None, action: str | None = None,
         decision: dict[str, Any] | None = None) -> Any:
    return SimpleNamespace(id=ref, tracking_ref=ref, state=state, reference_number=reference,
                           decision_action=action, decision=decision or {}, message=None)


def _entry(ref: str, reference: str, files: list[tuple[str, int, str]],
           decision: dict[str, Any]) -> dict[str, Any]:
    return {"tracking_ref": ref, "reference": reference,
            "files": [{"name": n, "size": s, "sha256": h} for n, s, h in files],
            "decision": decision}


DENIED: dict[str, Any] = {
    "action": "A3", "authorization_number": None, "approved_from": None,
    "approved_to": None, "approved_services": []}
APPROVED: dict[str, Any] = {
    "action": "A1", "authorization_number": "AUTH1", "approved_from": "2026-12-01",
    "approved_to": "2026-12-31", "approved_services": [{"procedure_code": "72148", "units": 2}]}


def test_figures_count_duplicates_inconsistencies_documents_and_decisions() -> None:
    doc = SimpleNamespace(filename="a.pdf", size=10, sha256="h1")
    rows = [
        _row("PA-1", PriorAuthState.SUBMITTED, "R1", "A3", {}),
        _row("PA-2", PriorAuthState.SUBMITTED, "R2", "A1", {
            "authorization_number": "AUTH1", "approved_from": "2026-12-01",
            "approved_to": "2026-12-31",
            "approved_services": [{"procedure_code": "72148", "units": 1}]}),
        _row("PA-3", PriorAuthState.OUTCOME_UNKNOWN),
        _row("PA-4", PriorAuthState.OUTCOME_UNKNOWN),
    ]
    ledger = [_entry("PA-1", "R1", [("a.pdf", 10, "h1")], DENIED),
              _entry("PA-2", "R2", [], APPROVED),
              _entry("PA-2", "R9", [], APPROVED),
              _entry("PA-4", "R4", [], DENIED)]
    figures = _figures("meridian", "after_submit_click", rows,
                       {"PA-1": [doc], "PA-2": [doc]}, ledger)
    assert figures.requests == 4 and figures.submitted == 2
    assert figures.ledger_submissions == 4 and figures.duplicates == 1
    assert figures.waiting_for_person == 2
    # PA-2 was received twice; PA-4 was received but is waiting for a person
    assert figures.inconsistent == 2
    assert (figures.documents_verified, figures.documents) == (1, 2)
    # PA-2's units were misread
    assert (figures.decisions_correct, figures.decisions_checked) == (1, 2)
    assert not figures.passed
    clean = _figures("meridian", None, rows[:1], {"PA-1": [doc]}, ledger[:1])
    assert clean.passed, clean.problems
