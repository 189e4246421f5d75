"""The scheduler: turns schedules' slots into batches of jobs, exactly once.

- **One acts at a time.** A Redis lock with expiry (:data:`LOCK_KEY`), renewed every
  tick; a standby scheduler takes over within ``lock_seconds`` of the active one dying.
- **The ledger decides, not the lock.** A slot is taken by inserting its unique ledger
  row in the same transaction as its batch and jobs (:mod:`storage.schedules`), so even
  two schedulers that both believe they lead (a paused process whose lock lapsed) never
  run a slot twice, and a scheduler killed mid-slot leaves nothing behind: the next one
  runs the slot.
- **Missed slots.** On every tick each schedule's slots since its last ledger slot are
  due: those within the schedule's grace run (oldest first), older ones are recorded as
  skipped.
- **Spread within budgets.** A slot's jobs are planned one after another per portal
  account at the account's lookups-per-minute budget, outside the carrier's maintenance
  windows: each job's ``next_attempt_at`` is its planned start and its message is sent
  with that delay (the runner's budget still enforces the rate).
- **Deduplicated.** A planned job's key names the work (a visit's check on one night);
  a key already used is not created again.

After the commit the jobs are sent; a send lost to a crash is re-sent by the workers'
recovery sweep (a queued job past its start is stale).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bots.maintenance import outside
from bots.registry import UnknownCarrier, registry
from portals.settings import Settings
from storage import repo
from storage.models import Batch, Schedule, ScheduleSlot, SlotState, utcnow
from storage.schedules import anchor, enabled_schedules, record_skipped, slots_between
from workflows.budgets import limits_for
from workflows.schedule_kinds import KINDS, Planned, SlotContext

log = logging.getLogger(__name__)

LOCK_KEY = "portals:scheduler:leader"
SKIPS_PER_TICK = 100
"""Skipped slots recorded per schedule and tick (a long outage's rest on later ticks)."""

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""

Sender = Callable[[str, int | None], None]


def _send(job_id: str, delay_ms: int | None) -> None:
    from workflows.dispatch import send_job

    send_job(job_id, delay_ms=delay_ms)


@dataclass
class SlotRun:
    schedule_id: int
    slot_at: dt.datetime
    state: str
    batch_id: str | None = None
    jobs: list[tuple[str, dt.datetime]] = field(default_factory=list)
    """(job id, planned start) of the jobs created."""


@dataclass
class Tick:
    leading: bool
    ran: list[SlotRun] = field(default_factory=list)
    skipped: int = 0


class Scheduler:
    def __init__(self, engine: Engine, client: redis.Redis, settings: Settings, *,
                 clock: Callable[[], dt.datetime] = utcnow, send: Sender = _send,
                 owner: str | None = None, lock_seconds: float = 30.0,
                 lock_key: str = LOCK_KEY) -> None:
        self.engine = engine
        self.client = client
        self.settings = settings
        self.clock = clock
        self.send = send
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lock_ms = int(lock_seconds * 1000)
        self.lock_key = lock_key

    # -- the lock ---------------------------------------------------------------------
    def lead(self) -> bool:
        """Take or keep the lock; True while this scheduler is the one acting."""
        if self.client.set(self.lock_key, self.owner, nx=True, px=self.lock_ms):
            log.info("scheduler %s is now the active one", self.owner)
            return True
        return bool(self.client.eval(_RENEW, 1, self.lock_key, self.owner, self.lock_ms))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.lock_key, self.owner)

    # -- one pass ---------------------------------------------------------------------
    def tick(self) -> Tick:
        """If this scheduler leads: run every due slot of every enabled schedule."""
        if not self.lead():
            return Tick(leading=False)
        tick = Tick(leading=True)
        now = self.clock()
        with Session(self.engine) as session:
            schedules = enabled_schedules(session=session)
            session.expunge_all()
        for schedule in schedules:
            if schedule.kind not in KINDS:
                log.warning("schedule %s has an unknown kind; left alone", schedule.id)
                continue
            with Session(self.engine) as session:
                since = anchor(session=session, schedule=schedule)
            grace = dt.timedelta(seconds=schedule.grace_seconds)
            due = slots_between(schedule, since, now)
            late = [slot for slot in due if now - slot > grace]
            for slot in late[:SKIPS_PER_TICK]:
                with Session(self.engine) as session:
                    if record_skipped(session=session, schedule=schedule, slot_at=slot,
                                      owner=self.owner):
                        session.commit()
                        tick.skipped += 1
            if late:
                log.warning("schedule %s: %d slot(s) missed past their grace, skipped",
                            schedule.id, len(late))
                if len(late) > SKIPS_PER_TICK:
                    continue  # the rest of the skips first, on the next ticks
            for slot in due:
                if now - slot > grace:
                    continue
                if not self.lead():  # lost the lock meanwhile: leave the rest
                    return tick
                run = self.run_slot(schedule, slot)
                if run is not None:
                    tick.ran.append(run)
        return tick

    def run_slot(self, schedule: Schedule, slot_at: dt.datetime) -> SlotRun | None:
        """Take the slot and create its batch and jobs in one transaction, then send the
        jobs. None when the ledger already has the slot (another scheduler ran it)."""
        kind = KINDS[schedule.kind]
        context = SlotContext(schedule=schedule, slot_at=slot_at)
        now = self.clock()
        with Session(self.engine) as session:
            ledger = ScheduleSlot(schedule_id=schedule.id or 0, slot_at=slot_at,
                                  state=SlotState.CLAIMED, claimed_by=self.owner[:120],
                                  claimed_at=now)
            session.add(ledger)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return None
            planned = kind.planner(session, context)
            batch = Batch(label=f"{schedule.name}, {context.local:%Y-%m-%d %H:%M %Z}",
                          kind=schedule.kind, schedule_id=schedule.id, created_at=now)
            session.add(batch)
            session.flush()
            created = self._create_jobs(session, planned, batch, max(now, slot_at))
            batch.total = len(created)
            ledger.state = SlotState.DONE
            ledger.batch_id = batch.id
            ledger.jobs_created = len(created)
            ledger.finished_at = now
            session.add_all([batch, ledger])
            try:
                session.commit()
            except IntegrityError:  # another scheduler took the slot first
                session.rollback()
                return None
            run = SlotRun(schedule_id=schedule.id or 0, slot_at=slot_at,
                          state=SlotState.DONE, batch_id=batch.id, jobs=created)
        log.info("schedule %s slot %s: batch %s with %d job(s)", schedule.id,
                 slot_at.isoformat(), run.batch_id, len(run.jobs))
        for job_id, start in run.jobs:
            delay = max(0, int((start - now).total_seconds() * 1000))
            try:
                self.send(job_id, delay or None)
            except Exception as err:  # the recovery sweep sends it when it is stale
                log.warning("job %s stored but not sent (%s); the recovery sweep will",
                            job_id, type(err).__name__)
        return run

    def _create_jobs(self, session: Session, planned: list[Planned], batch: Batch,
                     start: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """Store the planned jobs not created before (by key), each with its planned start:
        per portal account, one every 60 / lookups-per-minute seconds, outside the
        carrier's maintenance windows."""
        next_free: dict[tuple[str, int | None], dt.datetime] = {}
        created: list[tuple[str, dt.datetime]] = []
        for item in planned:
            if repo.find_by_idempotency_key(session=session, key=item.dedupe_key):
                continue
            carrier = getattr(item.request, "carrier")  # noqa: B009
            try:
                bot = registry.get(carrier)
            except UnknownCarrier:
                continue
            account = repo.usable_account(session=session, carrier=carrier)
            lane = (carrier, account.id if account is not None else None)
            spacing = dt.timedelta(seconds=60 / limits_for(bot, self.settings).per_minute)
            at = outside(bot.maintenance_windows, next_free.get(lane, start))
            next_free[lane] = at + spacing
            job = repo.create_job(session=session, request=item.request, kind=item.kind,
                                  idempotency_key=item.dedupe_key, origin="schedule")
            job.batch_id = batch.id
            job.next_attempt_at = at if at > start else None
            session.add(job)
            created.append((job.id, at))
        session.flush()
        return created

    # -- running ----------------------------------------------------------------------
    def run(self, stop: threading.Event, interval: float = 5.0) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set; let the lock go then."""
        log.info("scheduler %s started", self.owner)
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("scheduler tick failed; trying again next interval")
                stop.wait(interval)
        finally:
            with contextlib.suppress(redis.RedisError):
                self.release()
            log.info("scheduler %s stopped", self.owner)
