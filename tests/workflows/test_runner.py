"""The runner against the real Meridian sandbox portal, in real Chromium, on SQLite
and Redis: statuses, results, artifacts, sessions, account flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dramatiq
import pytest
from sqlmodel import select

from fixtures.sandbox.expected import expected_result, members
from portals.model import EligibilityRequest, diff_results
from storage import repo
from storage.db import session_scope
from storage.models import AccountStatus, CarrierAccount, Job, JobStatus, Run
from tests.worker_fixtures import run_at_once, stored_member_ids
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser


def _queue(runner: JobRunner, member: dict[str, Any], **changes: Any) -> str:
    data = {"carrier": "meridian", "member_id": member["member_id"],
            "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
            **changes}
    with session_scope(runner.engine) as session:
        return repo.create_job(session=session,
                                 request=EligibilityRequest.model_validate(data)).id


def _runs(runner: JobRunner, job_id: str) -> list[Run]:
    with session_scope(runner.engine) as session:
        return repo.list_runs(session=session, job_id=job_id)


def _check(runner: JobRunner, job_id: str) -> Job:
    with session_scope(runner.engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        return check


def test_check_succeeds_with_the_expected_result(runner: JobRunner, account_id: int) -> None:
    member = members("meridian")[0]
    job_id = _queue(runner, member)
    assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    with session_scope(runner.engine) as session:
        result = repo.get_result(session=session, job_id=job_id)
    assert result is not None
    assert diff_results(expected_result("meridian", member["member_id"]), result) == []
    assert [r.status for r in _runs(runner, job_id)] == ["succeeded"]
    # a check that is finished is never run again
    assert runner.run_job(job_id) is None


def test_second_lookup_reuses_the_saved_session(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    first, second = members("meridian")[:2]
    assert runner.run_job(_queue(runner, first)) == JobStatus.SUCCEEDED
    before = meridian.control.state()
    assert runner.run_job(_queue(runner, second)) == JobStatus.SUCCEEDED
    after = meridian.control.state()
    assert after["login_page_views"] == before["login_page_views"]
    assert after["successful_logins"] == before["successful_logins"]
    assert after["login_attempts"] == before["login_attempts"]
    with session_scope(runner.engine) as session:
        account = session.get(CarrierAccount, account_id)
        assert account is not None and account.session_state_enc
        # the saved session is encrypted: no cookie value in clear text
        assert "cookies" not in account.session_state_enc


def test_expired_session_logs_in_again_once(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    first, second = members("meridian")[:2]
    assert runner.run_job(_queue(runner, first)) == JobStatus.SUCCEEDED
    meridian.control.expire_sessions()
    before = meridian.control.state()
    assert runner.run_job(_queue(runner, second)) == JobStatus.SUCCEEDED
    after = meridian.control.state()
    user = meridian.username
    assert after["successful_logins"][user] - before["successful_logins"][user] == 1


def test_unknown_member_ends_as_not_found(runner: JobRunner, account_id: int) -> None:
    member = members("meridian")[0]
    job_id = _queue(runner, member, last_name="Nobodyhere")
    assert runner.run_job(job_id) == JobStatus.NOT_FOUND
    assert _check(runner, job_id).message == "No records found"
    with session_scope(runner.engine) as session:
        assert repo.get_result(session=session, job_id=job_id) is None


def test_wrong_password_is_rejected_once_with_artifacts_and_flags_the_account(
    runner: JobRunner, meridian: Any
) -> None:
    from pydantic import SecretStr

    with session_scope(runner.engine) as session:
        account = repo.create_account(
            session=session, vault=runner.vault, carrier="meridian", label="bad",
            username=meridian.username, password=SecretStr("not-the-password-" + "x" * 8),
            totp_secret=SecretStr(meridian.totp_secret))
        bad_id = account.id
    member = members("meridian")[0]
    job_id = _queue(runner, member)
    assert runner.run_job(job_id) == JobStatus.FAILED
    (run,) = _runs(runner, job_id)
    assert run.error_type == "login_rejected"
    with session_scope(runner.engine) as session:
        kinds = sorted(a.kind for a in repo.list_artifacts(session=session, run_id=run.id))
        account = session.get(CarrierAccount, bad_id)
        assert account is not None
        assert account.status == AccountStatus.FLAGGED
        assert account.flag_reason == "login_rejected"
    assert kinds == ["html", "screenshot", "trace"]
    assert meridian.control.state()["login_attempts"][meridian.username] == 1
    # a later check does not touch the portal with the flagged account
    later = _queue(runner, member)
    assert runner.run_job(later) == JobStatus.FAILED
    assert _runs(runner, later)[0].error_type == "account_unavailable"
    assert meridian.control.state()["login_attempts"][meridian.username] == 1


def test_locked_account_is_never_retried(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    meridian.control.lock(meridian.username)
    job_id = _queue(runner, members("meridian")[0])
    assert runner.run_job(job_id) == JobStatus.FAILED
    check = _check(runner, job_id)
    assert check.attempts == 1 and check.next_attempt_at is None
    assert _runs(runner, job_id)[0].error_type == "account_locked"
    # sending the check again changes nothing: it is finished
    assert runner.run_job(job_id) is None
    assert meridian.control.state()["login_attempts"][meridian.username] == 1


def test_page_for_another_member_fails_and_stores_nothing(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    meridian.control.set_knobs(swap_member=True)
    job_id = _queue(runner, members("meridian")[3])
    assert runner.run_job(job_id) == JobStatus.FAILED
    (run,) = _runs(runner, job_id)
    assert run.error_type == "patient_mismatch"
    with session_scope(runner.engine) as session:
        assert repo.get_result(session=session, job_id=job_id) is None
        assert {a.kind for a in repo.list_artifacts(session=session, run_id=run.id)} == {
            "html", "screenshot", "trace"}


def test_unavailable_portal_is_retried_later_then_fails(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    meridian.control.set_knobs(maintenance=True)
    job_id = _queue(runner, members("meridian")[0])
    assert runner.run_job(job_id) == JobStatus.QUEUED
    check = _check(runner, job_id)
    assert check.status == JobStatus.QUEUED and check.next_attempt_at is not None
    for _ in range(runner.settings.max_attempts - 1):
        with session_scope(runner.engine) as session:  # make the retry due now
            row = session.get(Job, job_id)
            assert row is not None
            row.next_attempt_at = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            session.add(row)
        runner.run_job(job_id)
    check = _check(runner, job_id)
    assert check.status == JobStatus.FAILED
    assert [r.error_type for r in _runs(runner, job_id)] == ["portal_unavailable"] * 3


def test_a_held_check_is_not_run_twice(runner: JobRunner, account_id: int) -> None:
    job_id = _queue(runner, members("meridian")[0])
    with session_scope(runner.engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="other",
                                lease_seconds=60)
    assert runner.run_job(job_id) is None
    with session_scope(runner.engine) as session:
        assert session.exec(select(Run).where(Run.job_id == job_id)).all() == []


def test_jobs_of_one_account_share_one_warm_context(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    for member in members("meridian")[:3]:
        assert runner.run_job(_queue(runner, member)) == JobStatus.SUCCEEDED
    pool = runner.page_host().pool
    assert pool is not None and (pool.created, len(pool)) == (1, 1)
    assert meridian.control.state()["successful_logins"][meridian.username] == 1
    runner.close_browser()
    assert len(pool) == 0


def test_jobs_of_one_account_run_at_once_in_one_browser_with_one_login(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    # four worker threads, four jobs of one account at once, no saved session yet
    meridian.control.set_knobs(latency_ms=300)
    chosen = members("meridian")[:4]
    job_ids = [_queue(runner, member) for member in chosen]
    assert run_at_once(runner, job_ids) == [JobStatus.SUCCEEDED] * 4
    # each job stored its own member's result
    assert stored_member_ids(runner, job_ids) == [m["member_id"] for m in chosen]
    # the portal saw one login; the jobs ran at once in the process's one browser
    assert meridian.control.state()["successful_logins"][meridian.username] == 1
    host = runner.page_host()
    assert host.served == 4 and host.peak_active >= 2


def test_a_portal_asking_to_wait_slows_the_account_for_the_next_job(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    # given a job that met the portal's maintenance page (503, Retry-After: 600)
    meridian.control.set_knobs(maintenance=True)
    assert runner.run_job(_queue(runner, members("meridian")[0])) == JobStatus.QUEUED
    # when the portal is back and another job for the same account comes
    meridian.control.set_knobs(maintenance=False)
    before = meridian.control.state()["requests"]
    second = _queue(runner, members("meridian")[1])
    assert runner.run_job(second) == JobStatus.QUEUED
    # then it waits out the cool-down the portal asked for without touching the portal
    assert meridian.control.state()["requests"] == before
    [run] = _runs(runner, second)
    assert run.error_type == "portal_unavailable" and "cooling down" in (run.error_message or "")
    check = _check(runner, second)
    assert check.next_attempt_at is not None
    wait = check.next_attempt_at.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
    assert wait > dt.timedelta(seconds=500)  # the portal's 600 s, not the backoff's seconds


def test_a_job_reaching_another_worker_is_forwarded_to_the_one_holding_its_account(
    runner: JobRunner, account_id: int, meridian: Any, portal_settings: Any
) -> None:
    # given worker A holding the account (it ran the account's first job)
    queue_a = runner.hold_accounts()
    assert runner.run_job(_queue(runner, members("meridian")[0])) == JobStatus.SUCCEEDED
    # when the account's next job reaches worker B
    other = JobRunner(portal_settings, engine=runner.engine, worker_id="test-worker-b")
    other.hold_accounts()
    broker = dramatiq.get_broker()
    forwarded = f"{broker.namespace}:{queue_a}.msgs"  # type: ignore[attr-defined]
    broker.client.delete(forwarded)  # type: ignore[attr-defined]
    job_id = _queue(runner, members("meridian")[1])
    try:
        # then B does not run it: it puts it on A's own queue
        assert other.run_job(job_id) is None
        assert _runs(runner, job_id) == []
        assert broker.client.hlen(forwarded) == 1  # type: ignore[attr-defined]
    finally:
        other.close_browser()
    # and A runs it in its warm session: no second login
    assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    assert _runs(runner, job_id)[0].worker.startswith("test-worker:")
    assert meridian.control.state()["successful_logins"][meridian.username] == 1
