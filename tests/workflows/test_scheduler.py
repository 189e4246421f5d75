"""The scheduler: each slot's jobs exactly once, with two schedulers, a restart, a clock
jump over missed slots, and a scheduler killed mid-slot (real Redis, SQLite and
PostgreSQL, a controlled clock)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portals.settings import Settings
from storage.models import Job, JobStatus
from storage.schedules import batch_progress
from tests.conftest import REDIS_URL
from tests.workflows.scheduler_helpers import add_visits, at, counts, job_keys, ledger, nightly
from workflows.recovery import sweep
from workflows.scheduler import Scheduler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def lock_key(client: redis.Redis) -> Iterator[str]:
    key = f"test:scheduler:{uuid.uuid4().hex}"
    yield key
    client.delete(key)


@pytest.fixture
def sent() -> list[tuple[str, int | None]]:
    return []


def make(engine: Engine, client: redis.Redis, settings: Settings, clock: Clock, lock_key: str,
         sent: list[tuple[str, int | None]], owner: str = "a", lock_seconds: float = 30
         ) -> Scheduler:
    return Scheduler(engine, client, settings, clock=clock,
                     send=lambda job_id, delay: sent.append((job_id, delay)), owner=owner,
                     lock_seconds=lock_seconds, lock_key=lock_key)


def test_a_slot_creates_its_batch_once_one_check_per_visit(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    # given: visits on December 2 and 3, and a nightly schedule at 02:00 Chicago
    members = add_visits(any_engine, 2, 3)
    add_visits(any_engine, 3, 2)
    nightly(any_engine)
    clock = Clock(at(2, 2, 0, ) + dt.timedelta(seconds=5))
    scheduler = make(any_engine, client, settings, clock, lock_key, sent)
    # when: it ticks at 02:00:05 on December 2, then again
    first = scheduler.tick()
    again = scheduler.tick()
    # then: one batch with the morning's three visits, sent once; the second tick nothing
    assert first.leading and len(first.ran) == 1 and again.ran == []
    run = first.ran[0]
    assert run.slot_at == at(2, 2, 0)
    assert len(run.jobs) == 3 and len(sent) == 3
    with Session(any_engine) as session:
        jobs = list(session.exec(select(Job)))
    assert sorted(j.member_id for j in jobs) == sorted(members)
    assert {j.batch_id for j in jobs} == {run.batch_id}
    assert {j.request["service_date"] for j in jobs} == {"2026-12-02"}
    assert {j.origin for j in jobs} == {"schedule"}
    assert ledger(any_engine) == [(at(2, 2, 0), "done", 3)]
    with Session(any_engine) as session:
        assert batch_progress(session=session, batch_id=run.batch_id or "").as_dict() == {
            "total": 3, "done": 0, "failed": 0, "left": 3}


def test_two_schedulers_side_by_side_give_each_slot_once(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    add_visits(any_engine, 2, 4)
    nightly(any_engine)
    clock = Clock(at(2, 2, 1))
    first = make(any_engine, client, settings, clock, lock_key, sent, owner="a")
    second = make(any_engine, client, settings, clock, lock_key, sent, owner="b")
    # the lock: one acts, the other stands by
    assert first.tick().leading
    assert not second.tick().leading
    assert counts(any_engine) == (4, 1, 1)
    # the ledger: even two that both act (a lapsed lock) run the slot once, raced in threads
    with Session(any_engine) as session:
        from storage.models import Schedule

        schedule = session.exec(select(Schedule)).one()
        session.expunge(schedule)
    add_visits(any_engine, 3, 4)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def race(scheduler: Scheduler) -> None:
        barrier.wait()
        results.append(scheduler.run_slot(schedule, at(3, 2, 0)))

    threads = [threading.Thread(target=race, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result is not None for result in results) == 1
    assert counts(any_engine) == (8, 2, 2)
    assert len(sent) == 8 and len(set(job for job, _ in sent)) == 8


def test_a_standby_takes_over_when_the_active_scheduler_stops_renewing(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    add_visits(any_engine, 2, 1)
    add_visits(any_engine, 3, 1)
    nightly(any_engine)
    clock = Clock(at(2, 2, 1))
    active = make(any_engine, client, settings, clock, lock_key, sent, "a", lock_seconds=30)
    standby = make(any_engine, client, settings, clock, lock_key, sent, "b", lock_seconds=30)
    assert active.tick().leading and not standby.tick().leading
    assert 25_000 < client.pttl(lock_key) <= 30_000  # renewed by each tick of the active one
    # when: the active one dies (stops ticking); its lock lapses by itself (fast-forwarded)
    client.pexpire(lock_key, 100)
    deadline = time.monotonic() + 10
    while client.exists(lock_key) and time.monotonic() < deadline:
        time.sleep(0.05)
    clock.now = at(3, 2, 1)
    took = standby.tick()
    # then: the standby acts, runs the next slot, and the old one no longer leads
    assert took.leading and [run.slot_at for run in took.ran] == [at(3, 2, 0)]
    assert not active.tick().leading
    assert [state for _, state, _ in ledger(any_engine)] == ["done", "done"]


def test_a_clock_jump_over_two_missed_slots_runs_each_once(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    for day in (2, 3, 4):
        add_visits(any_engine, day, 2)
    nightly(any_engine, grace_hours=72)
    clock = Clock(at(2, 3, 0))
    scheduler = make(any_engine, client, settings, clock, lock_key, sent)
    assert len(scheduler.tick().ran) == 1
    # when: the clock jumps two days (everything was down over two slots)
    clock.now = at(4, 3, 0)
    jumped = scheduler.tick()
    scheduler.tick()
    # then: both missed slots run once, each with its own morning's visits
    assert [run.slot_at for run in jumped.ran] == [at(3, 2, 0), at(4, 2, 0)]
    assert [len(run.jobs) for run in jumped.ran] == [2, 2]
    assert counts(any_engine) == (6, 3, 3)
    with Session(any_engine) as session:
        days = sorted(j.request["service_date"] for j in session.exec(select(Job)))
    assert days == ["2026-12-02"] * 2 + ["2026-12-03"] * 2 + ["2026-12-04"] * 2


def test_slots_missed_past_their_grace_are_recorded_as_skipped_not_run(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    add_visits(any_engine, 5, 2)
    nightly(any_engine, grace_hours=6)
    clock = Clock(at(5, 2, 30))  # down since December 1: slots of the 2nd to 4th are stale
    tick = make(any_engine, client, settings, clock, lock_key, sent).tick()
    assert tick.skipped == 3
    assert [(slot, state) for slot, state, _ in ledger(any_engine)] == [
        (at(2, 2, 0), "skipped"), (at(3, 2, 0), "skipped"), (at(4, 2, 0), "skipped"),
        (at(5, 2, 0), "done")]
    assert counts(any_engine)[0] == 2


def test_the_same_visit_is_not_verified_twice_in_one_night(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    add_visits(any_engine, 2, 3)
    nightly(any_engine, name="nightly")
    nightly(any_engine, name="early", cron="30 1 * * *")
    clock = Clock(at(2, 2, 5))
    tick = make(any_engine, client, settings, clock, lock_key, sent).tick()
    assert sorted(len(run.jobs) for run in tick.ran) == [0, 3]
    assert len(job_keys(any_engine)) == 3


def test_a_restart_after_the_commit_but_before_sending_loses_no_job(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str) -> None:
    add_visits(any_engine, 2, 2)
    nightly(any_engine)

    def broken(job_id: str, delay: int | None) -> None:
        raise ConnectionError("the broker went away")

    scheduler = Scheduler(any_engine, client, settings, clock=Clock(at(2, 2, 1)),
                          send=broken, lock_key=lock_key)
    run = scheduler.tick().ran[0]
    # the jobs are stored and queued; the workers' recovery sweep sends them
    with Session(any_engine) as session:
        assert {j.status for j in session.exec(select(Job))} == {JobStatus.QUEUED}
    from unittest import mock

    with mock.patch("workflows.recovery.send_job") as send, \
            mock.patch("workflows.recovery.utcnow", return_value=at(2, 2, 5)), \
            mock.patch("storage.repo.utcnow", return_value=at(2, 2, 5)):
        stale = sweep(any_engine, settings.model_copy(update={"stale_queued_seconds": 0}))
    assert sorted(stale) == sorted(job for job, _ in run.jobs)
    assert send.call_count == 2


def test_jobs_are_spread_at_the_account_budget_and_out_of_maintenance(
        any_engine: Engine, client: redis.Redis, settings: Settings, lock_key: str,
        sent: list[tuple[str, int | None]]) -> None:
    # given: 4 Summit visits, a budget of 2 lookups a minute, a slot 30 s before Summit's
    # maintenance (01:00 to 02:00 Denver, which is 02:00 to 03:00 Chicago)
    add_visits(any_engine, 2, 4, carrier="summit")
    add_visits(any_engine, 2, 2, carrier="meridian")
    nightly(any_engine, cron="59 1 * * *")
    slot = at(2, 1, 59)
    scheduler = make(any_engine, client, settings.model_copy(
        update={"lookups_per_minute": 2}), Clock(slot), lock_key, sent)
    run = scheduler.tick().ran[0]
    with Session(any_engine) as session:
        jobs = {j.id: j for j in session.exec(select(Job))}
    summit = sorted(start for job, start in run.jobs if jobs[job].carrier == "summit")
    meridian = sorted(start for job, start in run.jobs if jobs[job].carrier == "meridian")
    # then: Summit's two before its maintenance, 30 s apart, the other two after it
    window_end = at(2, 3, 0)
    assert summit == [slot, slot + dt.timedelta(seconds=30), window_end,
                      window_end + dt.timedelta(seconds=30)]
    # and Meridian (no window) 30 s apart from the slot, its own lane
    assert meridian == [slot, slot + dt.timedelta(seconds=30)]
    # each later job waits its turn in the row and in the queue message
    delays = dict(sent)
    for job_id, start in run.jobs:
        planned = jobs[job_id].next_attempt_at
        if start == slot:
            assert planned is None and delays[job_id] is None
        else:
            assert planned is not None
            assert planned.replace(tzinfo=dt.UTC) if planned.tzinfo is None else planned \
                == start
            assert delays[job_id] == int((start - slot).total_seconds() * 1000)


@pytest.mark.parametrize("crash", ["mid-slot"])
def test_a_scheduler_killed_mid_slot_leaves_nothing_and_the_next_runs_the_slot_once(
        any_db_url: str, any_engine: Engine, client: redis.Redis, lock_key: str,
        crash: str) -> None:
    # given: six visits for the morning, a nightly schedule
    add_visits(any_engine, 2, 6)
    nightly(any_engine)
    # when: a scheduler process is SIGKILLed after creating three of the slot's jobs
    child = subprocess.run(
        [sys.executable, "-m", "tests.workflows.scheduler_child", any_db_url, REDIS_URL,
         lock_key, at(2, 2, 1).isoformat(), "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == -9, child.stderr[-2000:]
    # then: nothing of the slot is stored, and its lock is still held by the dead one
    assert counts(any_engine) == (0, 0, 0)
    assert client.get(lock_key) == b"victim"
    # and: a standby takes over once the lock lapses and runs the slot once, all six
    standby = Scheduler(any_engine, client, Settings(), clock=Clock(at(2, 2, 2)),
                        send=lambda job, delay: None, owner="standby", lock_seconds=2,
                        lock_key=lock_key)
    assert not standby.tick().leading
    client.pexpire(lock_key, 200)  # the dead one's lock runs out (its 60 s, fast-forwarded)
    deadline = time.monotonic() + 30
    while client.exists(lock_key) and time.monotonic() < deadline:
        time.sleep(0.05)
    tick = standby.tick()
    standby.tick()
    assert tick.leading and [len(run.jobs) for run in tick.ran] == [6]
    assert counts(any_engine) == (6, 1, 1)
