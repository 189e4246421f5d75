"""Checks as the queue's source of truth, on SQLite and PostgreSQL: creation, idempotency,
exclusive claims under a lease, renewals, releases, and recovery of stale checks."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage import repo
from storage.models import JobStatus
from tests.storage.conftest import Clock, create_job, load_check, make_request, new_session

LEASE = 60.0


def _claim(engine: Engine, job_id: str, worker: str, lease: float = LEASE) -> bool:
    with new_session(engine) as session:
        return repo.claim_job(session=session, job_id=job_id, worker=worker,
                                lease_seconds=lease)


def _release(engine: Engine, job_id: str, status: JobStatus,
             retry_at: dt.datetime | None = None, message: str | None = None) -> None:
    with new_session(engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        repo.release_job(session=session, job=check, status=status, message=message,
                           retry_at=retry_at)
        session.commit()


def test_create_and_get(any_engine: Engine) -> None:
    job_id = create_job(any_engine, origin="bench")
    check = load_check(any_engine, job_id)
    assert check.status == JobStatus.QUEUED
    assert check.carrier == "meridian"
    assert check.member_id == "MER100200"
    assert check.date_of_birth == dt.date(1980, 4, 2)
    assert repo.job_request(check).service_date == dt.date(2025, 3, 1)
    assert repo.job_request(check).service_codes == ["99213", "97110"]
    assert check.attempts == 0
    assert check.origin == "bench"
    assert check.lease_owner is None
    assert check.request_fingerprint == repo.fingerprint(make_request())
    assert repo.job_request(check) == make_request()
    with new_session(any_engine) as session:
        assert repo.get_job(session=session, job_id="0" * 32) is None


def test_fingerprint_tells_requests_apart() -> None:
    assert repo.fingerprint(make_request()) == repo.fingerprint(make_request())
    assert repo.fingerprint(make_request()) != repo.fingerprint(
        make_request(member_id="MER100201"))


def test_idempotency_key_lookup_and_uniqueness(any_engine: Engine) -> None:
    job_id = create_job(any_engine, idempotency_key="req-123")
    with new_session(any_engine) as session:
        found = repo.find_by_idempotency_key(session=session, key="req-123")
        assert found is not None and found.id == job_id
        assert repo.find_by_idempotency_key(session=session, key="other") is None
    with new_session(any_engine) as session:
        repo.create_job(session=session, request=make_request(), idempotency_key=None)
        repo.create_job(session=session, request=make_request(), idempotency_key=None)
        session.commit()  # many checks may have no key
    with pytest.raises(IntegrityError), new_session(any_engine) as session:
        repo.create_job(session=session, request=make_request(), idempotency_key="req-123")
        session.commit()


def test_list_checks_newest_first(any_engine: Engine, clock: Clock) -> None:
    ids = [create_job(any_engine, member_id=f"MER10020{i}") for i in range(3)]
    with new_session(any_engine) as session:
        listed = [c.id for c in repo.list_jobs(session=session)]
        assert set(listed) == set(ids)
        assert [c.id for c in repo.list_jobs(session=session, limit=2)] == listed[:2]
        created = [c.created_at for c in repo.list_jobs(session=session)]
        assert created == sorted(created, reverse=True)


def test_claim_is_exclusive(any_engine: Engine) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a") is True
    assert _claim(any_engine, job_id, "worker-b") is False
    check = load_check(any_engine, job_id)
    assert check.status == JobStatus.RUNNING
    assert check.lease_owner == "worker-a"
    assert check.lease_expires_at is not None
    assert check.attempts == 1


def test_claim_of_unknown_check_fails(any_engine: Engine) -> None:
    assert _claim(any_engine, "f" * 32, "worker-a") is False


@pytest.mark.parametrize("status", [JobStatus.SUCCEEDED, JobStatus.NOT_FOUND,
                                    JobStatus.FAILED])
def test_claim_of_finished_check_fails(any_engine: Engine, clock: Clock,
                                       status: JobStatus) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a")
    _release(any_engine, job_id, status, message="done")
    check = load_check(any_engine, job_id)
    assert check.status == status
    assert check.finished_at is not None
    assert check.lease_owner is None and check.lease_expires_at is None
    assert _claim(any_engine, job_id, "worker-b") is False
    clock.advance(10 * LEASE)
    assert _claim(any_engine, job_id, "worker-b") is False


def test_lapsed_lease_can_be_reclaimed(any_engine: Engine, clock: Clock) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a")
    clock.advance(LEASE / 2)
    assert _claim(any_engine, job_id, "worker-b") is False  # lease still live
    clock.advance(LEASE)
    assert _claim(any_engine, job_id, "worker-b") is True  # worker-a is presumed dead
    check = load_check(any_engine, job_id)
    assert check.lease_owner == "worker-b"
    assert check.attempts == 2
    # the dead worker can no longer renew
    with new_session(any_engine) as session:
        assert not repo.renew_lease(session=session, job_id=job_id, worker="worker-a",
                                    lease_seconds=LEASE)


def test_lapsed_lease_while_waiting_for_mfa_can_be_reclaimed(any_engine: Engine,
                                                             clock: Clock) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a")
    with new_session(any_engine) as session:
        assert repo.set_job_status(session=session, job_id=job_id, worker="worker-a",
                                     status=JobStatus.NEEDS_MFA_CODE)
        assert not repo.set_job_status(session=session, job_id=job_id,
                                         worker="worker-b", status=JobStatus.RUNNING)
    assert load_check(any_engine, job_id).status == JobStatus.NEEDS_MFA_CODE
    assert not _claim(any_engine, job_id, "worker-b")
    clock.advance(2 * LEASE)
    assert _claim(any_engine, job_id, "worker-b")


def test_renew_lease_only_by_owner(any_engine: Engine, clock: Clock) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a")
    first_expiry = load_check(any_engine, job_id).lease_expires_at
    assert first_expiry is not None
    clock.advance(LEASE * 0.8)
    with new_session(any_engine) as session:
        assert repo.renew_lease(session=session, job_id=job_id, worker="worker-a",
                                lease_seconds=LEASE)
        assert not repo.renew_lease(session=session, job_id=job_id, worker="worker-b",
                                    lease_seconds=LEASE)
    renewed = load_check(any_engine, job_id).lease_expires_at
    assert renewed is not None and renewed > first_expiry
    clock.advance(LEASE * 0.8)  # past the first lease, inside the renewed one
    assert _claim(any_engine, job_id, "worker-b") is False


def test_renew_after_release_fails(any_engine: Engine) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a")
    _release(any_engine, job_id, JobStatus.SUCCEEDED)
    with new_session(any_engine) as session:
        assert not repo.renew_lease(session=session, job_id=job_id, worker="worker-a",
                                    lease_seconds=LEASE)


def test_release_with_retry_at(any_engine: Engine, clock: Clock) -> None:
    job_id = create_job(any_engine)
    assert _claim(any_engine, job_id, "worker-a")
    retry_at = clock.now() + dt.timedelta(seconds=40)
    _release(any_engine, job_id, JobStatus.QUEUED, retry_at=retry_at,
             message="portal unavailable")
    check = load_check(any_engine, job_id)
    assert check.status == JobStatus.QUEUED
    assert check.finished_at is None
    assert check.next_attempt_at == retry_at
    assert check.message == "portal unavailable"
    assert _claim(any_engine, job_id, "worker-b") is False  # not due yet
    clock.advance(30)
    assert _claim(any_engine, job_id, "worker-b") is False
    clock.advance(11)
    assert _claim(any_engine, job_id, "worker-b") is True
    assert load_check(any_engine, job_id).attempts == 2


def test_stale_checks(any_engine: Engine, clock: Clock) -> None:
    lapsed = create_job(any_engine, member_id="MER000001")
    live = create_job(any_engine, member_id="MER000002")
    old_queued = create_job(any_engine, member_id="MER000003")
    fresh_queued = create_job(any_engine, member_id="MER000004")
    waiting_retry = create_job(any_engine, member_id="MER000005")
    finished = create_job(any_engine, member_id="MER000006")

    assert _claim(any_engine, lapsed, "dead-worker", lease=10)
    assert _claim(any_engine, waiting_retry, "worker")
    _release(any_engine, waiting_retry, JobStatus.QUEUED,
             retry_at=clock.now() + dt.timedelta(hours=1))
    assert _claim(any_engine, finished, "worker")
    _release(any_engine, finished, JobStatus.FAILED)
    with new_session(any_engine) as session:
        for job_id in (old_queued, waiting_retry, finished):
            check = repo.get_job(session=session, job_id=job_id)
            assert check is not None
            check.updated_at = check.updated_at - dt.timedelta(minutes=10)
            session.add(check)
        session.commit()

    clock.advance(30)  # the 10 s lease lapsed, but the check was claimed only 30 s ago
    with new_session(any_engine) as session:
        now = clock.now()
        stale = repo.stale_jobs(session=session, queued_before=now - dt.timedelta(minutes=2),
                                  now=now)
        assert {c.id for c in stale} == {old_queued}
    clock.advance(120)  # now it has also been untouched for the stale period
    with new_session(any_engine) as session:
        repo.touch_job(session=session, job_id=fresh_queued)  # queued just now
        session.commit()
    assert _claim(any_engine, live, "live-worker", lease=3600)
    with new_session(any_engine) as session:
        now = clock.now()
        stale = repo.stale_jobs(session=session, queued_before=now - dt.timedelta(minutes=2),
                                  now=now)
        assert {c.id for c in stale} == {lapsed, old_queued}
        assert fresh_queued not in {c.id for c in stale}
        # default ``now`` is the clock too
        stale = repo.stale_jobs(session=session, queued_before=now - dt.timedelta(minutes=2))
        assert {c.id for c in stale} == {lapsed, old_queued}


def test_touch_check_moves_updated_at(any_engine: Engine, clock: Clock) -> None:
    job_id = create_job(any_engine)
    before = load_check(any_engine, job_id).updated_at
    clock.advance(5)
    with new_session(any_engine) as session:
        repo.touch_job(session=session, job_id=job_id)
        repo.touch_job(session=session, job_id="0" * 32)  # unknown: nothing happens
        session.commit()
    assert load_check(any_engine, job_id).updated_at > before


def test_claim_from_eight_threads_has_one_winner(any_engine: Engine) -> None:
    job_id = create_job(any_engine)
    workers = 8
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            with new_session(any_engine) as session:
                session.connection()  # open the connection before the race starts
                barrier.wait(timeout=30)
                won = repo.claim_job(session=session, job_id=job_id,
                                       worker=f"worker-{n}", lease_seconds=LEASE)
            with lock:
                results.append(won)
        except BaseException as exc:  # surfaced below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False] * (workers - 1) + [True]
    check = load_check(any_engine, job_id)
    assert check.attempts == 1
    assert check.lease_owner is not None and check.lease_owner.startswith("worker-")
