"""Every sandbox member through its bot in real Chromium equals `portals sandbox expected`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser

from bench.accuracy import run_accuracy
from bots.registry import registry
from fixtures.sandbox.expected import members
from portals.cli import main

pytestmark = pytest.mark.browser
BROWSER = Path("/usr/bin/chromium")


@pytest.mark.parametrize("carrier", registry.names())
def test_every_member_round_trips_exactly_on_v1(browser: Browser, carrier: str) -> None:
    report = run_accuracy([carrier], browser_path=BROWSER, browser=browser)
    (score,) = report.carriers
    assert score.members == len(members(carrier)) >= 50
    assert score.mismatches == {}
    assert score.failed_lookups == 0, score.errors
    assert score.exact_matches == score.members
    assert score.fields_compared > 20 * score.members


@pytest.mark.parametrize("carrier", registry.names())
def test_no_result_at_all_on_the_v2_redesign(browser: Browser, carrier: str) -> None:
    report = run_accuracy([carrier], browser_path=BROWSER, browser=browser, layout="v2")
    (score,) = report.carriers
    assert score.members == len(members(carrier))
    assert score.results_produced == 0 and score.silently_wrong == 0
    assert score.errors == {"layout_changed": score.members}


def test_bench_command_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    # in a process of its own, as users run it (it starts its own Playwright)
    report_path = tmp_path / "accuracy.json"
    result = subprocess.run(
        [sys.executable, "-m", "portals.cli", "bench", "accuracy", "--carrier", "meridian",
         "--limit", "3", "--report", str(report_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "meridian" in result.stdout and "Accuracy on layout v1" in result.stdout
    data = json.loads(report_path.read_text())
    assert data["carriers"][0]["exact_matches"] == 3
    assert data["carriers"][0]["silently_wrong"] == 0


def test_bench_refuses_an_unknown_carrier() -> None:
    result = CliRunner().invoke(main, ["bench", "accuracy", "--carrier", "nosuch"])
    assert result.exit_code == 2
    assert "unknown carrier 'nosuch'" in result.output
