"""Runs of the accuracy bench over a sample of members (:mod:`bench.sample`), for the
tests in ``test_accuracy.py`` (eligibility) and ``test_accuracy_claims.py``."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from bench.accuracy import run_accuracy
from bench.claims import FULL_FROM, FULL_TO
from bench.kinds import skip_reason
from bench.sample import sample_members, spot_members
from bench.score import Score
from bots.registry import registry
from fixtures.sandbox import carriers
from portals.jobs import Capability

BROWSER = Path("/usr/bin/chromium")


def claims_carriers() -> list[str]:
    return [name for name in registry.names()
            if Capability.CLAIMS in registry.get(name).capabilities]


def members(carrier: str, kind: str, layout: str) -> list[dict[str, str]]:
    truth = carriers.get(carrier)
    return sample_members(truth, kind) if layout == "v1" else spot_members(truth)


def sample_run(browser: Browser, carrier: str, kind: str, layout: str) -> Score:
    assert skip_reason(kind, registry.get(carrier), carriers.get(carrier)) is None
    report = run_accuracy(
        [carrier], kinds=[kind], browser_path=BROWSER, browser=browser, layout=layout,
        pick=lambda c, k, _everyone: members(c, k, layout),
        number_every=1)  # every sampled member with claims is searched by number too
    (score,) = report.scores
    assert score.members == len(members(carrier, kind, layout))
    return score


def claim_lookups(carrier: str, layout: str) -> tuple[int, int]:
    """Searches the claims sample makes (range + number) and the claims they return."""
    truth = carriers.get(carrier)
    lookups = claims = 0
    for member in members(carrier, "claim_status", layout):
        found = len(truth.expected_claims(member["member_id"], service_from=FULL_FROM,
                                          service_to=FULL_TO).claims)
        lookups += 1 + (found > 0)
        claims += found + (found > 0)
    return lookups, claims


