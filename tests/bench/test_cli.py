"""The commands without a browser: `portals bench accuracy` arguments, table, report and
exit status; `portals sandbox expected` for claims and its errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench import accuracy as accuracy_module
from bench.claims import FULL_FROM, FULL_TO
from bench.cli import KIND_NAMES
from bench.kinds import kind_names
from bench.score import Report, Score
from fixtures.sandbox.carriers import SandboxCarrier
from portals.cli import main
from tests.bench import fake_sandbox


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# -- portals bench accuracy ---------------------------------------------------------------


def test_kind_choices_are_the_scored_kinds() -> None:
    assert list(KIND_NAMES) == kind_names()


@pytest.mark.parametrize(("args", "message"), [
    (["--carrier", "nosuch"], "unknown carrier 'nosuch'"),
    (["--kind", "prior_auth"], "'prior_auth' is not one of 'eligibility', 'claim_status'"),
    (["--layout", "v3"], "'v3' is not one of 'v1', 'v2'"),
    (["--limit", "0"], "0 is not in the range x>=1"),
])
def test_bad_arguments_are_refused_before_any_browser(args: list[str], message: str) -> None:
    result = invoke("bench", "accuracy", *args)
    assert result.exit_code == 2
    assert message in result.output


def _canned(score: Score, calls: list[dict[str, Any]]) -> Any:
    def run_accuracy(carriers: list[str], **options: Any) -> Report:
        calls.append({"carriers": carriers, **options})
        return Report(layout=options["layout"], scores=[score])
    return run_accuracy


@pytest.mark.parametrize(("layout", "score", "exit_code"), [
    ("v1", Score("meridian", "eligibility", "v1", members=3, exact_matches=3, lookups=3,
                 results_produced=3, fields_compared=120), 0),
    ("v1", Score("meridian", "eligibility", "v1", members=3, exact_matches=2, lookups=3,
                 results_produced=3, fields_compared=120, field_mismatches=1,
                 mismatches={"M1": ["plan.name"]}), 1),
    ("v2", Score("meridian", "eligibility", "v2", members=3, lookups=3, failed_lookups=3,
                 errors={"layout_changed": 3}), 0),
    ("v2", Score("meridian", "eligibility", "v2", members=3, lookups=3, failed_lookups=2,
                 results_produced=1, errors={"layout_changed": 2}), 1),
])
def test_the_command_prints_writes_and_fails_unless_the_bar_is_met(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, layout: str, score: Score,
        exit_code: int) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(accuracy_module, "run_accuracy", _canned(score, calls))
    report_path = tmp_path / "r.json"
    result = invoke("bench", "accuracy", "--carrier", "meridian", "--kind", "eligibility",
                    "--layout", layout, "--limit", "3", "--report", str(report_path))
    assert result.exit_code == exit_code, result.output
    assert f"Accuracy on layout {layout}" in result.output
    assert "meridian" in result.output
    assert json.loads(report_path.read_text())["passed"] is (exit_code == 0)
    assert calls[0]["carriers"] == ["meridian"]
    assert (calls[0]["kinds"], calls[0]["limit"]) == (["eligibility"], 3)
    if exit_code:
        assert "not every" in result.output and "meridian/eligibility" in result.output


def test_no_kind_means_every_kind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(accuracy_module, "run_accuracy", _canned(
        Score("meridian", "eligibility", "v1", members=1, exact_matches=1, lookups=1,
              results_produced=1), calls))
    invoke("bench", "accuracy", "--carrier", "meridian", "--report", str(tmp_path / "r"))
    assert calls[0]["kinds"] is None


# -- portals sandbox expected --------------------------------------------------------------


def _member_with_claims(count: int = 3) -> str:
    return next(m["member_id"] for m in fake_sandbox.members()
                if len(fake_sandbox.expected_claims(m["member_id"], service_from=FULL_FROM,
                                                    service_to=FULL_TO).claims) >= count)


def _expected(*args: str) -> Any:
    return invoke("sandbox", "expected", "--carrier", "fakecare", "--kind", "claim_status",
                  *args)


def test_claims_by_default_over_the_whole_history(fakecare: SandboxCarrier) -> None:
    member = _member_with_claims()
    result = _expected("--member-id", member)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    truth = fakecare.expected_claims(member, service_from=FULL_FROM, service_to=FULL_TO)
    assert shown == truth.model_dump(mode="json")


def test_claims_by_number_and_by_range(fakecare: SandboxCarrier) -> None:
    member = _member_with_claims()
    every = fakecare.expected_claims(member, service_from=FULL_FROM, service_to=FULL_TO)
    number = every.claims[-1].claim_number
    by_number = json.loads(_expected("--member-id", member, "--claim-number", number).output)
    assert [c["claim_number"] for c in by_number["claims"]] == [number]
    newest = every.claims[0]
    day = newest.service_from.isoformat()
    ranged = json.loads(_expected("--member-id", member, "--from", day, "--to", day).output)
    assert newest.claim_number in [c["claim_number"] for c in ranged["claims"]]
    assert len(ranged["claims"]) < len(every.claims)


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-02-30"], "'2026-02-30' does not match the format '%Y-%m-%d'"),
    (["--to", "31/10/2026"], "Invalid value for '--to'"),
    (["--from", "2026-05-02", "--to", "2026-05-01"], "--to 2026-05-01 is before --from "
                                                     "2026-05-02"),
    (["--from", "2023-01-01"], "spans 1399 days; a claim search spans at most 731"),
    (["--claim-number", "X1"], "'X1' is not a claim number"),
    (["--claim-number", "FK12345", "--to", "2026-05-01"],
     "give --claim-number or --from/--to, not both"),
])
def test_bad_claim_searches_say_what_is_wrong(fakecare: SandboxCarrier, args: list[str],
                                              message: str) -> None:
    result = _expected("--member-id", _member_with_claims(), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_unknown_member_or_carrier_is_named(fakecare: SandboxCarrier) -> None:
    result = _expected("--member-id", "NOSUCH1")
    assert result.exit_code == 2
    assert "no member 'NOSUCH1' at carrier 'fakecare'" in result.output
    result = invoke("sandbox", "expected", "--carrier", "nosuch", "--member-id", "X",
                    "--kind", "claim_status")
    assert result.exit_code == 2
    assert "unknown carrier 'nosuch'" in result.output


def test_claim_options_belong_to_claims() -> None:
    result = invoke("sandbox", "expected", "--carrier", "meridian", "--member-id", "X",
                    "--from", "2026-01-01")
    assert result.exit_code == 2
    assert "--from applies to --kind claim_status only" in result.output


def test_eligibility_stays_the_default_kind() -> None:
    from fixtures.sandbox import carriers

    member = carriers.get("meridian").members()[0]["member_id"]
    result = invoke("sandbox", "expected", "--carrier", "meridian", "--member-id", member)
    assert result.exit_code == 0
    assert json.loads(result.output)["member"]["member_id"] == member


def test_a_sandbox_without_claims_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from fixtures.sandbox import carriers

    bare = SandboxCarrier("bare", "Bare (tests)", 91, "tests.bench")
    monkeypatch.setitem(carriers.CARRIERS, "bare", bare)
    result = invoke("sandbox", "expected", "--carrier", "bare", "--member-id", "X",
                    "--kind", "claim_status")
    assert result.exit_code == 2
    assert "the bare sandbox portal has no claims yet" in result.output


def test_dates_in_the_output_are_iso(fakecare: SandboxCarrier) -> None:
    shown = json.loads(_expected("--member-id", _member_with_claims()).output)
    dt.date.fromisoformat(shown["claims"][0]["service_from"])
