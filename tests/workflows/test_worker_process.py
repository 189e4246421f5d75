"""Real `portals worker` processes on the real Redis: a killed worker's check still
finishes, once; a check sent twice runs once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import psutil
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
from workflows.affinity import holder_key
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


def _working(engine: Engine, job_id: str, attempt: int | None = None) -> bool:
    """A run of the check (attempt ``attempt``, if given) has reached the portal (it logged
    an event)."""
    with session_scope(engine) as session:
        runs = repo.list_runs(session=session, job_id=job_id)
    return any(run.status == RunStatus.RUNNING and run.events
               and attempt in (None, run.attempt) for run in runs)


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


def _kill_workers(supervisor: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL every process under ``portals worker`` (Dramatiq and its worker processes),
    as an out-of-memory kill or a crash would; the supervisor itself stays."""
    children = psutil.Process(supervisor.pid).children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):  # gone with its parent already
            child.kill()
    psutil.wait_procs(children, timeout=10)
    return [child.pid for child in children]


def _runs(engine: Engine, job_id: str) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        return sorted((run.attempt, run.status)
                      for run in repo.list_runs(session=session, job_id=job_id))


def test_killed_worker_processes_are_restarted_and_the_job_runs_again(
    engine: Engine, meridian: Any, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str],
) -> None:
    # given a worker (lease 3 s in these tests) in the middle of a check on a slow portal
    meridian.control.set_knobs(latency_ms=700)
    supervisor = start_worker()
    job_id = queue_check(6)
    wait_until(lambda: _working(engine, job_id), 60, "the worker to be in the portal")
    # when its worker processes are killed (the supervisor is not)
    killed = _kill_workers(supervisor)
    killed_at = time.monotonic()
    assert killed
    # then the supervisor starts new ones, and the check runs again within a lease and a
    # recovery interval or so (3 s + 1 s here; 30 s + 10 s by default)
    wait_until(lambda: len(_runs(engine, job_id)) == 2, 60, "the check to run again")
    again_after = time.monotonic() - killed_at
    assert again_after < 30, again_after
    meridian.control.set_knobs(latency_ms=0)
    wait_until(lambda: JobStatus(_status(engine, job_id)).finished, 120, "the check to finish")
    assert _status(engine, job_id) == JobStatus.SUCCEEDED
    assert [status for _, status in _runs(engine, job_id)] == [RunStatus.ABANDONED,
                                                                RunStatus.SUCCEEDED]
    assert supervisor.poll() is None  # still supervising
    fresh = {p.pid for p in psutil.Process(supervisor.pid).children(recursive=True)}
    assert fresh and not fresh & set(killed)


def test_a_job_that_kills_its_worker_every_time_ends_failed(
    engine: Engine, meridian: Any, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str],
) -> None:
    # given a check whose every attempt dies with its worker (killed in the portal)
    meridian.control.set_knobs(latency_ms=700)
    supervisor = start_worker(PORTALS_MAX_CRASHES="2")
    job_id = queue_check(7)
    for crash in (1, 2):
        wait_until(lambda: _working(engine, job_id, attempt=crash), 90,  # noqa: B023
                   f"attempt {crash} in the portal")
        _kill_workers(supervisor)
    # then the next claim ends it as failed for a person, instead of a third attempt
    wait_until(lambda: JobStatus(_status(engine, job_id)).finished, 90, "the check to end")
    with session_scope(engine) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        assert job.status == JobStatus.FAILED
        assert job.message is not None and "worker crashed 2 times" in job.message
    assert [status for _, status in _runs(engine, job_id)] == [RunStatus.ABANDONED] * 2


def _holder(redis_url: str, account_id: int = 1) -> str | None:
    import redis

    value = redis.Redis.from_url(redis_url, decode_responses=True).get(holder_key(account_id))
    return str(value) if value is not None else None


def _run_workers(engine: Engine, job_id: str) -> list[tuple[str, dt.datetime]]:
    """Each run of the job: the worker process that ran it, and when it started."""
    with session_scope(engine) as session:
        runs = sorted(repo.list_runs(session=session, job_id=job_id), key=lambda r: r.attempt)
        return [(run.worker.rsplit(":", 1)[0], run.started_at) for run in runs]


