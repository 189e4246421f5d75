"""A varied sample of sandbox members per carrier through its bot in real Chromium: exact
on v1, failing loudly with no result on the v2 redesign. Claims, for every carrier whose
bot declares the capability.

The same assertions the full run makes (`make bench`: every member of every carrier,
every kind, both layouts); only the population is smaller (:mod:`bench.sample`). On v2
three members a carrier (first, middle, last) stand for everyone: a redesign stops every
lookup at its first page, whoever it is for.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.bench.sample_runs import claim_lookups, claims_carriers, sample_run

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("carrier", claims_carriers())
def test_claims_sample_round_trips_exactly_on_v1(browser: Browser, carrier: str) -> None:
    score = sample_run(browser, carrier, "claim_status", "v1")
    lookups, claims = claim_lookups(carrier, "v1")
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.guard_refusals == 0
    assert score.missing_claims == score.unexpected_claims == 0
    assert score.exact_matches == score.members
    assert score.lookups == score.results_produced == lookups
    assert score.claims_compared == claims > 10
    assert score.fields_compared > 30 * score.claims_compared


@pytest.mark.parametrize("carrier", claims_carriers())
def test_claims_sample_produces_nothing_on_the_v2_redesign(browser: Browser,
                                                           carrier: str) -> None:
    score = sample_run(browser, carrier, "claim_status", "v2")
    lookups, _ = claim_lookups(carrier, "v2")
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": lookups}
