"""Real `portals worker` processes on the real Redis: a killed worker's check still
finishes, once; a check sent twice runs once."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
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
from storage.models import JobResult, JobStatus, RunStatus
from tests.worker_fixtures import wait_until
from workflows.broker import setup_broker
from workflows.dispatch import send_job

pytestmark = pytest.mark.browser


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
            job_id = repo.create_job(session=session, request=request).id
        send_job(job_id)
        return job_id

    return queue


def _working(engine: Engine, job_id: str) -> bool:
    """A run of the check exists and has reached the portal (it logged an event)."""
    with session_scope(engine) as session:
        runs = repo.list_runs(session=session, job_id=job_id)
    return any(run.status == RunStatus.RUNNING and run.events for run in runs)


def _status(engine: Engine, job_id: str) -> str:
    with session_scope(engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        return check.status


def test_killed_worker_check_finishes_once(
    engine: Engine, meridian: Any, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str],
) -> None:
    # given a slow portal and a worker that has started the check
    meridian.control.set_knobs(latency_ms=700)
    first = start_worker()
    job_id = queue_check(5)
    wait_until(lambda: _working(engine, job_id), 60, "the worker to be in the portal")
    # when the worker is killed in the middle of it
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert _status(engine, job_id) == JobStatus.RUNNING
    meridian.control.set_knobs(latency_ms=0)
    # then another worker finishes it, once
    start_worker()
    wait_until(lambda: JobStatus(_status(engine, job_id)).finished, 120, "the check to finish")
    assert _status(engine, job_id) == JobStatus.SUCCEEDED
    with session_scope(engine) as session:
        runs = sorted(repo.list_runs(session=session, job_id=job_id),
                      key=lambda r: r.attempt)
        results = len(session.exec(select(JobResult).where(
            JobResult.job_id == job_id)).all())
    assert [r.status for r in runs] == [RunStatus.ABANDONED, RunStatus.SUCCEEDED]
    assert results == 1


def test_a_check_sent_twice_runs_once(
    engine: Engine, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str],
) -> None:
    start_worker(threads=2)
    job_id = queue_check(2)
    send_job(job_id)  # a duplicate delivery
    wait_until(lambda: JobStatus(_status(engine, job_id)).finished, 120, "the check to finish")
    with session_scope(engine) as session:
        runs = repo.list_runs(session=session, job_id=job_id)
    assert [r.status for r in runs] == [RunStatus.SUCCEEDED]
