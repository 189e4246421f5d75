"""Pytest plugin: real `portals worker` processes for a test, killed at its end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from portals.settings import Settings


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` (bounded) until it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_env(settings: Settings, meridian: Any, redis_url: str) -> dict[str, str]:
    """The environment of a worker sharing this test's database, Redis, key and portal."""
    return {
        **os.environ,
        "PORTALS_DATABASE_URL": settings.resolved_database_url,
        "PORTALS_REDIS_URL": redis_url,
        "PORTALS_SECRET_KEY": settings.secret_key.get_secret_value(),  # type: ignore[union-attr]
        "PORTALS_DATA_DIR": str(settings.data_dir),
        "PORTALS_CARRIER_URLS": json.dumps({"meridian": meridian.url}),
        "PORTALS_LEASE_SECONDS": "3",
        "PORTALS_RECOVERY_INTERVAL_SECONDS": "1",
        "PORTALS_STALE_QUEUED_SECONDS": "5",
        "PORTALS_BROKER_HEARTBEAT_MS": "5000",
    }


@pytest.fixture
def worker_log(tmp_path: Path) -> Path:
    """Everything the test's workers print."""
    return tmp_path / "worker.log"


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], worker_log: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(threads: int = 1, **env: str) -> subprocess.Popen[bytes]:
        with worker_log.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "portals.cli", "worker", "--processes", "1",
                 "--threads", str(threads)],
                env={**worker_env, **env}, start_new_session=True, stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_at_once(runner: Any, job_ids: list[str]) -> list[str | None]:
    """``runner.run_job`` for every job at once, a thread each (as a worker's threads)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(job_ids)) as threads:
        return list(threads.map(runner.run_job, job_ids))


def stored_member_ids(runner: Any, job_ids: list[str]) -> list[str | None]:
    """The member ID of each job's stored result (None: nothing stored)."""
    from storage import repo
    from storage.db import session_scope

    with session_scope(runner.engine) as session:
        results = [repo.get_result(session=session, job_id=j) for j in job_ids]
        return [r.member.member_id if r is not None else None for r in results]
