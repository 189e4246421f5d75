"""The Makefile: `make test` runs ruff, mypy and pytest after installing; `make demo` runs
`portals demo`; install fetches only Debian's Chromium (when missing) and the venv."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")


def _dry_run(*args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    done = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def _index(lines: list[str], *words: str) -> int:
    for i, line in enumerate(lines):
        if all(word in line.split() for word in words):
            return i
    raise AssertionError(f"no line with {words} in:\n" + "\n".join(lines))


def test_test_runs_ruff_mypy_then_pytest() -> None:
    lines = _dry_run("test")
    ruff = _index(lines, ".venv/bin/ruff", "check", ".")
    mypy = _index(lines, ".venv/bin/mypy")
    pytest_ = _index(lines, ".venv/bin/pytest", "-q")
    assert ruff < pytest_ and mypy < pytest_


def test_demo_runs_portals_demo_on_port() -> None:
    lines = _dry_run("demo")
    assert lines[-1] == ".venv/bin/portals demo --port 8000"
    assert _dry_run("demo", "PORT=9123")[-1] == ".venv/bin/portals demo --port 9123"


def test_install_creates_venv_and_installs_dev_extras(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    lines = _dry_run("install", f"VENV={venv}")
    create = _index(lines, "-m", "venv", str(venv))
    pip = _index(lines, f"{venv}/bin/pip", "install", "-e", "'.[dev]'")
    assert create < pip
    assert "python" in lines[create].split()[0]
    assert not any("playwright install" in line for line in lines)


def test_install_gets_chromium_only_when_missing(tmp_path: Path) -> None:
    missing = _dry_run("install", f"CHROMIUM={tmp_path / 'no-chromium'}")
    update = _index(missing, "apt-get", "update")
    get = _index(missing, "apt-get", "install", "-y", "chromium")
    assert update < get
    present = tmp_path / "chromium"
    present.touch()
    assert not any("apt-get" in line for line in _dry_run("install", f"CHROMIUM={present}"))


def test_playwright_never_downloads_browsers() -> None:
    text = (ROOT / "Makefile").read_text()
    assert "export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1" in text
    assert "PYTHON ?=" in text and "python3.11" in text


def test_ci_script_runs_make_test() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash") or text.startswith("#!/bin/bash")
    assert "set -euo pipefail" in text
    assert "make test" in text
