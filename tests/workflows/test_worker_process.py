"""Real `portals worker` processes on the real Redis: a killed worker's check still
finishes, once; a check sent twice runs once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import select

from fixtures.sandbox.expected import members
from portals.model import EligibilityRequest
from portals.settings import Settings
from storage import repo
from storage.crypto import Vault
from storage.db import session_scope
from storage.models import CheckStatus, EligibilityResultRecord, RunStatus
from workflows.broker import setup_broker
from workflows.dispatch import send_check

pytestmark = pytest.mark.browser


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_env(settings: Settings, meridian: Any, redis_url: str) -> dict[str, str]:
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
def start_worker(worker_env: dict[str, str]) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(threads: int = 1) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "portals.cli", "worker", "--processes", "1",
             "--threads", str(threads)],
            env=worker_env, start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def queue_check(settings: Settings, engine: Engine, meridian: Any,
                redis_url: str) -> Callable[[int], str]:
    setup_broker(settings.model_copy(update={"redis_url": redis_url}))
    assert settings.secret_key is not None
    with session_scope(engine) as session:
        repo.create_account(session=session, vault=Vault(settings.secret_key),
                            carrier="meridian", label="t", username=meridian.username,
                            password=SecretStr(meridian.password),
                            totp_secret=SecretStr(meridian.totp_secret))

    def queue(index: int) -> str:
        member = members("meridian")[index]
        request = EligibilityRequest(carrier="meridian", member_id=member["member_id"],
                                     date_of_birth=member["date_of_birth"],
                                     last_name=member["last_name"])
        with session_scope(engine) as session:
            check_id = repo.create_check(session=session, request=request).id
        send_check(check_id)
        return check_id

    return queue


def _status(engine: Engine, check_id: str) -> str:
    with session_scope(engine) as session:
        check = repo.get_check(session=session, check_id=check_id)
        assert check is not None
        return check.status


def test_killed_worker_check_finishes_once(
    engine: Engine, meridian: Any, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str],
) -> None:
    # given a slow portal and a worker that has started the check
    meridian.control.set_knobs(latency_ms=700)
    first = start_worker()
    check_id = queue_check(5)
    _wait(lambda: _status(engine, check_id) == CheckStatus.RUNNING, 60, "the check to run")
    # when the worker is killed in the middle of it
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert _status(engine, check_id) == CheckStatus.RUNNING
    meridian.control.set_knobs(latency_ms=0)
    # then another worker finishes it, once
    start_worker()
    _wait(lambda: CheckStatus(_status(engine, check_id)).finished, 120, "the check to finish")
    assert _status(engine, check_id) == CheckStatus.SUCCEEDED
    with session_scope(engine) as session:
        runs = sorted(repo.list_runs(session=session, check_id=check_id),
                      key=lambda r: r.attempt)
        results = len(session.exec(select(EligibilityResultRecord).where(
            EligibilityResultRecord.check_id == check_id)).all())
    assert [r.status for r in runs] == [RunStatus.ABANDONED, RunStatus.SUCCEEDED]
    assert results == 1


def test_a_check_sent_twice_runs_once(
    engine: Engine, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str],
) -> None:
    start_worker(threads=2)
    check_id = queue_check(2)
    send_check(check_id)  # a duplicate delivery
    _wait(lambda: CheckStatus(_status(engine, check_id)).finished, 120, "the check to finish")
    with session_scope(engine) as session:
        runs = repo.list_runs(session=session, check_id=check_id)
    assert [r.status for r in runs] == [RunStatus.SUCCEEDED]
