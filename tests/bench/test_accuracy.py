"""A varied sample of sandbox members per carrier through its bot in real Chromium: exact
on v1, failing loudly with no result on the v2 redesign. Eligibility here; claims in
``test_accuracy_claims.py``.

The same assertions the full run makes (`make bench`: every member of every carrier,
every kind, both layouts); only the population is smaller (:mod:`bench.sample`). On v2
three members a carrier (first, middle, last) stand for everyone: a redesign stops every
lookup at its first page, whoever it is for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from bots.registry import registry
from tests.bench.sample_runs import sample_run

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("carrier", registry.names())
def test_eligibility_sample_round_trips_exactly_on_v1(browser: Browser, carrier: str) -> None:
    score = sample_run(browser, carrier, "eligibility", "v1")
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.guard_refusals == 0
    assert score.exact_matches == score.members == score.lookups
    assert score.fields_compared > 20 * score.members


@pytest.mark.parametrize("carrier", registry.names())
def test_eligibility_sample_produces_nothing_on_the_v2_redesign(browser: Browser,
                                                                carrier: str) -> None:
    score = sample_run(browser, carrier, "eligibility", "v2")
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": score.members}


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
