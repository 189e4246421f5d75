"""Every Cascade Dental member through the bot in real Chromium equals `expected` on v1
(documents included); on the v2 redesign no lookup produces a result."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from bench.accuracy import run_accuracy
from fixtures.sandbox.expected import members

pytestmark = pytest.mark.browser
BROWSER = Path("/usr/bin/chromium")
V2_MEMBERS = 22


def test_every_member_round_trips_exactly(browser: Browser) -> None:
    (score,) = run_accuracy(["cascade"], browser_path=BROWSER, browser=browser).carriers
    assert score.members == len(members("cascade")) >= 55
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.exact_matches == score.members
    assert score.fields_compared > 300 * score.members


def test_v2_redesign_produces_no_result_at_all(browser: Browser) -> None:
    # the first 22 members (the family with ortho, DHMO, basic PPO, inactive and
    # terminated members among them); `portals bench accuracy --carrier cascade --layout v2`
    # runs them all
    (score,) = run_accuracy(["cascade"], browser_path=BROWSER, browser=browser,
                            layout="v2", limit=V2_MEMBERS).carriers
    assert score.members == V2_MEMBERS
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": score.members}
