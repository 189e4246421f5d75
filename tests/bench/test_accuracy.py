"""A varied sample of sandbox members per carrier and job kind through its bot in real
Chromium: exact on v1, failing loudly with no result on the v2 redesign.

The same assertions the full run makes (`make bench`: every member of every carrier,
every kind, both layouts); only the population is smaller (:mod:`bench.sample`). Claims
are scored for every carrier whose bot declares the capability, as the bots arrive. On
v2 three members a carrier (first, middle, last) stand for everyone: a redesign stops
every lookup at its first page, whoever it is for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from bench.accuracy import run_accuracy
from bench.claims import FULL_FROM, FULL_TO
from bench.kinds import skip_reason
from bench.sample import sample_members, spot_members
from bench.score import Score
from bots.registry import registry
from fixtures.sandbox import carriers
from portals.jobs import Capability

pytestmark = pytest.mark.browser
BROWSER = Path("/usr/bin/chromium")


def _claims_carriers() -> list[str]:
    return [name for name in registry.names()
            if Capability.CLAIMS in registry.get(name).capabilities]


def _members(carrier: str, kind: str, layout: str) -> list[dict[str, str]]:
    truth = carriers.get(carrier)
    return sample_members(truth, kind) if layout == "v1" else spot_members(truth)


def _sample_run(browser: Browser, carrier: str, kind: str, layout: str) -> Score:
    assert skip_reason(kind, registry.get(carrier), carriers.get(carrier)) is None
    report = run_accuracy(
        [carrier], kinds=[kind], browser_path=BROWSER, browser=browser, layout=layout,
        pick=lambda c, k, _everyone: _members(c, k, layout),
        number_every=1)  # every sampled member with claims is searched by number too
    (score,) = report.scores
    assert score.members == len(_members(carrier, kind, layout))
    return score


def _claim_lookups(carrier: str, layout: str) -> tuple[int, int]:
    """Searches the claims sample makes (range + number) and the claims they return."""
    truth = carriers.get(carrier)
    lookups = claims = 0
    for member in _members(carrier, "claim_status", layout):
        found = len(truth.expected_claims(member["member_id"], service_from=FULL_FROM,
                                          service_to=FULL_TO).claims)
        lookups += 1 + (found > 0)
        claims += found + (found > 0)
    return lookups, claims


@pytest.mark.parametrize("carrier", registry.names())
def test_eligibility_sample_round_trips_exactly_on_v1(browser: Browser, carrier: str) -> None:
    score = _sample_run(browser, carrier, "eligibility", "v1")
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.guard_refusals == 0
    assert score.exact_matches == score.members == score.lookups
    assert score.fields_compared > 20 * score.members


@pytest.mark.parametrize("carrier", registry.names())
def test_eligibility_sample_produces_nothing_on_the_v2_redesign(browser: Browser,
                                                                carrier: str) -> None:
    score = _sample_run(browser, carrier, "eligibility", "v2")
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": score.members}


@pytest.mark.parametrize("carrier", _claims_carriers())
def test_claims_sample_round_trips_exactly_on_v1(browser: Browser, carrier: str) -> None:
    score = _sample_run(browser, carrier, "claim_status", "v1")
    lookups, claims = _claim_lookups(carrier, "v1")
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.guard_refusals == 0
    assert score.missing_claims == score.unexpected_claims == 0
    assert score.exact_matches == score.members
    assert score.lookups == score.results_produced == lookups
    assert score.claims_compared == claims > 10
    assert score.fields_compared > 30 * score.claims_compared


@pytest.mark.parametrize("carrier", _claims_carriers())
def test_claims_sample_produces_nothing_on_the_v2_redesign(browser: Browser,
                                                           carrier: str) -> None:
    score = _sample_run(browser, carrier, "claim_status", "v2")
    lookups, _ = _claim_lookups(carrier, "v2")
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": lookups}


def test_bench_command_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    # in a process of its own, as users run it (it starts its own Playwright)
    report_path = tmp_path / "accuracy.json"
    result = subprocess.run(
        [sys.executable, "-m", "portals.cli", "bench", "accuracy", "--carrier", "meridian",
         "--kind", "eligibility", "--limit", "2", "--report", str(report_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "meridian" in result.stdout and "Accuracy on layout v1" in result.stdout
    data = json.loads(report_path.read_text())
    (score,) = data["scores"]
    assert (score["carrier"], score["kind"]) == ("meridian", "eligibility")
    assert score["exact_matches"] == 2 and score["passed"] is True
    assert score["silently_wrong"] == 0