def test_a_killed_holders_account_moves_to_another_worker_after_its_lease_without_a_login(
    engine: Engine, meridian: Any, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str], redis_url: str,
) -> None:
    # given a worker holding the account's warm session (one login, its first job done)
    first = start_worker(threads=2)
    done = queue_check(0)
    wait_until(lambda: JobStatus(_status(engine, done)).finished, 120, "the first check")
    holder = _holder(redis_url)
    assert holder is not None and _run_workers(engine, done)[0][0] == holder
    # when it is killed in the middle of the account's next job
    meridian.control.set_knobs(latency_ms=700)
    killed = queue_check(1)
    wait_until(lambda: _working(engine, killed), 60, "the worker to be in the portal")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    died = dt.datetime.now(dt.UTC)
    meridian.control.set_knobs(latency_ms=0)
    # then another worker takes the account over and finishes both the killed job and a new
    # one, never before the dead holder's lease ran out (3 s here), without logging in
    start_worker(threads=2)
    fresh = queue_check(2)
    wait_until(lambda: all(JobStatus(_status(engine, j)).finished for j in (killed, fresh)),
               120, "the checks to finish")
    for job_id in (killed, fresh):
        assert _status(engine, job_id) == JobStatus.SUCCEEDED
    new_holder = _holder(redis_url)
    assert new_holder is not None and new_holder != holder
    for job_id in (killed, fresh):
        worker, started = _run_workers(engine, job_id)[-1]
        assert worker == new_holder
        started = started if started.tzinfo else started.replace(tzinfo=dt.UTC)
        assert started >= died + dt.timedelta(seconds=3)
    assert meridian.control.state()["successful_logins"][meridian.username] == 1


def test_jobs_reaching_another_worker_run_in_the_one_holding_the_account(
    engine: Engine, start_worker: Callable[..., subprocess.Popen[bytes]],
    queue_check: Callable[[int], str], redis_url: str, worker_log: Path, meridian: Any,
) -> None:
    # recovery would send a lost message again only after ten minutes: every job below
    # runs because a forwarded message reached the holder's own queue
    slow_recovery = {"PORTALS_STALE_QUEUED_SECONDS": "600"}
    start_worker(threads=1, **slow_recovery)
    first = queue_check(0)
    wait_until(lambda: JobStatus(_status(engine, first)).finished, 120, "the first check")
    holder = _holder(redis_url)
    assert holder is not None
    start_worker(threads=1, **slow_recovery)
    # both processes ready and fetching: on a loaded machine the second can take a while,
    # and jobs queued before it fetches all go to the holder, none forwarded
    wait_until(lambda: "forwarded" in worker_log.read_text()
               or (worker_log.read_text().count("ready for action") >= 2
                   and _consumers(redis_url) >= 2), 60, "the second worker to consume")
    jobs: list[str] = []
    # which process fetches a message is the broker's business: send rounds of six until
    # the other worker has had some (nearly always the first round)
    for start in (1, 7, 13):
        jobs += [queue_check(index) for index in range(start, start + 6)]
        wait_until(partial(_all_finished, engine, tuple(jobs)), 120, "the checks to finish")
        if "forwarded to" in worker_log.read_text():
            break
    assert all(_status(engine, job_id) == JobStatus.SUCCEEDED for job_id in jobs)
    assert {_run_workers(engine, job_id)[-1][0] for job_id in jobs} == {holder}
    assert "forwarded to" in worker_log.read_text()  # the other worker got some of them
    assert meridian.control.state()["successful_logins"][meridian.username] == 1


def _all_finished(engine: Engine, jobs: tuple[str, ...]) -> bool:
    return all(JobStatus(_status(engine, job_id)).finished for job_id in jobs)


def _consumers(redis_url: str) -> int:
    """Dramatiq worker processes heartbeating on the shared queue."""
    import redis

    client = redis.Redis.from_url(redis_url)
    return int(client.zcard("dramatiq:__heartbeats__"))
