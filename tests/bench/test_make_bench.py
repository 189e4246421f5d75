"""`make bench` runs the full population on both layouts and fails if either misses its
bar (the pytest sample stands in for it in `make test`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")
def test_bench_runs_every_kind_on_v1_and_v2_and_keeps_the_worst_status() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    done = subprocess.run(["make", "--no-print-directory", "-n", "bench"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    script = done.stdout
    v1 = script.index(".venv/bin/portals bench accuracy --layout v1")
    v2 = script.index(".venv/bin/portals bench accuracy --layout v2")
    assert v1 < v2
    assert "--kind" not in script and "--limit" not in script and "--carrier" not in script
    plain = script.index(".venv/bin/portals bench prior-auth --report")
    kills = script.index(".venv/bin/portals bench prior-auth --kill-at all")
    assert v2 < plain < kills
    assert "|| status=1" in script and "exit $status" in script
