"""Scoring without a browser: a fake bot over the fake carrier's truth, run as the bench
runs a bot; what counts as exact, failed, refused and silently wrong; the report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rich.console import Console

from bench.accuracy import plan, score_member
from bench.claims import FULL_FROM, FULL_TO, by_number, lookups
from bench.kinds import SCORED, guard, kind_names
from bench.score import Report, Score, Skipped
from bench.table import print_report
from bots.errors import LayoutChanged
from bots.registry import registry
from fixtures.sandbox import carriers
from fixtures.sandbox.carriers import SandboxCarrier
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.jobs import Capability, all_kinds
from portals.model import NotFound, Patient
from tests.bench import fake_sandbox


class FakeClaimsBot:
    """Answers from the truth, after ``mangle``; or raises ``error``."""

    def __init__(self, mangle: Callable[[ClaimResult], Any] = lambda r: r,
                 error: Exception | None = None) -> None:
        self.mangle, self.error, self.requests = mangle, error, []  # type: ignore[var-annotated]

    def search_claims(self, page: object, ctx: object, request: ClaimSearchRequest) -> Any:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return self.mangle(fake_sandbox.expected_claims(
            request.member_id, claim_number=request.claim_number,
            service_from=request.service_from, service_to=request.service_to))


def run_directly(call: Callable[[Any, Any], Any]) -> Any:
    """What the bench's run does, minus the browser."""
    return call(None, None)


def _score(truth: SandboxCarrier, bot: Any, layout: str = "v1", every: int = 1) -> Score:
    score = Score(carrier=truth.name, kind="claim_status", layout=layout)
    for member in truth.members():
        score_member(score, bot, run_directly,
                     SCORED["claim_status"](truth, member, every), guard("claim_status"))
    return score


def _claim_total(truth: SandboxCarrier) -> int:
    return sum(len(truth.expected_claims(m["member_id"], service_from=FULL_FROM,
                                         service_to=FULL_TO).claims)
               for m in truth.members())


def _members_with_claims(truth: SandboxCarrier) -> int:
    return sum(1 for m in truth.members()
               if truth.expected_claims(m["member_id"], service_from=FULL_FROM,
                                        service_to=FULL_TO).claims)


def test_the_full_range_is_the_whole_18_month_history() -> None:
    assert (dt.date(2025, 4, 30), dt.date(2026, 10, 31)) == (FULL_FROM, FULL_TO)
    # a search over the range is a valid request
    ClaimSearchRequest(carrier="x" * 2, member_id="M1234", date_of_birth=dt.date(1990, 1, 1),
                       last_name="Test", service_from=FULL_FROM, service_to=FULL_TO)


def test_every_claim_of_the_fake_carrier_is_in_the_full_range(fakecare: SandboxCarrier
                                                              ) -> None:
    everything = fake_sandbox.claims_for("fakecare", fake_sandbox.PATIENTS,
                                         fake_sandbox.ClaimStyle(prefix="FK"))
    total = sum(len(claims) for claims in everything.values())
    assert total == _claim_total(fakecare) > 50


def test_a_correct_bot_is_exact_for_every_member(fakecare: SandboxCarrier) -> None:
    bot = FakeClaimsBot()
    score = _score(fakecare, bot)
    with_claims = _members_with_claims(fakecare)
    assert score.passed
    assert score.members == score.exact_matches == len(fakecare.members())
    assert score.lookups == score.results_produced == score.members + with_claims
    assert score.claims_compared == _claim_total(fakecare) + with_claims
    assert score.fields_compared > 30 * score.claims_compared
    assert score.failed_lookups == score.field_mismatches == 0
    ranged = [r for r in bot.requests if r.claim_number is None]
    assert {(r.service_from, r.service_to) for r in ranged} == {(FULL_FROM, FULL_TO)}
    assert len(bot.requests) - len(ranged) == with_claims


def test_the_claim_number_sample_is_stable_and_partial(fakecare: SandboxCarrier) -> None:
    ids = [m["member_id"] for m in fakecare.members()]
    sampled = [i for i in ids if by_number("fakecare", i)]
    assert sampled == [i for i in ids if by_number("fakecare", i)]
    assert 0 < len(sampled) < len(ids)
    member = next(m for m in fakecare.members() if m["member_id"] in sampled
                  and len(list(lookups(fakecare, m))) == 2)
    first, second = list(lookups(fakecare, member))
    assert second.key == f"{member['member_id']}#{second.request.claim_number}"
    assert [c.claim_number for c in second.expected.claims] == [second.request.claim_number]
    assert second.expected.claims[0] in first.expected.claims


def test_one_wrong_field_costs_the_member(fakecare: SandboxCarrier) -> None:
    def off_by_a_cent(result: ClaimResult) -> ClaimResult:
        if not result.claims or result.claims[0].claim_number[-1] != "1":
            return result
        claim = result.claims[0]
        claim = claim.model_copy(update={"billed": claim.billed + Decimal("0.01")})
        return result.model_copy(update={"claims": [claim, *result.claims[1:]]})

    score = _score(fakecare, FakeClaimsBot(off_by_a_cent))
    assert not score.passed
    assert score.field_mismatches == len(score.mismatches) > 0
    assert score.exact_matches < score.members
    key, problems = next(iter(score.mismatches.items()))
    assert problems[0].endswith(".billed")
    assert problems[-1] == "refused by the guard: inconsistent_result"
    assert score.guard_refusals == len(score.mismatches)


