"""The runner with the Summit bot on a throttled portal: the check goes back to the queue
with the portal's Retry-After, and succeeds on the next attempt once the portal answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from fixtures.sandbox.server import PortalAccount
from fixtures.sandbox.summit import expected
from portals.model import diff_results
from portals.settings import Settings
from storage import repo
from storage.db import session_scope
from storage.models import AccountStatus, CarrierAccount, Job, JobStatus
from tests.carriers.summit.helpers import request_for
from tests.worker_fixtures import run_at_once, stored_member_ids
from workflows.broker import setup_broker
from workflows.budgets import cooldown_key
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser
RETRY_AFTER = 120


@pytest.fixture
def runner(settings: Settings, summit: PortalAccount, redis_url: str, engine: Engine
           ) -> Iterator[JobRunner]:
    """A runner pointing the Summit bot at the test's sandbox, with its own browser."""
    portal_settings = settings.model_copy(update={
        "carrier_urls": {"summit": summit.url}, "redis_url": redis_url,
        "retry_backoff_seconds": 0.0})
    setup_broker(portal_settings)
    runner = JobRunner(portal_settings, engine=engine, worker_id="test-worker")
    yield runner
    runner.close_browser()


@pytest.fixture
def account_id(runner: JobRunner, summit: PortalAccount) -> int:
    answers = {f"security:{q}": SecretStr(a)
               for q, a in summit.account["security_answers"].items()}
    with session_scope(runner.engine) as session:
        account = repo.create_account(
            session=session, vault=runner.vault, carrier="summit", label="test",
            username=summit.username, password=SecretStr(summit.password), extra=answers)
        assert account.id is not None
        return account.id


def _check(runner: JobRunner, job_id: str) -> Job:
    with session_scope(runner.engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        return check


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_throttled_check_is_requeued_after_retry_after_then_succeeds(
    runner: JobRunner, account_id: int, summit: PortalAccount
) -> None:
    summit.control.set_knobs(throttle_rate=1.0, throttle_retry_after=RETRY_AFTER)
    request = request_for(0)
    with session_scope(runner.engine) as session:
        job_id = repo.create_job(session=session, request=request).id

    # given a portal answering 429, when the check runs, then it waits Retry-After
    before = dt.datetime.now(dt.UTC)
    assert runner.run_job(job_id) == JobStatus.QUEUED
    after = dt.datetime.now(dt.UTC)
    check = _check(runner, job_id)
    assert check.status == JobStatus.QUEUED and check.next_attempt_at is not None
    due = _aware(check.next_attempt_at)
    assert before + dt.timedelta(seconds=RETRY_AFTER - 1) <= due
    assert due <= after + dt.timedelta(seconds=RETRY_AFTER + 1)
    with session_scope(runner.engine) as session:
        (run,) = repo.list_runs(session=session, job_id=job_id)
        assert run.error_type == "portal_unavailable"
        account = session.get(CarrierAccount, account_id)
        assert account is not None and account.status != AccountStatus.FLAGGED
    # not due yet: nobody runs it early
    assert runner.run_job(job_id) is None

    # and the account cools down for every job, as long as the portal asked
    assert runner.redis.exists(cooldown_key("summit", account_id))

    # when the portal answers again and the retry is due (the cool-down over), then the
    # check succeeds
    summit.control.set_knobs(throttle_rate=0.0)
    with session_scope(runner.engine) as session:
        row = session.get(Job, job_id)
        assert row is not None
        row.next_attempt_at = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        session.add(row)
    runner.redis.delete(cooldown_key("summit", account_id))  # its Retry-After has passed
    assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    with session_scope(runner.engine) as session:
        result = repo.get_result(session=session, job_id=job_id)
        runs = repo.list_runs(session=session, job_id=job_id)
    assert result is not None
    assert diff_results(expected(request.member_id), result) == []
    assert sorted(str(r.error_type) for r in runs) == ["None", "portal_unavailable"]
    assert _check(runner, job_id).attempts == 2


def test_expired_password_flags_the_account_and_is_not_retried(
    runner: JobRunner, account_id: int, summit: PortalAccount
) -> None:
    summit.control.expire_password(summit.username)
    with session_scope(runner.engine) as session:
        job_id = repo.create_job(session=session, request=request_for(0)).id
    assert runner.run_job(job_id) == JobStatus.FAILED
    with session_scope(runner.engine) as session:
        account = session.get(CarrierAccount, account_id)
        assert account is not None
        assert (account.status, account.flag_reason) == (AccountStatus.FLAGGED,
                                                         "password_expired")
    assert _check(runner, job_id).next_attempt_at is None


def test_jobs_sent_at_once_run_one_at_a_time_and_each_gets_its_own_member(
    runner: JobRunner, account_id: int, summit: PortalAccount
) -> None:
    # Summit keeps "the current member" in the server session: a second tab switches the
    # first one's member. Four worker threads take four jobs of the account at once.
    summit.control.set_knobs(latency_ms=50)
    requests = [request_for(index) for index in range(4)]
    with session_scope(runner.engine) as session:
        job_ids = [repo.create_job(session=session, request=r).id for r in requests]
    assert run_at_once(runner, job_ids) == [JobStatus.SUCCEEDED] * 4
    assert stored_member_ids(runner, job_ids) == [r.member_id for r in requests]
    # the bot's limit of one page per account held: the account's jobs never overlapped
    host = runner.page_host()
    assert host.served == 4 and host.peak_active == 1
    assert summit.control.state()["successful_logins"][summit.username] == 1
