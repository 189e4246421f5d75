"""Every Northwind member through the bot in real Chromium equals the expected result;
on the v2 redesign every lookup fails as layout_changed and none produces a result."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from bench.accuracy import run_accuracy
from fixtures.sandbox.expected import members

pytestmark = pytest.mark.browser
BROWSER = Path("/usr/bin/chromium")
V2_MEMBERS = 10
"""v2 stops every lookup at the portal's first page: a sample shows it as well as all."""


def test_every_northwind_member_round_trips_exactly(browser: Browser) -> None:
    (score,) = run_accuracy(["northwind"], browser_path=BROWSER, browser=browser).carriers
    assert score.members == len(members("northwind")) >= 55
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.exact_matches == score.results_produced == score.members
    assert score.fields_compared > 100 * score.members


def test_the_v2_redesign_never_produces_a_result(browser: Browser) -> None:
    report = run_accuracy(["northwind"], browser_path=BROWSER, browser=browser, layout="v2",
                          limit=V2_MEMBERS)
    (score,) = report.carriers
    assert score.members == V2_MEMBERS
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": V2_MEMBERS}