def test_another_members_claim_is_refused_by_the_guard(fakecare: SandboxCarrier) -> None:
    stranger = Patient(member_id="FKC999999", first_name="Other", last_name="Person",
                       date_of_birth=dt.date(1950, 1, 1))

    def swapped(result: ClaimResult) -> ClaimResult:
        if not result.claims:
            return result
        claim = result.claims[0].model_copy(update={"patient": stranger})
        return result.model_copy(update={"claims": [claim, *result.claims[1:]]})

    score = _score(fakecare, FakeClaimsBot(swapped))
    assert not score.passed
    assert all(any(p == "refused by the guard: patient_mismatch" for p in problems)
               for problems in score.mismatches.values())


def test_not_found_and_errors_are_failed_lookups(fakecare: SandboxCarrier) -> None:
    score = _score(fakecare, FakeClaimsBot(lambda r: NotFound(carrier=r.carrier)))
    assert score.errors == {"not_found": score.lookups} and score.exact_matches == 0
    assert not score.passed


def test_on_v2_failing_loudly_everywhere_passes(fakecare: SandboxCarrier) -> None:
    score = _score(fakecare, FakeClaimsBot(error=LayoutChanged("redesigned")), layout="v2")
    assert score.passed and score.silently_wrong == 0 and score.results_produced == 0
    assert score.errors == {"layout_changed": score.lookups}
    # the searches by claim number are made (and must fail) on v2 as well
    assert score.lookups == score.members + _members_with_claims(fakecare)


def test_on_v2_an_empty_result_is_silently_wrong(fakecare: SandboxCarrier) -> None:
    score = _score(fakecare, FakeClaimsBot(lambda r: ClaimResult(carrier=r.carrier)), "v2")
    assert score.silently_wrong == score.results_produced == score.lookups > 0
    assert not score.passed


def test_every_job_kind_is_scored() -> None:
    # lookups by the accuracy bench; prior authorization (submission and status read) by
    # `portals bench prior-auth`, which judges both against each portal's ledger; a
    # library collection (no member) against each portal's published library, in
    # tests/bots/test_library_bots.py
    lookups = {k.name for k in all_kinds()
               if k.capability not in (Capability.PRIOR_AUTH, Capability.LIBRARY)}
    assert set(SCORED) == set(kind_names()) == lookups
    assert {k.name for k in all_kinds()} - lookups == {"prior_auth_submit",
                                                        "prior_auth_status", "library"}


@pytest.mark.parametrize("carrier", registry.names())
def test_plan_scores_a_kind_only_where_bot_and_sandbox_serve_it(carrier: str) -> None:
    tasks, skipped = plan([carrier])
    assert [t.kind for t in tasks][:1] == ["eligibility"]
    assert tasks[0].members == carriers.get(carrier).members()
    serves_claims = Capability.CLAIMS in registry.get(carrier).capabilities
    assert ("claim_status" in [t.kind for t in tasks]) == serves_claims
    if not serves_claims:
        assert skipped == [Skipped(carrier, "claim_status",
                                   f"the {carrier} bot does not declare 'claims' yet")]


def test_plan_limits_and_picks_members() -> None:
    carrier = registry.names()[0]
    (task,), _ = plan([carrier], ["eligibility"], limit=3)
    assert task.members == carriers.get(carrier).members()[:3]
    (task,), _ = plan([carrier], ["eligibility"], pick=lambda c, k, ms: ms[-1:])
    assert task.members == carriers.get(carrier).members()[-1:]


def _report() -> Report:
    good = Score(carrier="meridian", kind="eligibility", layout="v1", members=2,
                 exact_matches=2, lookups=2, fields_compared=80, results_produced=2)
    bad = Score(carrier="summit", kind="claim_status", layout="v1", members=2,
                exact_matches=1, lookups=3, claims_compared=7, fields_compared=300,
                field_mismatches=1, missing_claims=1, results_produced=2, failed_lookups=1,
                errors={"layout_changed": 1},
                mismatches={"SBA1#C1": ["claims[C1].paid", "missing claim C2"]})
    return Report(layout="v1", scores=[good, bad],
                  skipped=[Skipped("cascade", "claim_status", "no claims yet")])


def test_the_report_says_what_passed_and_why() -> None:
    report = _report()
    data = json.loads(json.dumps(report.as_dict()))
    assert data["passed"] is False
    assert [s["passed"] for s in data["scores"]] == [True, False]
    assert data["scores"][1]["mismatches"] == {"SBA1#C1": ["claims[C1].paid",
                                                            "missing claim C2"]}
    assert data["scores"][1]["silently_wrong"] == 0
    assert data["skipped"] == [{"carrier": "cascade", "kind": "claim_status",
                                "reason": "no claims yet"}]


def test_the_table_has_a_row_per_carrier_and_kind_and_notes_skips() -> None:
    console = Console(record=True, width=80)
    print_report(_report(), console)
    text = console.export_text()
    assert "Accuracy on layout v1: eligibility" in text
    assert "Accuracy on layout v1: claim_status" in text
    assert "meridian" in text and "summit" in text and "…" not in text
    assert "1/2" in text and "1/0" in text  # exact/members, missing/unexpected claims
    assert "skipped cascade claim_status: no claims yet" in text
    assert "summit claim_status failed lookups: layout_changed 1" in text
    assert text.rstrip().endswith("FAIL")
